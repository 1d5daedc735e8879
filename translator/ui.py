"""The web page: paste or upload Slovenian news, get the English, a summary and a
sentence-by-sentence view.

``build_app(...)`` returns the :class:`gradio.Blocks` page; ``launch(...)`` builds it and serves it
(``python app.py`` and ``translator serve`` both end up there). Models load once per process
(models.py caches them); each request only makes a light Translator/Summarizer.

Named API endpoints (see ``/?view=api`` on a running page), each callable with only the text::

    from gradio_client import Client
    client = Client("http://127.0.0.1:7860/")
    english = client.predict("Dober dan. Kako ste?", api_name="/translate")
    summary = client.predict(english, api_name="/summarize")
    english, summary, segments = client.predict("…", api_name="/translate_and_summarize")

The page's own buttons use a streaming handler (partial translations as paragraphs finish)
that is kept out of the API; the endpoints above are plain request/response functions.
"""

# No ``from __future__ import annotations`` here: gr.api reads the endpoint functions' return
# annotations as objects, not strings.

import argparse
import html
import json
import logging
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

# No network at runtime: no usage analytics, no version check, no Hub telemetry.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import gradio as gr  # noqa: E402

from . import models  # noqa: E402
from .models import ModelNotFoundError  # noqa: E402
from .options import SUMMARY_LENGTHS, TranslationOptions  # noqa: E402
from .results import Segment, Translation  # noqa: E402

logger = logging.getLogger("translator")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
DEFAULT_MAX_CHARS = 100_000
DEFAULT_BEAMS = TranslationOptions().num_beams
MAX_UPLOAD = "20mb"
REPO = Path(__file__).resolve().parent.parent
SEED_ARTICLE = REPO / "examples" / "article-sl.txt"

Length = Literal["short", "medium", "long"]

TITLE = "Slovenian → English news translator"

DESCRIPTION = (
    "Paste a Slovenian news article (or upload a `.txt`, `.md`, `.docx`, `.html` or `.srt` file) "
    "and get the English translation with its paragraphs kept, a short English summary and a "
    "sentence-by-sentence view to check the translation. Everything runs on this machine."
)

CSS = """
.gradio-container { max-width: 1280px !important; margin: 0 auto; }
#title h1 { margin-bottom: 0.2em; }
#title p { color: var(--body-text-color-subdued); margin-top: 0; }
#status { min-height: 1.8em; }
#status p { margin: 0; color: var(--body-text-color-subdued); }
.sbs-wrap { max-height: 560px; overflow: auto; border: 1px solid var(--border-color-primary);
            border-radius: var(--radius-lg); }
.sbs-empty { padding: 18px; color: var(--body-text-color-subdued); text-align: center; }
table.sbs { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: var(--text-md);
            line-height: 1.45; margin: 0; }
table.sbs col.num { width: 3.2em; }
table.sbs th { position: sticky; top: 0; z-index: 1; text-align: left; padding: 8px 10px;
               background: var(--background-fill-secondary); font-weight: 600;
               border-bottom: 1px solid var(--border-color-primary); }
table.sbs th, table.sbs td { border: 0; }
table.sbs td { vertical-align: top; padding: 6px 10px; border-top: 1px solid var(--border-color-primary);
               overflow-wrap: anywhere; }
table.sbs td.num, table.sbs td.src, table.sbs th:not(:last-child) {
    border-right: 1px solid var(--border-color-primary); }
table.sbs td.num { color: var(--body-text-color-subdued); font-variant-numeric: tabular-nums;
                   text-align: right; }
table.sbs tr.para-start td { border-top: 2px solid var(--neutral-300); }
table.sbs tr:first-child td { border-top: none; }
table.sbs tr.copied td { color: var(--body-text-color-subdued); }
table.sbs tr.warn td { background: rgba(245, 158, 11, 0.10); }
table.sbs .note { display: block; margin-top: 3px; font-size: var(--text-sm); color: #b45309; }
"""


