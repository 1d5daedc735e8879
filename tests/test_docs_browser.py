"""``/docs`` in a real headless Chromium (Playwright): the bundled Swagger UI 5 renders the API's
OpenAPI 3.1 document (FastAPI's own, not rewritten), lists every operation, shows no error box,
needs no network, and works under ``--url-prefix`` too.

Screenshots go to test-output/ (git-ignored).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from hostile import start

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parent.parent / "test-output"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OPERATIONS = ["/translate", "/detect", "/languages", "/translate_file", "/frontend/settings", "/suggest", "/health"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (install it with `apt-get install -y chromium`)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright for Python is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def rendered_docs(browser, url: str, name: str) -> tuple[list[str], str, list[str]]:
    """Open ``url`` + "docs"; the paths of the operations Swagger UI lists, the page's text, and
    any request that tried to leave this machine."""
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    outside: list[str] = []

    def guard(route):
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith("data:") or host in {"127.0.0.1", "localhost"}:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    try:
        page.goto(url + "docs", wait_until="networkidle")
        page.wait_for_function(
            "document.querySelector('.opblock, .errors-wrapper') || "
            "document.body.innerText.includes('Unable to render')",
            timeout=30_000,
        )
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / name), full_page=True)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        return [path.replace("\u200b", "").strip() for path in paths], page.inner_text("body"), outside
    finally:
        context.close()


def test_docs_render_every_operation(browser, tiny_models):
    demo = start(tiny_models)
    try:
        paths, text, outside = rendered_docs(browser, demo.local_url, "docs.png")
    finally:
        demo.close()
    assert "Unable to render this definition" not in text and "valid Swagger or OpenAPI version" not in text
    assert "Errors" not in text.split("\n")[:20]  # Swagger UI's error box starts with "Errors"
    for operation in OPERATIONS:
        assert operation in paths, (operation, paths)
    assert "OAS 3.1" in text  # the version badge Swagger UI 5 shows for FastAPI's own document
    assert outside == []


def test_docs_render_under_a_url_prefix(browser, tiny_models):
    demo = start(tiny_models, url_prefix="/translator", disable_web_ui=True)
    try:
        assert demo.local_url.endswith("/translator/")
        paths, text, outside = rendered_docs(browser, demo.local_url, "docs-prefix.png")
    finally:
        demo.close()
    assert "Unable to render this definition" not in text
    assert "/translator/translate" in paths and "/translator/detect" in paths, paths
    assert outside == []
