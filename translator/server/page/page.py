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

from translator.engines.models import ModelNotFoundError
from translator.errors import TranslatorError, phrased
from translator.formats.glossary import load_terms
from translator.news import fetch_article
from translator.options import GRADIO_ANALYTICS_VARIABLE, SummaryLength
from translator.server.backend import Backend, Settings, read_upload
from translator.server.downloads import KEEP_S
from translator.server.page import render
from translator.server.page.corrections import add_correction_box
from translator.server.page.layout import heading, input_column, output_column, page_options
from translator.server.rest.news import server_fetch_limits
from translator.server.server import RunningServer, serve
from translator.system.ports import check_port

logger = logging.getLogger("translator")

_LINK = re.compile(r"https?://\S+", re.IGNORECASE)  # a pasted link alone: fetch the article there


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
        raise gr.Error(html.escape(phrased(exc, "page"), quote=False), title=title, print_exception=False) from exc
    except Exception as exc:  # the page's boundary: log what broke, show only a reference, keep serving
        reference = uuid.uuid4().hex[:16]
        logger.exception("page request %s failed", reference)
        raise gr.Error(
            f"Something went wrong on the server (reference {reference}); the operator's log has the details.",
            print_exception=False,
        ) from exc


class TranslatorApp(gr.Blocks):
    """The page; ``launch()`` adds the page's theme, style and footer unless told otherwise."""

    backend: Backend

    def launch(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        for name, value in page_options().items():
            kwargs.setdefault(name, value)
        return super().launch(*args, **kwargs)


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

    def run(
        self,
        text: str,
        summary: bool,
        length: str,
        beams: float,
        source: str,
        progress: gr.Progress,
        glossary: str | None = None,
        keep: str | None = None,
    ):
        """The buttons' streaming handler: partial English as paragraph groups finish. A pasted
        link is fetched first: its article's title and text are translated. ``glossary``: an
        uploaded glossary file's path; ``keep``: strings kept as written, one a line."""
        backend = self.backend
        with friendly_errors("Cannot use this glossary or list"):
            terms = load_terms([glossary] if glossary else (), (keep or "").splitlines())
        with friendly_errors("Cannot use this text or link"):
            text = backend.check_input(self.article_text(text))  # before anything on the page changes
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
                text,
                summary=summary,
                length=length,
                num_beams=beams,
                progress=on_progress,
                source=source or None,
                terms=terms,
            ):
                yield (
                    result.translation,
                    result.summary or "",
                    render.side_by_side_html(result.segments, result.language),
                    "",
                    disabled,
                    disabled,
                )
            if result is None:  # stream() yields at least the whole result
                raise RuntimeError("the translation gave no result")
            txt, data = backend.write_downloads(result)
        yield (
            result.translation,
            result.summary or "",
            render.side_by_side_html(result.segments, result.language),
            render.status_text(result, time.perf_counter() - started),
            gr.update(value=str(txt), interactive=True),
            gr.update(value=str(data), interactive=True),
        )

    def on_translate(self, text, summary, length, beams, source, glossary=None, keep=None, progress=gr.Progress()):
        yield from self.run(text, bool(summary), length, beams, source, progress, glossary, keep)

    def on_translate_and_summarize(self, text, length, beams, source, glossary=None, keep=None, progress=gr.Progress()):
        yield from self.run(text, True, length, beams, source, progress, glossary, keep)

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
        and the sentence pairs (each {source, target, start, end, paragraph, translated, warnings, origin, matches,
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
        title=settings.frontend_title or "Slovenian → English translator",
        analytics_enabled=False,
        delete_cache=(600, KEEP_S),
    ) as demo:
        demo.backend = backend
        gr.Markdown(heading(settings), elem_id="title")
        warning = gr.Markdown(warning_text, visible=bool(warning_text), elem_id="model-warning")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                parts = input_column(backend, render.model_info(statuses, names, settings.max_chars, limit))
            with gr.Column(scale=1):
                english, summary, status, download_txt, download_json = output_column()
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
        options = [parts["length"], parts["beams"], parts["language"], parts["glossary"], parts["keep"]]
        translated = [
            parts["translate"].click(
                handlers.on_translate, inputs=[parts["source"], parts["summary"], *options], **common
            ),
            parts["both"].click(handlers.on_translate_and_summarize, inputs=[parts["source"], *options], **common),
        ]
        add_correction_box(backend, translated, download_json)
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
) -> RunningServer:
    """Build the page and serve it with the REST API (rest/) on one port, ``settings.host``/
    ``port``: ``translator serve`` and ``python app.py``. Prints one ``models: … ready`` line,
    or an ``error: …`` line per missing model (the server starts anyway and the page shows the
    same message). Blocks until the server stops unless ``prevent_thread_lock=True``; returns
    the :class:`~translator.server.server.RunningServer` (``.local_url``, ``.close()``). Extra
    keyword arguments go to gr.mount_gradio_app. Raises ValueError for a bad ``--api-keys`` file,
    OSError naming ``--port`` for a busy port."""
    # no usage analytics or version check (gr.Blocks(analytics_enabled=False) covers the page;
    # this covers anything else gradio builds)
    os.environ.setdefault(GRADIO_ANALYTICS_VARIABLE, "False")
    if settings.port:
        check_port(settings.host, settings.port)  # a busy port is said before the models load
    demo = build_app(settings)
    if settings.preload:
        for line in render.startup_lines(demo.backend.model_status()):
            error = line.startswith("error:")
            if error or not quiet:
                print(line, file=sys.stderr if error else sys.stdout, flush=True)
    return serve(
        demo,
        demo.backend,
        settings,
        {**page_options(), **({"footer_links": ["settings"]} if settings.hide_api else {}), **mount_options},
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
    )