# -- settings and shared state ----------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """What the page was started with (the command-line options of app.py)."""

    translation_model: str | None = None
    summary_model: str | None = None
    device: str | None = None
    engine: str | None = None
    max_chars: int = DEFAULT_MAX_CHARS
    concurrency: int | None = None  # requests per model at once; None: 1 on CPU, 2 on a GPU
    num_beams: int = DEFAULT_BEAMS  # the default of the page's slider and of the API endpoints

    def __post_init__(self) -> None:
        if not 1 <= self.num_beams <= 6:
            raise ValueError(f"num_beams must be from 1 to 6, got {self.num_beams}")
        if self.max_chars < 1:
            raise ValueError(f"max_chars must be at least 1, got {self.max_chars}")
        if self.concurrency is not None and self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {self.concurrency}")


def default_concurrency(device: str | None) -> int:
    """One request per model at a time on CPU (they would only fight over the cores), two on a GPU."""
    try:
        return 1 if models.resolve_device(device) == "cpu" else 2
    except ValueError:
        return 1


class Backend:
    """The page's work, shared by the UI handlers and the API endpoints."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.concurrency = settings.concurrency or default_concurrency(settings.device)
        # gradio's queue already limits each event group; these make the limit hold per model
        # even when two groups (e.g. /summarize and /translate_and_summarize) need the same one.
        self._gates: dict[str, threading.BoundedSemaphore] = {}
        self._gates_lock = threading.Lock()
        self._downloads = Path(tempfile.mkdtemp(prefix="translator-ui-"))
        self._info: tuple[float, str] | None = None  # (when, markdown): see model_info()

    # models

    def translator(self, num_beams: int = DEFAULT_BEAMS):
        from .translate import Translator

        s = self.settings
        return Translator(s.translation_model, device=s.device, engine=s.engine, num_beams=_beams(num_beams))

    def summarizer(self, num_beams: int = DEFAULT_BEAMS):
        from .summarize import Summarizer

        s = self.settings
        return Summarizer(s.summary_model, device=s.device, engine=s.engine, num_beams=_beams(num_beams))

    def gate(self, kind: str, name: str) -> threading.BoundedSemaphore:
        with self._gates_lock:
            return self._gates.setdefault(f"{kind}:{name}", threading.BoundedSemaphore(self.concurrency))

    def preload(self) -> None:
        """Load both models now so the first request does not wait; a missing model is logged
        (the page still starts and says what is wrong when it is used)."""
        for what, make in (("translation", self.translator), ("summary", self.summarizer)):
            try:
                make().model
            except (ModelNotFoundError, ValueError, OSError) as exc:
                logger.warning("%s model not available: %s", what, exc)

    def model_info(self) -> str:
        """Markdown naming both models and the engine each runs on. Asked on every page load:
        kept for good once both models are loaded, for a minute while one is missing (so page
        loads do not keep searching for it)."""
        if self._info and (self._info[0] == float("inf") or time.monotonic() - self._info[0] < 60):
            return self._info[1]
        lines = []
        ok = True
        for label, make in (("Translation", self.translator), ("Summary", self.summarizer)):
            worker = make()
            try:
                loaded = worker.model
                lines.append(f"- **{label}:** `{_md_code(loaded.name)}` — {_md(loaded.engine.description)}")
            except Exception as exc:  # shown, never raised: the page must load anyway
                ok = False
                lines.append(f"- **{label}:** `{_md_code(worker.model_name)}` — not available: "
                             f"{_md(str(exc).splitlines()[0][:300])}")
        lines.append(f"- **Input limit:** {self.settings.max_chars:,} characters · "
                     f"**requests per model at once:** {self.concurrency}")
        info = "\n".join(lines)
        self._info = (float("inf") if ok else time.monotonic(), info)
        return info

    # checks

    def check_text(self, text: Any, what: str = "text") -> str:
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise gr.Error(f"Expected the {what} as a string, got {type(text).__name__}.", print_exception=False)
        if not text.strip():
            raise gr.Error(f"The {what} is empty: paste an article, upload a file or pick the example.",
                           title="Nothing to translate" if what == "text" else "Nothing to summarise",
                           print_exception=False)
        limit = self.settings.max_chars
        if len(text) > limit:
            raise gr.Error(f"The {what} is {len(text):,} characters long; this page accepts at most "
                           f"{limit:,} characters. Split it into parts, or start the app with a larger "
                           "--max-chars.", title="Text too long", print_exception=False)
        return text

    # work

    def translate_document(self, text: str, num_beams: int, progress=None) -> Translation:
        translator = self.translator(num_beams)
        with _friendly_errors(), self.gate("translation", translator.model_name):
            return translator.translate_document(text, progress=progress)

    def iter_translate(self, text: str, num_beams: int, progress=None) -> Iterator[Translation]:
        translator = self.translator(num_beams)
        with _friendly_errors(), self.gate("translation", translator.model_name):
            yield from translator.iter_translate_document(text, progress=progress)

    def summarize(self, english: str, length: str, num_beams: int) -> str:
        if length not in SUMMARY_LENGTHS:
            raise gr.Error(f"Summary length must be one of {', '.join(SUMMARY_LENGTHS)}, not {length!r}.",
                           print_exception=False)
        summarizer = self.summarizer(num_beams)
        with _friendly_errors(), self.gate("summary", summarizer.model_name):
            return summarizer.summarize(english, length=length)

    def write_downloads(self, source: str, translation: Translation, summary: str) -> tuple[Path, Path]:
        """Write translation.txt and translation.json into a fresh folder of their own."""
        folder = self._downloads / f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"
        folder.mkdir(parents=True)
        text = translation.text.rstrip("\n") + "\n"
        if summary:
            text += "\nSummary\n-------\n" + summary.strip() + "\n"
        payload = {
            "translation": translation.text,
            "summary": summary or None,
            "segments": [asdict(segment) for segment in translation.segments],
            "warnings": translation.warnings,
            "translation_model": translation.model,
            "summary_model": (self.settings.summary_model or models.default_model("summary")) if summary else None,
            "source_characters": len(source),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        txt = _write_atomic(folder / "translation.txt", text)
        data = _write_atomic(folder / "translation.json", json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return txt, data


def _beams(value: Any) -> int:
    try:
        beams = int(value)
    except (TypeError, ValueError):
        raise gr.Error(f"Beams must be a whole number from 1 to 6, got {value!r}.", print_exception=False) from None
    if not 1 <= beams <= 6:
        raise gr.Error(f"Beams must be from 1 to 6, got {beams}.", print_exception=False)
    return beams


def _write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (the folder batch's writer); return ``path``."""
    from .batch import atomic_write

    atomic_write(path, text.encode("utf-8"))
    return path


