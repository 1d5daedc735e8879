"""The web page (a gradio Blocks) and serving it: ``build_app(settings)``, ``launch(settings)``.

Named API endpoints (see ``/?view=api`` on a running page), each callable with only the text::

    from gradio_client import Client
    client = Client("http://127.0.0.1:7860/")
    english = client.predict("Dober dan. Kako ste?", api_name="/translate")
    summary = client.predict(english, api_name="/summarize")
    english, summary, segments = client.predict("…", api_name="/translate_and_summarize")

The page's own buttons use a streaming handler (the English grows as paragraph groups finish)
that is kept out of the API; the endpoints above are plain request/response functions.
"""

# No ``from __future__ import annotations`` here: gr.api reads the endpoint functions' return
# annotations as objects, not strings.

import html
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import gradio as gr

from ..errors import TranslatorError
from ..language import PASSTHROUGH, SUPPORTED_SOURCES, language_name
from ..models import ModelNotFoundError
from ..news import fetch_article
from ..options import MAX_BEAMS, MIN_BEAMS, SUMMARY_LENGTHS, SummaryLength
from ..paths import SEED_ARTICLE
from . import render
from .backend import Backend, Settings, read_upload, supported_suffixes
from .downloads import KEEP_S
from .http import check_port
from .rest.news import server_fetch_limits
from .server import serve

logger = logging.getLogger("translator")

MAX_UPLOAD = "20mb"
_LINK = re.compile(r"https?://\S+", re.IGNORECASE)  # a pasted link alone: fetch the article there
TITLE = "Slovenian → English news translator"
DESCRIPTION = (
    "Paste a Slovenian news article (or upload a `.txt`, `.md`, `.html`, `.srt`, `.docx`, `.odt`, `.odp`, "
    "`.pptx` or `.epub` file) "
    "and get the English translation with its paragraphs kept, a short English summary and a "
    "sentence-by-sentence view to check the translation. Everything runs on this machine."
)

CSS = """
.gradio-container { max-width: 1280px !important; margin: 0 auto; }
#title h1 { margin-bottom: 0.2em; }
#title p { color: var(--body-text-color-subdued); margin-top: 0; }
#model-warning { border: 1px solid #f59e0b; border-radius: var(--radius-lg); padding: 4px 12px;
                 background: rgba(245, 158, 11, 0.10); }
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
table.sbs tbody tr { scroll-margin-top: 2.6em; }
table.sbs tr.scored td.num { box-shadow: inset 5px 0 0 rgba(220, 38, 38, var(--doubt)); }
table.sbs tr:target td { background: rgba(59, 130, 246, 0.14); }
.sbs-check { margin: 0 0 8px; padding: 6px 12px; border: 1px solid var(--border-color-primary);
             border-radius: var(--radius-lg); font-size: var(--text-sm); }
.sbs-check ol { margin: 4px 0; padding-left: 1.6em; }
.sbs-check .conf { font-variant-numeric: tabular-nums; color: #b91c1c; }
.sbs-check .snippet, .sbs-legend { color: var(--body-text-color-subdued); }
.sbs-legend .swatch { display: inline-block; width: 5px; height: 1em; vertical-align: middle;
                      background: linear-gradient(rgba(220, 38, 38, 0.15), rgba(220, 38, 38, 1)); }
"""


@contextmanager
def friendly_errors(title: str = "Check the input") -> Iterator[None]:
    """Turn the failures a user can act on into a gr.Error the page shows (the page stays usable)."""
    try:
        yield
    except gr.Error:
        raise
    except ModelNotFoundError as exc:
        raise gr.Error(
            html.escape(str(exc), quote=False), title="Model not available", duration=None, print_exception=False
        ) from exc
    except (TranslatorError, ValueError, TypeError) as exc:
        raise gr.Error(html.escape(str(exc), quote=False), title=title, print_exception=False) from exc
    except Exception as exc:  # the page's boundary: log what broke, show only a reference, keep serving
        reference = uuid.uuid4().hex[:16]
        logger.exception("page request %s failed", reference)
        raise gr.Error(
            f"Something went wrong on the server (reference {reference}); the operator's log has the details.",
            print_exception=False,
        ) from exc


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


