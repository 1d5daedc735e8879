"""Text that cannot be encoded (lone surrogates, bytes that are not UTF-8) is refused once, at
the edge, naming the position: 400 in REST and the page's API, InvalidTextError in Python,
exit 1 in the CLI. Never a tokenizer cast error, never an error that cannot itself be encoded."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from hostile import refusal, start, still_serves

from translator import InvalidTextError, Translator
from translator.text.inputs import check_encodable

pytestmark = pytest.mark.slow  # a real server on a free port

RAW_JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def url(tiny_models):
    demo = start(tiny_models)
    yield demo.local_url
    demo.close()


@pytest.mark.parametrize("field", ["q", "source", "target", "format", "api_key", "ignored"])
def test_a_lone_surrogate_in_any_json_field_is_400_naming_it(url, field):
    body = {"q": "Dober dan.", "source": "sl", "target": "en", field: "Dober\\ud800 dan"}
    raw = "{" + ", ".join(f'"{name}": "{value}"' for name, value in body.items()) + "}"
    answer = httpx.post(url + "translate", content=raw.encode("ascii"), headers=RAW_JSON, timeout=60)
    message = refusal(answer, 400)
    assert field in message and "position 5" in message and "U+D800" in message
    still_serves(url)


def test_a_surrogate_in_a_list_and_in_a_field_name(url):
    answer = httpx.post(
        url + "translate", content=b'{"q": ["Dober dan.", "x\\udfff"], "source": "sl"}', headers=RAW_JSON, timeout=60
    )
    assert "position 1" in refusal(answer, 400)
    answer = httpx.post(url + "detect", content=b'{"q": "Dober dan.", "\\ud800": 1}', headers=RAW_JSON, timeout=60)
    assert "name of a field" in refusal(answer, 400)


def test_bytes_that_are_not_utf8_are_400_with_their_position(url):
    answer = httpx.post(url + "translate", content=b'{"q": "Dober \xff dan"}', headers=RAW_JSON, timeout=60)
    assert "0xff" in refusal(answer, 400) and "position 13" in refusal(answer, 400)
    form = httpx.post(
        url + "translate",
        content=b"q=Dober%20%FF%FEdan&source=sl",
        timeout=60,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    message = refusal(form, 400)
    assert "0xff" in message and "position 6" in message and " q " in f" {message} "
    query = httpx.post(url + "detect?q=%C5%A1%FF", timeout=60)
    assert "0xff" in refusal(query, 400)
    still_serves(url)


def test_a_multipart_form_field_with_a_surrogate_name_or_value(url):
    answer = httpx.post(
        url + "translate", files={"q": (None, "Dober dan.")}, data={"source": "sl", "target": "en"}, timeout=60
    )
    assert answer.status_code == 200, answer.text
    # a multipart field's text is decoded by the form parser: bytes that are not UTF-8 are read as
    # Latin-1 there (starlette's behaviour), which is valid text: translated, never a 500
    answer = httpx.post(
        url + "translate", files={"q": (None, b"Dober \xff dan.")}, data={"source": "sl", "target": "en"}, timeout=60
    )
    assert answer.status_code in (200, 400), answer.text


def test_the_page_api_refuses_a_surrogate_as_an_error_event(url):
    started = httpx.post(
        url + "gradio_api/call/translate", content=b'{"data": ["Dober\\ud800 dan.", 1]}', headers=RAW_JSON, timeout=60
    )
    assert started.status_code == 200, started.text
    event = started.json()["event_id"]
    stream = httpx.get(url + f"gradio_api/call/translate/{event}", timeout=60)
    assert "event: error" in stream.text and "position 5" in stream.text, stream.text[:500]
    still_serves(url)


def test_python_raises_invalid_text_error_naming_the_position(tiny_models):
    with pytest.raises(InvalidTextError, match="position 3") as caught:
        Translator(str(tiny_models.marian), device="cpu").translate("abc\ud800")
    assert isinstance(caught.value, ValueError) and caught.value.position == 3
    with pytest.raises(InvalidTextError, match="item 1"):
        Translator(str(tiny_models.marian), device="cpu").translate(["Dober dan.", "\udc80"])
    assert check_encodable("čšž") == "čšž"


def test_the_cli_reads_undecodable_stdin_as_a_text_file_and_never_crashes(tiny_models):
    env_args = ["--translation-model", str(tiny_models.marian), "--device", "cpu", "--beams", "1"]
    cp1250 = "Dober dan, čudoviti svet. Še en stavek.".encode("cp1250")
    result = subprocess.run(
        [sys.executable, "-m", "translator", "translate", "-", *env_args],
        input=cp1250,
        capture_output=True,
        timeout=300,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    binary = subprocess.run(
        [sys.executable, "-m", "translator", "translate", "-", *env_args],
        input=b"\x00\x01\x02\xff" * 100,
        capture_output=True,
        timeout=300,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert binary.returncode == 1 and b"Traceback" not in binary.stderr
    assert b"standard input" in binary.stderr