def _md(text: str) -> str:
    """Plain text made safe for a Markdown line (no HTML, no markup)."""
    return html.escape(text, quote=False).replace("*", "\\*").replace("_", "\\_").replace("`", "'")


def _md_code(text: str) -> str:
    return text.replace("`", "'")


@contextmanager
def _friendly_errors():
    """Turn the failures a user can act on into a gr.Error the page shows (the page stays usable)."""
    try:
        yield
    except gr.Error:
        raise
    except ModelNotFoundError as exc:
        raise gr.Error(html.escape(str(exc), quote=False), title="Model not available", duration=None,
                       print_exception=False) from exc
    except (ValueError, TypeError) as exc:
        raise gr.Error(html.escape(str(exc), quote=False)) from exc
    except Exception as exc:
        logger.exception("request failed")
        raise gr.Error(f"Something went wrong: {html.escape(type(exc).__name__)}: "
                       f"{html.escape(str(exc), quote=False)[:500]}") from exc


# -- files -------------------------------------------------------------------------------------


def supported_suffixes() -> list[str]:
    from .files import SUPPORTED_SUFFIXES

    return list(SUPPORTED_SUFFIXES)


def read_upload(path: str | os.PathLike | None) -> str:
    """The text of an uploaded file, through the same readers as the CLI and the batch."""
    from .files import FileFormatError, document_text, read_document

    if not path:
        return ""
    file = Path(path)
    name = file.name
    suffixes = supported_suffixes()
    if file.suffix.lower() not in suffixes:
        raise gr.Error(f"{html.escape(name)}: {file.suffix or 'files without a suffix'} is not supported. "
                       f"Upload one of: {', '.join(suffixes)}.", title="Unsupported file", print_exception=False)
    try:
        return document_text(read_document(file))
    except (FileFormatError, OSError, UnicodeError, ValueError) as exc:
        raise gr.Error(f"Could not read {html.escape(name)}: {html.escape(str(exc), quote=False)}",
                       title="Unreadable file", print_exception=False) from exc


