"""Uploaded file names are the client's: long ones (counted in UTF-8 bytes, as file systems count
them), path parts and odd characters never reach the server's folders or its errors."""

from __future__ import annotations

import httpx
import pytest
from hostile import refusal, start, still_serves

from translator.server.downloads import MAX_NAME_BYTES, safe_name

pytestmark = pytest.mark.slow  # a real server on a free port

TEXT = "Vlada je sprejela proračun. Minister je zadovoljen.\n".encode()


@pytest.fixture(scope="module")
def url(tiny_models):
    demo = start(tiny_models)
    yield demo.local_url
    demo.close()


@pytest.mark.parametrize(
    "name",
    [
        "č" * 119 + ".txt",
        "č" * 400 + ".txt",
        "😀" * 200 + ".md",
        "a" * 1000 + ".srt",
        "../../etc/passwd.txt",
        "..\\..\\x.html",
        "dir/" * 100 + "clanek.txt",
        "con.txt",
        "\u202eevil.txt",
        "x" + "\u0301" * 500 + ".txt",
    ],
)
def test_any_name_gives_a_download_named_like_the_upload(url, name):
    data = TEXT if not name.endswith(".srt") else b"1\n00:00:01,000 --> 00:00:02,000\n" + TEXT
    answer = httpx.post(
        url + "translate_file", files={"file": (name, data)}, data={"source": "sl", "target": "en"}, timeout=60
    )
    assert answer.status_code == 200, answer.text
    download = httpx.get(answer.json()["translatedFileUrl"], timeout=60)
    assert download.status_code == 200 and download.content.strip()
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].startswith("attachment")
    still_serves(url)


def test_safe_names_fit_in_bytes_and_keep_the_suffix():
    for name in ("č" * 119 + ".txt", "😀" * 300 + ".docx", "ž" * 500, "a.b" * 200 + ".html"):
        safe = safe_name(name)
        assert len(safe.encode("utf-8")) <= MAX_NAME_BYTES
        assert safe.rsplit(".", 1)[-1] == name.rsplit(".", 1)[-1][:16] or "." not in name
    assert "/" not in safe_name("../../etc/passwd") and safe_name("../../etc/passwd") == "passwd"
    assert safe_name("...") == "document"


def test_an_html_download_is_an_attachment_never_rendered(url):
    page = b"<html><body><p>Vlada je sprejela proracun.</p><script>alert(1)</script></body></html>"
    answer = httpx.post(
        url + "translate_file", files={"file": ("x.html", page)}, data={"source": "sl", "target": "en"}, timeout=60
    )
    download = httpx.get(answer.json()["translatedFileUrl"], timeout=60)
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["x-content-type-options"] == "nosniff"


def test_a_missing_or_odd_download_name_is_a_json_refusal(url):
    refusal(httpx.get(url + "download_file/" + "0" * 32 + ".x.txt", timeout=60), 404)  # could exist: not found
    for name in ("nothing.txt", "%2e%2e%2fetc%2fpasswd", "č" * 300):  # no upload is stored so: LibreTranslate's 400
        assert refusal(httpx.get(url + "download_file/" + name, timeout=60), 400) == "Invalid filename"
