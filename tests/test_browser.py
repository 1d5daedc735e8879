"""The web page in a real headless Chromium (Playwright): paste the seed article, translate,
check the English and the sentence view, download the JSON, and prove the page needs no network.

Screenshots go to test-output/ (git-ignored) and to the test's tmp_path.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from servers import launch_tiny

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "test-output"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n[ \t]*\n", text.strip()) if p.strip()]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (install it with `apt-get install -y chromium`)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright for Python is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def start(tiny_models):
    return launch_tiny(tiny_models, max_chars=20_000, host="127.0.0.1")


@pytest.fixture(scope="module")
def server(tiny_models):
    demo = start(tiny_models)
    yield demo.local_url
    demo.close()


def offline_context(browser):
    """A browser context in which any request that leaves this machine is refused and recorded
    (in ``context.outside_requests``)."""
    context = browser.new_context(viewport={"width": 1360, "height": 1000}, accept_downloads=True)
    outside: list[str] = []

    def guard(route):
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    context.outside_requests = outside
    return context


@pytest.fixture(scope="module")
def page(browser, server):
    """One page on the app for the module (the tests run in order and start with Clear)."""
    context = offline_context(browser)
    page = context.new_page()
    page.outside_requests = context.outside_requests
    page.goto(server, wait_until="networkidle")
    page.locator("#source textarea").wait_for()
    yield page
    context.close()


def clear(page) -> None:
    """Press Clear and check that it empties the inputs and the outputs."""
    page.locator("#clear-btn").click()
    page.wait_for_function("document.querySelector('#english textarea').value === ''")
    assert page.locator("#source textarea").input_value() == ""
    assert page.locator("#summary textarea").input_value() == ""
    assert page.locator("#side-by-side table.sbs").count() == 0
    assert page.locator("#download-json").is_disabled()


def screenshot(page, tmp_path: Path, name: str) -> Path:
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / name
    page.screenshot(path=str(path), full_page=True)
    page.screenshot(path=str(tmp_path / name), full_page=True)
    return path


def test_translate_the_seed_article(page, seed_article, tmp_path):
    from translator import split_sentences

    page.locator("#source textarea").fill(seed_article)
    page.locator("#translate-btn").click()
    page.locator("#status").get_by_text("✓").wait_for(timeout=30_000)

    english = page.locator("#english textarea").input_value()
    assert english.strip()
    assert len(paragraphs(english)) == len(paragraphs(seed_article))

    rows = page.locator("#side-by-side table.sbs tbody tr")
    sentences = len(split_sentences(seed_article))
    assert abs(rows.count() - sentences) <= max(2, sentences // 5), (rows.count(), sentences)
    first_source = rows.first.locator("td.src").inner_text()
    assert first_source.strip() and first_source.strip() in seed_article
    assert rows.first.locator("td.tgt").inner_text().strip()
    # a new paragraph starts with a marked row, once per paragraph after the first
    assert page.locator("#side-by-side tr.para-start").count() == len(paragraphs(seed_article)) - 1
    assert page.locator("#summary textarea").input_value() == ""  # Translate alone does not summarise

    with page.expect_download() as info:
        page.locator("#download-json").click()
    payload = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert payload["translation"].strip() == english.strip()

    shot = screenshot(page, tmp_path, "ui-translated.png")
    assert shot.stat().st_size > 10_000
    assert page.outside_requests == [], f"the page tried to reach the network: {page.outside_requests}"


def test_example_then_translate_and_summarise(page, seed_article, tmp_path):
    clear(page)
    page.locator("#title").get_by_text("Slovenian → English").first.wait_for()
    page.get_by_role("button", name=re.compile(r"^Slovenian news article")).click()
    page.wait_for_function("document.querySelector('#source textarea').value.length > 1000")
    assert page.locator("#source textarea").input_value().strip() == seed_article.strip()
    page.locator("#both-btn").click()
    page.locator("#status").get_by_text("✓").wait_for(timeout=30_000)
    assert page.locator("#summary textarea").input_value().strip()
    assert page.locator("#english textarea").input_value().strip()
    # the options show the models and the engine each runs on (filled in when the page loads)
    page.locator("#options").get_by_text("Options").click()
    info = page.locator("#model-info")
    info.get_by_text("on cpu").first.wait_for(timeout=10_000)
    assert "Translation" in info.inner_text() and "Summary" in info.inner_text()
    screenshot(page, tmp_path, "ui-summarised.png")
    assert page.outside_requests == []


def test_empty_input_shows_an_error_and_the_page_stays_usable(page, tmp_path):
    clear(page)
    page.locator("#translate-btn").click()
    page.get_by_text("is empty").first.wait_for(timeout=10_000)
    screenshot(page, tmp_path, "ui-empty-error.png")
    page.locator("#source textarea").fill("Dober dan. Vlada je sprejela proračun.")
    page.locator("#translate-btn").click()
    page.locator("#status").get_by_text("✓").wait_for(timeout=30_000)
    assert page.locator("#english textarea").input_value().strip()
    assert page.outside_requests == []


def test_a_missing_model_is_named_as_the_page_loads(browser, tiny_models, tmp_path):
    demo = start(tiny_models.__class__(marian=tmp_path / "no-such-model", bart=tiny_models.bart))
    context = offline_context(browser)
    try:
        page = context.new_page()
        page.goto(demo.local_url, wait_until="networkidle")
        warning = page.locator("#model-warning")
        warning.get_by_text("is not available").wait_for(timeout=10_000)  # before anything is pressed
        assert "translation model" in warning.inner_text() and "does not exist" in warning.inner_text()
        assert "no-such-model" in warning.inner_text()
        screenshot(page, tmp_path, "ui-missing-model.png")
        assert context.outside_requests == []
    finally:
        context.close()
        demo.close()


def test_check_these_first_lists_the_least_confident_rows_and_a_click_scrolls_to_one(page, seed_article, tmp_path):
    from playwright.sync_api import expect

    clear(page)
    page.locator("#source textarea").fill(seed_article)
    page.locator("#translate-btn").click()
    page.locator("#status").get_by_text("✓").wait_for(timeout=30_000)
    translated = page.locator("#side-by-side tr.scored")
    assert translated.count() >= 5  # every translated row is shaded by its confidence
    assert "confidence" in (translated.first.get_attribute("title") or "")
    links = page.locator("#check-first ol li a")
    assert links.count() == 5
    numbers = [int(links.nth(i).get_attribute("href").removeprefix("#seg-")) for i in range(5)]
    farthest = max(numbers)  # the row most likely to start out of view
    link = links.nth(numbers.index(farthest))
    row = page.locator(f"#side-by-side tr#seg-{farthest}")
    wrap = page.locator("#side-by-side .sbs-wrap")
    wrap.evaluate("element => { element.scrollTop = 0; }")
    was_hidden = not row.evaluate(
        "row => { const a = row.getBoundingClientRect(), b = row.closest('.sbs-wrap').getBoundingClientRect();"
        " return a.top >= b.top && a.bottom <= b.bottom; }"
    )
    link.click()
    expect(row).to_be_in_viewport()
    assert page.evaluate("location.hash") == f"#seg-{farthest}"
    if was_hidden:
        assert wrap.evaluate("element => element.scrollTop") > 0  # the sentence view scrolled to it
    screenshot(page, tmp_path, "ui-check-first.png")
    assert page.outside_requests == []
