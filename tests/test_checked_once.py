"""A pasted text walks from the page to the English entering each layer once and checked once:
the page's edge checks it, and the layers below (pipeline, Translator, Summarizer) see a
CheckedText and do not scan it again."""

from __future__ import annotations

import pytest

pytest.importorskip("gradio")

from translator.core import pipeline  # noqa: E402
from translator.core.summarize import Summarizer  # noqa: E402
from translator.core.translate import Translator  # noqa: E402
from translator.server import Settings  # noqa: E402
from translator.server.backend import Backend  # noqa: E402
from translator.server.page.page import Handlers  # noqa: E402
from translator.text import inputs  # noqa: E402
from translator.text.inputs import CheckedText, InvalidTextError, check_text, check_texts  # noqa: E402


def counting(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[object]:
    """Record the first argument of every call of ``owner.name`` (the real one runs)."""
    calls: list[object] = []
    real = getattr(owner, name)

    def wrapper(*args, **kwargs):
        calls.append(args[1] if isinstance(owner, type) else args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls


def test_check_text_marks_what_it_passed_and_does_not_scan_it_again(monkeypatch):
    scans = counting(monkeypatch, inputs, "check_encodable")
    checked = check_text("Dober dan.")
    assert type(checked) is CheckedText and checked == "Dober dan."
    assert check_text(checked) is checked and check_texts([checked, "Hvala."]) == [checked, "Hvala."]
    assert scans == ["Dober dan.", "Hvala."]  # the marked text was not scanned a second time
    # what str operations make is plain text again: checked anew, and refused when bad
    with pytest.raises(InvalidTextError):
        check_text(checked[:3] + "\ud800")
    assert type(checked.strip()) is str


def test_a_pasted_text_enters_each_layer_once_and_is_checked_once(tiny_models, monkeypatch):
    settings = Settings(
        translation_model=str(tiny_models.marian), summary_model=str(tiny_models.bart), device="cpu", preload=False
    )
    handlers = Handlers(Backend(settings))
    scans = counting(monkeypatch, inputs, "check_encodable")
    streams = counting(monkeypatch, pipeline, "stream")
    documents = counting(monkeypatch, Translator, "iter_translate_document")
    summaries = counting(monkeypatch, Summarizer, "summarize")
    text = "Vlada je danes sprejela nov zakon.\n\nPredsednik je bil zadovoljen."

    steps = list(handlers.run(text, True, "short", 1, "auto", lambda *args, **kwargs: None))

    english, summary = steps[-1][0], steps[-1][1]
    assert english.strip() and summary.strip()  # the walk went through to the end
    assert streams == [text] and documents == [text]  # each layer entered once, with the page's text
    assert len(summaries) == 1 and summaries[0] == english
    assert scans == [text]  # the source checked once at the page's edge; the English not scanned
