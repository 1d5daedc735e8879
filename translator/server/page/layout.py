"""The page's look and its two columns: title, style, theme, and the components of the input and
output columns (page.py wires them to the handlers)."""

# No ``from __future__ import annotations``: gradio reads annotations as objects.

import html
from typing import Any

import gradio as gr

from translator.options import MAX_BEAMS, MIN_BEAMS, SUMMARY_LENGTHS
from translator.paths import SEED_ARTICLE
from translator.server.backend import Backend, supported_suffixes
from translator.text.language import PASSTHROUGH, SUPPORTED_SOURCES, language_name

MAX_UPLOAD = "20mb"
TITLE = "Slovenian → English news translator"
DESCRIPTION = (
    "Paste a Slovenian news article (or upload a `.txt`, `.md`, `.html`, `.srt`, `.docx`, `.odt`, `.odp`, "
    "`.pptx`, `.epub` or `.pdf` file) "
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
table.sbs .origin, table.sbs .near { display: block; margin-top: 3px; font-size: var(--text-sm); color: #4b5563; }
table.sbs .origin-memory { color: #047857; }
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


def heading(settings: Any) -> str:
    """The page's heading (Markdown): ``--frontend-title`` or the project's title, the description,
    and, with ``--get-api-key-link``, where the REST API's keys are had."""
    title = html.escape(settings.frontend_title) if settings.frontend_title else TITLE
    link = settings.get_api_key_link
    keys = f"\n\nAPI keys for the REST API: <{link}>" if link.startswith(("https://", "http://")) else ""
    return f"# {title}\n{DESCRIPTION}{keys}"


def page_source(settings: Any) -> str:
    """The page's source language: ``--source``, else LibreTranslate's ``--frontend-language-source``
    where it names one the page offers, else "auto"."""
    offered = (*SUPPORTED_SOURCES, PASSTHROUGH)
    if settings.source != "auto" or settings.frontend_language_source not in offered:
        return str(settings.source)
    return str(settings.frontend_language_source)


def source_choices() -> list[tuple[str, str]]:
    """The source-language selector's (label, code) choices: detection first, then each language
    the model translates, then English (copied unchanged)."""
    return (
        [("Detect automatically", "auto")]
        + [(f"{language_name(code)} ({code})", code) for code in SUPPORTED_SOURCES]
        + [(f"{language_name(PASSTHROUGH)} (copied unchanged)", PASSTHROUGH)]
    )


def input_column(backend: Backend, info_text: str) -> dict[str, Any]:
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
            value=page_source(backend.settings),
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
    with gr.Accordion("Your own words", open=False, elem_id="own-words"):
        parts["glossary"] = gr.File(
            label="Glossary (CSV: source,target[,language]; or TBX)",
            file_types=[".csv", ".tbx", ".xml", ".txt"],
            type="filepath",
            elem_id="glossary",
        )
        parts["keep"] = gr.Textbox(
            label="Keep as written",
            info="Names, brands and codes the English keeps byte for byte, one a line.",
            lines=3,
            max_lines=8,
            elem_id="keep",
        )
    return parts


def output_column() -> list[Any]:
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
