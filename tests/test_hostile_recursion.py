"""Input whose nesting would drive a recursion: JSON bodies (REST and the page's own API) and
markup (``format=html``, uploaded .html/.md) nested thousands of levels deep."""

from __future__ import annotations

import httpx
import pytest
from hostile import refusal, start, still_serves

from translator.server.guard import json_depth

pytestmark = pytest.mark.slow  # a real server on a free port


@pytest.fixture(scope="module")
def url(tiny_models):
    demo = start(tiny_models, max_chars=400_000)  # room for markup 10,000 levels deep
    yield demo.local_url
    demo.close()


def deep_json(levels: int) -> bytes:
    return b'{"q": "Dober dan.", "source": "sl", "target": "en", "ignored": ' + b"[" * levels + b"]" * levels + b"}"


def test_json_depth_is_counted_without_parsing():
    assert json_depth(b'{"a": [1, {"b": "[[[{{{"}], "c": "\\"]"}') == 3
    assert json_depth(b"[" * 100_000) == 100_000  # unbalanced too, and without recursion
    assert json_depth(b'"[[[["') == 0


@pytest.mark.parametrize("levels", [1_000, 100_000])
def test_a_deeply_nested_json_body_is_400_on_every_route(url, levels):
    for path in ("translate", "detect", "summarize"):
        answer = httpx.post(
            url + path, content=deep_json(levels), timeout=60, headers={"Content-Type": "application/json"}
        )
        assert "nested" in refusal(answer, 400)
    # the page's own API (gradio) is behind the same edge
    page = httpx.post(
        url + "gradio_api/call/translate",
        content=b'{"data": ' + b"[" * levels + b"]" * levels + b"}",
        timeout=60,
        headers={"Content-Type": "application/json"},
    )
    assert "nested" in refusal(page, 400)
    still_serves(url)


def test_json_within_the_limit_still_works(url):
    answer = httpx.post(
        url + "translate", content=deep_json(20), timeout=60, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 200 and answer.json()["translatedText"]


@pytest.mark.parametrize("tag", ["div", "b", "span"])
def test_deeply_nested_html_never_gives_5xx(url, tag):
    html = f"<{tag}>" * 10_000 + "Vlada je sprejela proračun." + f"</{tag}>" * 10_000
    answer = httpx.post(
        url + "translate", json={"q": html, "source": "sl", "target": "en", "format": "html"}, timeout=120
    )
    assert answer.status_code in (200, 400, 413), answer.text[:300]
    if answer.status_code == 200:
        assert "<" + tag + ">" in answer.json()["translatedText"]
    else:
        refusal(answer, answer.status_code)
    upload = httpx.post(
        url + "translate_file",
        files={"file": ("deep.html", html.encode(), "text/html")},
        data={"source": "sl", "target": "en"},
        timeout=120,
    )
    assert upload.status_code in (200, 413), upload.text[:300]
    if upload.status_code == 413:
        refusal(upload, 413)
    still_serves(url)


def test_deeply_nested_markdown_never_gives_5xx(url):
    text = "> " * 20_000 + "Vlada je sprejela proračun.\n" + "".join("  " * i + "- točka\n" for i in range(300))
    upload = httpx.post(
        url + "translate_file",
        files={"file": ("deep.md", text.encode(), "text/markdown")},
        data={"source": "sl", "target": "en"},
        timeout=120,
    )
    assert upload.status_code in (200, 413), upload.text[:300]
    if upload.status_code == 413:
        refusal(upload, 413)
    still_serves(url)