def page_options() -> dict[str, Any]:
    """The page's theme, style, footer and upload limit: for gr.Blocks.launch and
    gr.mount_gradio_app (gradio 6 takes them there, not in the constructor)."""
    return {
        "theme": page_theme(),
        "css": CSS,
        "footer_links": ["api", "settings"],
        "max_file_size": MAX_UPLOAD,
        "enable_monitoring": False,
        "show_error": False,
    }


class TranslatorApp(gr.Blocks):
    """The page; ``launch()`` adds the page's theme, style and footer unless told otherwise."""

    backend: Backend

    def launch(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        for name, value in page_options().items():
            kwargs.setdefault(name, value)
        return super().launch(*args, **kwargs)


def source_choices() -> list[tuple[str, str]]:
    """The source-language selector's (label, code) choices: detection first, then each language
    the model translates, then English (copied unchanged)."""
    return (
        [("Detect automatically", "auto")]
        + [(f"{language_name(code)} ({code})", code) for code in SUPPORTED_SOURCES]
        + [(f"{language_name(PASSTHROUGH)} (copied unchanged)", PASSTHROUGH)]
    )


class Handlers:
    """The page's event handlers, bound to one Backend (the buttons stream; the upload reads)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def article_text(self, text: str) -> str:
        """``text``, or, when it is a single http(s) link, the title and text of the news article
        there (public addresses only unless ``--allow-private-urls``). Raises TranslatorError
        subclasses naming the link and what went wrong."""
        link = (text or "").strip()
        if not _LINK.fullmatch(link):
            return text
        settings = self.backend.settings
        article = fetch_article(
            link, allow_private=settings.allow_private_urls, limits=server_fetch_limits(settings.max_file_bytes)
        )
        return f"{article.title}\n\n{article.text}" if article.title else article.text

    def run(self, text: str, summary: bool, length: str, beams: float, source: str, progress: gr.Progress):
        """The buttons' streaming handler: partial English as paragraph groups finish. A pasted
        link is fetched first: its article's title and text are translated."""
        backend = self.backend
        with friendly_errors("Cannot use this text or link"):
            text = self.article_text(text)
            backend.check_input(text)  # before anything on the page changes
        started = time.perf_counter()
        disabled = gr.update(value=None, interactive=False)

        def on_progress(done: int, total: int) -> None:
            if summary and done >= total:
                progress(None, desc="Summarising")
            else:
                progress((done, total), desc="Translating", unit="sentences")

        progress(0, desc="Starting")
        # while working, the status line holds the progress bar (show_progress_on=status)
        yield "", "", render.EMPTY_TABLE, "", disabled, disabled
        result = None
        with friendly_errors():
            for result in backend.stream(
                text, summary=summary, length=length, num_beams=beams, progress=on_progress, source=source or None
            ):
                yield (
                    result.translation,
                    result.summary or "",
                    render.side_by_side_html(result.segments, result.language),
                    "",
                    disabled,
                    disabled,
                )
            txt, data = backend.write_downloads(result)
        yield (
            result.translation,
            result.summary or "",
            render.side_by_side_html(result.segments, result.language),
            render.status_text(result, time.perf_counter() - started),
            gr.update(value=str(txt), interactive=True),
            gr.update(value=str(data), interactive=True),
        )

    def on_translate(self, text, summary, length, beams, source, progress=gr.Progress()):
        yield from self.run(text, bool(summary), length, beams, source, progress)

    def on_translate_and_summarize(self, text, length, beams, source, progress=gr.Progress()):
        yield from self.run(text, True, length, beams, source, progress)

    def on_upload(self, path):
        settings = self.backend.settings
        with friendly_errors(title="Cannot read the file"):
            text = read_upload(path, settings.max_file_bytes, settings.max_chars)
        try:
            self.backend.check_input(text)
        except ValueError as exc:
            gr.Warning(str(exc))
        return text

    @staticmethod
    def on_clear():
        disabled = gr.update(value=None, interactive=False)
        return "", None, "", "", render.EMPTY_TABLE, "", disabled, disabled


def _add_api(backend: Backend, limit: int) -> None:
    """The named API endpoints (plain functions; every parameter after the text has a default)."""
    beams_default = backend.settings.num_beams

    def translate(text: str, num_beams: int = beams_default) -> str:
        """Translate South Slavic text (Slovenian first) into English. Paragraphs and line breaks are kept."""
        with friendly_errors():
            return backend.run(text, num_beams=num_beams, endpoint="/translate").translation

    def summarize(english_text: str, length: SummaryLength = "medium", num_beams: int = beams_default) -> str:
        """Summarise English text (any length). length: short, medium or long."""
        with friendly_errors():
            return backend.summarize(english_text, length, num_beams, endpoint="/summarize")

    def translate_and_summarize(
        text: str, length: SummaryLength = "medium", num_beams: int = beams_default
    ) -> tuple[str, str, list[dict[str, Any]]]:
        """Translate the text and summarise the English. Returns the translation, the summary
        and the sentence pairs (each {source, target, start, end, paragraph, translated, warnings,
        score}, as in the JSON download)."""
        with friendly_errors():
            result = backend.run(
                text, summary=True, length=length, num_beams=num_beams, endpoint="/translate_and_summarize"
            ).to_dict()
        return result["translation"], result["summary"] or "", result["segments"]

    gr.api(translate, api_name="translate", concurrency_limit=limit, concurrency_id="translation")
    gr.api(summarize, api_name="summarize", concurrency_limit=limit, concurrency_id="summary")
    gr.api(
        translate_and_summarize,
        api_name="translate_and_summarize",
        concurrency_limit=limit,
        concurrency_id="translation",
    )


def _input_column(backend: Backend, info_text: str) -> dict[str, Any]:
    """The left column: the text, the buttons, the upload, the example and the options."""
    seed = SEED_ARTICLE.read_text(encoding="utf-8") if SEED_ARTICLE.is_file() else None
    upload_types = supported_suffixes()
    parts: dict[str, Any] = {}
    parts["source"] = gr.Textbox(
        label="Article (Slovenian, Croatian, Serbian, Bosnian, Bulgarian or Macedonian)",
        lines=16,
        max_lines=16,
        elem_id="source",
        placeholder="Prilepite besedilo … (paste the article here)",
    )
    with gr.Row():
        parts["translate"] = gr.Button("Translate", variant="primary", elem_id="translate-btn")
        parts["both"] = gr.Button("Translate + summarise", variant="secondary", elem_id="both-btn")
        parts["clear"] = gr.Button("Clear", variant="secondary", elem_id="clear-btn", scale=0, min_width=90)
    parts["upload"] = gr.File(
        label=f"…or upload a file ({', '.join(upload_types)})",
        file_types=upload_types,
        type="filepath",
        elem_id="upload",
    )
    if seed:
        gr.Examples(
            examples=[[seed]],
            inputs=[parts["source"]],
            label="Example",
            example_labels=[f"Slovenian news article ({len(seed):,} characters)"],
        )
    with gr.Accordion("Options", open=False, elem_id="options"):
        parts["language"] = gr.Dropdown(
            source_choices(),
            value=backend.settings.source,
            label="Source language",
            info="Detected per article; choose one to translate text that is detected as another language.",
            elem_id="source-language",
        )
        parts["summary"] = gr.Checkbox(label="Also summarise when I press Translate", value=False)
        parts["length"] = gr.Radio(list(SUMMARY_LENGTHS), value="medium", label="Summary length")
        parts["beams"] = gr.Slider(
            MIN_BEAMS,
            MAX_BEAMS,
            value=backend.settings.num_beams,
            step=1,
            label="Beams",
            info="More beams: better choices, slower. 1 is fastest.",
        )
        parts["info"] = gr.Markdown(info_text, elem_id="model-info")
    return parts


def _output_column() -> list[Any]:
    """The right column and the sentence view: the outputs every run fills, in order."""
    english = gr.Textbox(
        label="English translation",
        lines=16,
        max_lines=16,
        interactive=False,
        placeholder="The English translation appears here, paragraph by paragraph.",
        buttons=["copy"],
        elem_id="english",
    )
    summary = gr.Textbox(
        label="Summary",
        lines=4,
        max_lines=10,
        interactive=False,
        placeholder="Press “Translate + summarise” (or tick the option) for a summary.",
        buttons=["copy"],
        elem_id="summary",
    )
    status = gr.Markdown("", elem_id="status")
    with gr.Row():
        download_txt = gr.DownloadButton("Download .txt", interactive=False, size="md", elem_id="download-txt")
        download_json = gr.DownloadButton("Download .json", interactive=False, size="md", elem_id="download-json")
    return [english, summary, status, download_txt, download_json]


def build_app(settings: Settings) -> TranslatorApp:
    """Build the page (not served yet). With ``settings.preload`` both models load now, and a
    missing one is named on the page from its first paint."""
    backend = Backend(settings)
    statuses = backend.model_status() if settings.preload else None
    limit = backend.concurrency
    names = {"translation": backend.translation_model, "summary": backend.summary_model}
    handlers = Handlers(backend)

    def refresh_models():
        nonlocal statuses
        statuses = backend.model_status()
        warning = render.model_warning(statuses)
        return render.model_info(statuses, names, settings.max_chars, limit), gr.update(
            value=warning, visible=bool(warning)
        )

    warning_text = render.model_warning(statuses)
    # gradio's own temporary files (uploads, downloads) are pruned as the REST downloads are, and
    # removed when the server stops
    with TranslatorApp(
        title="Slovenian → English translator", analytics_enabled=False, delete_cache=(600, KEEP_S)
    ) as demo:
        demo.backend = backend
        gr.Markdown(f"# {TITLE}\n{DESCRIPTION}", elem_id="title")
        warning = gr.Markdown(warning_text, visible=bool(warning_text), elem_id="model-warning")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                parts = _input_column(backend, render.model_info(statuses, names, settings.max_chars, limit))
            with gr.Column(scale=1):
                english, summary, status, download_txt, download_json = _output_column()
        gr.Markdown(
            "### Sentence by sentence\nEach source sentence beside its English; "
            "⚠ marks a sentence the translator was unsure about."
        )
        side = gr.HTML(render.EMPTY_TABLE, elem_id="side-by-side")

        outputs = [english, summary, side, status, download_txt, download_json]
        common = dict(
            outputs=outputs,
            api_visibility="private",
            concurrency_limit=limit,
            concurrency_id="translation",
            show_progress_on=[status],
        )
        options = [parts["length"], parts["beams"], parts["language"]]
        parts["translate"].click(handlers.on_translate, inputs=[parts["source"], parts["summary"], *options], **common)
        parts["both"].click(handlers.on_translate_and_summarize, inputs=[parts["source"], *options], **common)
        parts["upload"].upload(
            handlers.on_upload, inputs=[parts["upload"]], outputs=[parts["source"]], api_visibility="private"
        )
        parts["clear"].click(
            handlers.on_clear,
            outputs=[parts["source"], parts["upload"], *outputs],
            api_visibility="private",
            queue=False,
        )
        demo.load(
            refresh_models,
            outputs=[parts["info"], warning],
            api_visibility="private",
            concurrency_limit=None,
            show_progress="hidden",
        )
        _add_api(backend, limit)
    demo.queue(default_concurrency_limit=limit, max_size=64)
    return demo


def launch(
    settings: Settings, *, prevent_thread_lock: bool = False, quiet: bool = False, **mount_options: Any
) -> TranslatorApp:
    """Build the page and serve it with the REST API (rest/) on one port, ``settings.host``/
    ``port``: ``translator serve`` and ``python app.py``. Prints one ``models: … ready`` line,
    or an ``error: …`` line per missing model (the server starts anyway and the page shows the
    same message). Blocks until the server stops unless ``prevent_thread_lock=True``; returns
    the page (``.local_url``, ``.close()``). Extra keyword arguments go to gr.mount_gradio_app.
    Raises ValueError for a bad ``--api-keys`` file, OSError naming ``--port`` for a busy port."""
    # no usage analytics or version check (gr.Blocks(analytics_enabled=False) covers the page;
    # this covers anything else gradio builds)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    if settings.port:
        check_port(settings.host, settings.port)  # a busy port is said before the models load
    demo = build_app(settings)
    if settings.preload:
        for line in render.startup_lines(demo.backend.model_status()):
            error = line.startswith("error:")
            if error or not quiet:
                print(line, file=sys.stderr if error else sys.stdout, flush=True)
    serve(
        demo,
        demo.backend,
        settings,
        {**page_options(), **mount_options},
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
    )
    return demo