# -- rendering ---------------------------------------------------------------------------------


EMPTY_TABLE = '<div class="sbs-wrap"><div class="sbs-empty">The sentence-by-sentence view appears here.</div></div>'


def side_by_side_html(segments: list[Segment]) -> str:
    """An HTML table pairing each source sentence with its English; every text HTML-escaped.
    Rows with a warning get class ``warn``, a ⚠ and the warning text; a new paragraph starts
    with a heavier line; pieces copied verbatim (numbers, symbols) are greyed."""
    if not segments:
        return EMPTY_TABLE
    rows = []
    number = 0
    paragraph = None
    for segment in segments:
        classes = []
        if segment.paragraph != paragraph:
            if paragraph is not None:
                classes.append("para-start")
            paragraph = segment.paragraph
        if not segment.translated:
            classes.append("copied")
        if segment.warnings:
            classes.append("warn")
        number += 1
        mark = " ⚠" if segment.warnings else ""
        notes = "".join(f'<span class="note">⚠ {html.escape(w)}</span>' for w in segment.warnings)
        title = f' title="{html.escape("; ".join(segment.warnings))}"' if segment.warnings else ""
        rows.append(
            f'<tr class="{" ".join(classes)}" data-paragraph="{segment.paragraph}"{title}>'
            f'<td class="num">{number}{mark}</td>'
            f'<td class="src" lang="sl">{html.escape(segment.source)}</td>'
            f'<td class="tgt" lang="en">{html.escape(segment.target)}{notes}</td></tr>'
        )
    return (
        '<div class="sbs-wrap"><table class="sbs">'
        '<colgroup><col class="num"><col><col></colgroup>'
        '<thead><tr><th>#</th><th>Slovenian</th><th>English</th></tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div>'
    )


def _status(translation: Translation, seconds: float, *, summary: bool) -> str:
    sentences = sum(1 for s in translation.segments if s.translated)
    paragraphs = len({s.paragraph for s in translation.segments})
    text = f"✓ {sentences} sentences in {paragraphs} paragraphs translated"
    if summary:
        text += " and summarised"
    text += f" in {seconds:.1f} s"
    warnings = len(translation.warnings)
    if warnings:
        text += f" · ⚠ {warnings} warning{'s' if warnings != 1 else ''} (marked in the sentence view)"
    return text


# -- the page ----------------------------------------------------------------------------------


def page_theme() -> gr.themes.Base:
    """A calm theme whose fonts ship with gradio (nothing is fetched from a font service)."""
    local = gr.themes.LocalFont
    return gr.themes.Soft(
        primary_hue="blue",
        secondary_hue="slate",
        neutral_hue="slate",
        font=[local("IBM Plex Sans", weights=(400, 600)), "ui-sans-serif", "system-ui", "sans-serif"],
        font_mono=[local("IBM Plex Mono", weights=(400, 600)), "ui-monospace", "monospace"],
    )


