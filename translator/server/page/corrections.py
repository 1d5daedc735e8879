"""The page's correction box, under the sentence view: pick a sentence of the last translation,
type a better English, send it. It is stored as a suggestion (as ``POST /suggest`` stores one),
pending until ``translator suggestions approve`` puts it into the translation memory. Shown only
on a server started with ``--suggestions``.

The sentences come from the translation's own JSON download (written by the server for each
translation), read once the translation is done, so the translate handlers stay as they are.
"""

# No ``from __future__ import annotations``: gradio reads annotations as objects.

import json
import time
from pathlib import Path
from typing import Any

import gradio as gr

from translator.server.backend import Backend
from translator.system.records import Suggestion, SuggestionQuotaExceeded

TARGET = "en"
MAX_CORRECTION_CHARS = 5000
SHOWN_CHARS = 90  # of a source sentence in the picker


def sentences_of(data_path: str | None) -> tuple[Any, dict[str, Any]]:
    """The picker's choices (each translated sentence, numbered as in the sentence view) and
    the state the send button reads (the language and each number's source sentence)."""
    if not data_path:
        return gr.update(choices=[], value=None), {}
    payload = json.loads(Path(data_path).read_text(encoding="utf-8"))
    sources: dict[str, str] = {}
    choices = []
    for number, segment in enumerate(payload.get("segments") or [], start=1):
        if segment.get("translated"):
            source = str(segment["source"])
            sources[str(number)] = source
            shown = source if len(source) <= SHOWN_CHARS else source[: SHOWN_CHARS - 1] + "…"
            choices.append((f"{number}. {shown}", str(number)))
    return gr.update(choices=choices, value=None), {"language": payload.get("language"), "sources": sources}


class Corrections:
    """The send button's handler, bound to one Backend and its suggestions store."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def on_send(self, number: str | None, english: str, state: dict[str, Any], request: gr.Request):
        """Store the correction as a pending suggestion; the line under the button says so."""
        store = self.backend.suggestions
        source = (state or {}).get("sources", {}).get(number or "")
        english = (english or "").strip()
        if store is None:
            return "Suggestions are disabled on this server.", english
        if not source:
            return "Pick a sentence of the last translation first.", english
        if not english:
            return "Type the better English first.", english
        if len(english) > MAX_CORRECTION_CHARS:
            return f"A correction is at most {MAX_CORRECTION_CHARS:,} characters.", english
        language = state.get("language") or self.backend.settings.source
        client = request.client.host if request is not None and request.client else "unknown"
        try:
            added = store.add(Suggestion(source, english, language, TARGET, None, time.time()), f"page:{client}")
        except SuggestionQuotaExceeded as exc:
            return str(exc), english
        said = "sent" if added else "already sent"
        return f"✓ Suggestion for sentence {number} {said}: an editor approves it into the translation memory.", ""


def add_correction_box(backend: Backend, translated: list[Any], download_json: gr.DownloadButton) -> None:
    """The correction box, filled after each of the ``translated`` events (the translate
    buttons' clicks) from ``download_json``'s file; nothing when suggestions are off."""
    if backend.suggestions is None:
        return
    handlers = Corrections(backend)
    with gr.Accordion("Suggest a better English sentence", open=False, elem_id="corrections"):
        state = gr.State({})
        pick = gr.Dropdown(label="Sentence", choices=[], elem_id="correction-sentence")
        english = gr.Textbox(label="Your English", lines=2, max_length=MAX_CORRECTION_CHARS, elem_id="correction-text")
        send = gr.Button("Send suggestion", elem_id="correction-send")
        said = gr.Markdown(elem_id="correction-status")
    for event in translated:
        event.then(sentences_of, inputs=[download_json], outputs=[pick, state], api_visibility="private")
    send.click(handlers.on_send, inputs=[pick, english, state], outputs=[said, english], api_visibility="private")