class TranslatorApp(gr.Blocks):
    """The page; ``launch()`` adds the page's theme, style and footer unless told otherwise
    (gradio 6 takes them in launch(), not in the constructor)."""

    backend: Backend

    def launch(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        kwargs.setdefault("theme", page_theme())
        kwargs.setdefault("css", CSS)
        kwargs.setdefault("footer_links", ["api", "settings"])
        kwargs.setdefault("max_file_size", MAX_UPLOAD)
        kwargs.setdefault("enable_monitoring", False)
        return super().launch(*args, **kwargs)


def build_app(
    translation_model: str | None = None,
    summary_model: str | None = None,
    *,
    device: str | None = None,
    engine: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    concurrency: int | None = None,
    num_beams: int = DEFAULT_BEAMS,
    preload: bool = False,
) -> TranslatorApp:
    """Build the page (a gr.Blocks). ``preload`` loads both models before returning."""
    settings = Settings(translation_model=translation_model, summary_model=summary_model, device=device,
                        engine=engine, max_chars=max_chars, concurrency=concurrency,
                        num_beams=num_beams)
    backend = Backend(settings)
    beams_default = settings.num_beams
    if preload:
        backend.preload()
    limit = backend.concurrency

    # ---- handlers ----

    def run(text: str, summarise: bool, length: str, beams: float, progress=gr.Progress()):
        """The buttons' streaming handler: partial English as paragraph groups finish."""
        text = backend.check_text(text)
        started = time.perf_counter()
        disabled = gr.update(value=None, interactive=False)

        def on_progress(done: int, total: int) -> None:
            progress((done, total), desc="Translating", unit="sentences")

        progress(0, desc="Starting")
        translation = Translation(text="")
        # while working, the status line holds the progress bar (show_progress_on=status)
        yield "", "", EMPTY_TABLE, "", disabled, disabled
        for translation in backend.iter_translate(text, int(beams), progress=on_progress):
            yield translation.text, "", side_by_side_html(translation.segments), "", disabled, disabled
        table = side_by_side_html(translation.segments)
        summary_text = ""
        if summarise and translation.text.strip():
            progress(0.5, desc="Summarising")
            yield translation.text, "", table, "", disabled, disabled
            summary_text = backend.summarize(translation.text, length, int(beams))
        txt, data = backend.write_downloads(text, translation, summary_text)
        yield (translation.text, summary_text, table,
               _status(translation, time.perf_counter() - started, summary=bool(summary_text)),
               gr.update(value=str(txt), interactive=True), gr.update(value=str(data), interactive=True))

    def run_translate(text, summarise, length, beams, progress=gr.Progress()):
        yield from run(text, bool(summarise), length, beams, progress)

    def run_translate_and_summarize(text, length, beams, progress=gr.Progress()):
        yield from run(text, True, length, beams, progress)

    def load_file(path):
        text = read_upload(path)
        if len(text) > backend.settings.max_chars:
            gr.Warning(f"This file holds {len(text):,} characters; the limit is {backend.settings.max_chars:,}.")
        return text

    def clear():
        disabled = gr.update(value=None, interactive=False)
        return "", None, "", "", EMPTY_TABLE, "", disabled, disabled

    # ---- API endpoints (plain functions; every parameter after the text has a default) ----

    def translate(text: str, num_beams: int = beams_default) -> str:
        """Translate Slovenian text into English. Paragraphs and line breaks are kept."""
        return backend.translate_document(backend.check_text(text), num_beams).text

    def summarize(english_text: str, length: Length = "medium", num_beams: int = beams_default) -> str:
        """Summarise English text (any length). length: short, medium or long."""
        return backend.summarize(backend.check_text(english_text, "English text"), length, num_beams)

    def translate_and_summarize(
        text: str, length: Length = "medium", num_beams: int = beams_default
    ) -> tuple[str, str, list[dict[str, Any]]]:
        """Translate Slovenian text and summarise the English. Returns the translation, the summary
        and the sentence pairs ({source, target, paragraph, translated, warnings})."""
        translation = backend.translate_document(backend.check_text(text), num_beams)
        summary_text = backend.summarize(translation.text, length, num_beams) if translation.text.strip() else ""
        segments = [
            {"source": s.source, "target": s.target, "paragraph": s.paragraph, "translated": s.translated,
             "warnings": list(s.warnings)}
            for s in translation.segments
        ]
        return translation.text, summary_text, segments

    # ---- layout ----

    seed = SEED_ARTICLE.read_text(encoding="utf-8") if SEED_ARTICLE.is_file() else None
    upload_types = supported_suffixes()

    with TranslatorApp(title="Slovenian → English translator", analytics_enabled=False) as demo:
        demo.backend = backend
        gr.Markdown(f"# {TITLE}\n{DESCRIPTION}", elem_id="title")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                source = gr.Textbox(label="Slovenian text", lines=16, max_lines=16,
                                    placeholder="Prilepite slovensko besedilo … (paste Slovenian text here)",
                                    elem_id="source")
                with gr.Row():
                    translate_btn = gr.Button("Translate", variant="primary", elem_id="translate-btn")
                    both_btn = gr.Button("Translate + summarise", variant="secondary", elem_id="both-btn")
                    clear_btn = gr.Button("Clear", variant="secondary", elem_id="clear-btn", scale=0,
                                          min_width=90)
                upload = gr.File(label=f"…or upload a file ({', '.join(upload_types)})",
                                 file_types=upload_types, type="filepath", elem_id="upload")
                if seed:
                    gr.Examples(examples=[[seed]], inputs=[source], label="Example",
                                example_labels=[f"Slovenian news article ({len(seed):,} characters)"])
                with gr.Accordion("Options", open=False, elem_id="options"):
                    summarise = gr.Checkbox(label="Also summarise when I press Translate", value=False)
                    length = gr.Radio(list(SUMMARY_LENGTHS), value="medium", label="Summary length")
                    beams = gr.Slider(1, 6, value=beams_default, step=1, label="Beams",
                                      info="More beams: better choices, slower. 1 is fastest.")
                    info = gr.Markdown(_initial_info(settings, limit), elem_id="model-info")
            with gr.Column(scale=1):
                english = gr.Textbox(label="English translation", lines=16, max_lines=16, interactive=False,
                                     placeholder="The English translation appears here, paragraph by paragraph.",
                                     buttons=["copy"], elem_id="english")
                summary = gr.Textbox(label="Summary", lines=4, max_lines=10, interactive=False,
                                     placeholder="Press “Translate + summarise” (or tick the option) for a summary.",
                                     buttons=["copy"], elem_id="summary")
                status = gr.Markdown("", elem_id="status")
                with gr.Row():
                    download_txt = gr.DownloadButton("Download .txt", interactive=False, size="md",
                                                     elem_id="download-txt")
                    download_json = gr.DownloadButton("Download .json", interactive=False, size="md",
                                                      elem_id="download-json")
        gr.Markdown("### Sentence by sentence\nEach source sentence beside its English; "
                    "⚠ marks a sentence the translator was unsure about.")
        side = gr.HTML(EMPTY_TABLE, elem_id="side-by-side")

        outputs = [english, summary, side, status, download_txt, download_json]
        common = dict(outputs=outputs, api_visibility="private", concurrency_limit=limit,
                      concurrency_id="translation", show_progress_on=[status])
        translate_btn.click(run_translate, inputs=[source, summarise, length, beams], **common)
        both_btn.click(run_translate_and_summarize, inputs=[source, length, beams], **common)
        upload.upload(load_file, inputs=[upload], outputs=[source], api_visibility="private")
        clear_btn.click(clear, outputs=[source, upload, *outputs],
                        api_visibility="private", queue=False)
        demo.load(backend.model_info, outputs=[info], api_visibility="private", concurrency_limit=None,
                  show_progress="hidden")

        gr.api(translate, api_name="translate", concurrency_limit=limit, concurrency_id="translation")
        gr.api(summarize, api_name="summarize", concurrency_limit=limit, concurrency_id="summary")
        gr.api(translate_and_summarize, api_name="translate_and_summarize", concurrency_limit=limit,
               concurrency_id="translation")
    demo.queue(default_concurrency_limit=limit, max_size=64)
    return demo


def _initial_info(settings: Settings, limit: int) -> str:
    translation = settings.translation_model or models.default_model("translation")
    summary = settings.summary_model or models.default_model("summary")
    return (f"- **Translation:** `{_md_code(translation)}` — loading…\n"
            f"- **Summary:** `{_md_code(summary)}` — loading…\n"
            f"- **Input limit:** {settings.max_chars:,} characters · **requests per model at once:** {limit}")


# -- serving -----------------------------------------------------------------------------------


def parse_auth(value: str | tuple[str, str] | None) -> tuple[str, str] | None:
    """``user:password`` → ``(user, password)``; None/"" → None. Raises ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, tuple):
        return value
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ValueError("--auth expects USER:PASSWORD (both non-empty)")
    return user, password


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The web page's command-line options (app.py and ``translator serve``)."""
    from .cli import add_model_options

    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to listen on (0.0.0.0 for every network interface)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to listen on")
    parser.add_argument("--share", action="store_true",
                        help="also open a temporary public gradio.live link (needs internet)")
    add_model_options(parser, summary_length=False)
    parser.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS,
                        help="longest input accepted, in characters")
    parser.add_argument("--beams", type=int, default=DEFAULT_BEAMS, choices=range(1, 7), metavar="1-6",
                        help="default beam count (the page has a slider; API calls may pass num_beams)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="requests each model serves at once (default: 1 on CPU, 2 on a GPU)")
    parser.add_argument("--auth", default=os.environ.get("TRANSLATOR_AUTH") or None, metavar="USER:PASSWORD",
                        help="require this login (default: $TRANSLATOR_AUTH; none if unset)")
    return parser


def launch(
    *,
    host: str = DEFAULT_HOST,
    port: int | None = DEFAULT_PORT,
    share: bool = False,
    translation_model: str | None = None,
    summary_model: str | None = None,
    device: str | None = None,
    engine: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    concurrency: int | None = None,
    num_beams: int = DEFAULT_BEAMS,
    auth: str | tuple[str, str] | None = None,
    preload: bool = True,
    **launch_options: Any,
):
    """Build the page and serve it; blocks until the server stops unless ``prevent_thread_lock=True``.
    Returns the page (``.local_url``, ``.close()``). Extra keyword arguments go to gr.Blocks.launch."""
    credentials = parse_auth(auth)
    demo = build_app(translation_model, summary_model, device=device, engine=engine, max_chars=max_chars,
                     concurrency=concurrency, num_beams=num_beams, preload=preload)
    demo.launch(server_name=host, server_port=port, share=share, auth=credentials, **launch_options)
    return demo


def parse_args(argv: list[str] | None = None, prog: str | None = None) -> argparse.Namespace:
    """The web page's options, checked (``parser.error`` exits with code 2 on bad ones)."""
    from .cli import HelpFormatter

    parser = argparse.ArgumentParser(
        prog=prog,
        description="Web page: Slovenian news → English translation and summary.",
        formatter_class=HelpFormatter,
    )
    add_arguments(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    args = parser.parse_args(argv)
    try:
        parse_auth(args.auth)
    except ValueError as exc:
        parser.error(str(exc))
    if args.max_chars < 1:
        parser.error("--max-chars must be at least 1")
    if args.concurrency is not None and args.concurrency < 1:
        parser.error("--concurrency must be at least 1")
    return args


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """Parse the web page's options and serve it (``python app.py`` and ``translator serve``)."""
    args = parse_args(argv, prog)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    launch(host=args.host, port=args.port, share=args.share, translation_model=args.translation_model,
           summary_model=args.summary_model, device=args.device, engine=args.engine,
           max_chars=args.max_chars, concurrency=args.concurrency, num_beams=args.beams,
           auth=args.auth)
    return 0
