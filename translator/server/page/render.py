"""What the page shows, as text: the side-by-side HTML table, the status line, the model
information and warnings (Markdown) and the start-up line of ``translator serve``.

Everything that comes from a document, a model or an error message is escaped here.
"""

from __future__ import annotations

import html

from translator.results import Segment, TranslationAndSummary, confidence, least_confident
from translator.server.backend import ModelStatus
from translator.text.language import language_name

EMPTY_TABLE = '<div class="sbs-wrap"><div class="sbs-empty">The sentence-by-sentence view appears here.</div></div>'
LABELS = {"translation": "Translation", "summary": "Summary"}
CHECK_FIRST = 5  # least confident sentences listed above the sentence view


def md(text: str) -> str:
    """Plain text made safe for a Markdown line (no HTML, no markup)."""
    return html.escape(text, quote=False).replace("*", "\\*").replace("_", "\\_").replace("`", "'")


def md_code(text: str) -> str:
    """Text made safe inside a Markdown code span."""
    return text.replace("`", "'")


def confidence_title(score: float) -> str:
    """The tooltip text of a scored row."""
    return f"model confidence {confidence(score):.0%} (mean token log-probability {score:.2f})"


def check_first(segments: list[Segment], count: int = CHECK_FIRST) -> list[tuple[int, Segment]]:
    """The ``count`` least confident translated segments as (row number, segment), least
    confident first; empty when fewer than two segments have a score (nothing to rank)."""
    return least_confident(segments, count)


def _check_first_html(segments: list[Segment]) -> str:
    picks = check_first(segments)
    if not picks:
        return ""
    items = "".join(
        f'<li><a href="#seg-{n}" title="{html.escape(confidence_title(s.score))}">sentence {n}</a> '
        f'<span class="conf">{confidence(s.score):.0%}</span> '
        f'<span class="snippet">{html.escape(_snippet(s.source))}</span></li>'
        for n, s in picks
        if s.score is not None  # always: check_first ranks scored segments only
    )
    return (
        '<div class="sbs-check" id="check-first"><strong>Check these first</strong> '
        f"(the {len(picks)} sentences the model was least sure of; click one to see it):"
        f'<ol>{items}</ol><div class="sbs-legend"><span class="swatch"></span> The bar beside each number '
        "shows the model's doubt: the darker, the less sure it was (hover a row for its confidence).</div></div>"
    )


def _snippet(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def side_by_side_html(segments: list[Segment], language: str | None = None) -> str:
    """An HTML table pairing each source sentence with its English; every text HTML-escaped.
    Rows with a warning get class ``warn``, a ⚠ and the warning text; a new paragraph starts
    with a heavier line; pieces copied verbatim (numbers, symbols) are greyed. Each row has the
    id ``seg-N`` (N: its number); a translated row with a score gets class ``scored``, a bar as
    dark as the model's doubt (``--doubt``, 1 − confidence) and its confidence in the tooltip.
    Above the table, "Check these first" links to the least confident rows. The source column is
    headed with ``language``'s name (the detected or chosen source; "Source" when unknown). A
    row answered by the translation memory gets class ``memory`` and says so, one from the cache
    says so, and the memory's near matches are listed under the English with their scores."""
    if not segments:
        return EMPTY_TABLE
    rows = []
    paragraph = None
    for number, segment in enumerate(segments, start=1):
        classes = []
        if segment.paragraph != paragraph:
            if paragraph is not None:
                classes.append("para-start")
            paragraph = segment.paragraph
        if not segment.translated:
            classes.append("copied")
        if segment.warnings:
            classes.append("warn")
        tips = list(segment.warnings)
        style = ""
        if segment.translated and segment.score is not None:
            classes.append("scored")
            style = f' style="--doubt: {1 - confidence(segment.score):.2f}"'
            tips.append(confidence_title(segment.score))
        mark = " ⚠" if segment.warnings else ""
        notes = "".join(f'<span class="note">⚠ {html.escape(w)}</span>' for w in segment.warnings)
        notes += _memory_notes(segment)
        if segment.origin == "memory":
            classes.append("memory")
        title = f' title="{html.escape("; ".join(tips))}"' if tips else ""
        rows.append(
            f'<tr class="{" ".join(classes)}" data-paragraph="{segment.paragraph}" id="seg-{number}"{style}{title}>'
            f'<td class="num">{number}{mark}</td>'
            f'<td class="src" lang="{html.escape(language or "und")}">{html.escape(segment.source)}</td>'
            f'<td class="tgt" lang="en">{html.escape(segment.target)}{notes}</td></tr>'
        )
    return (
        f'{_check_first_html(segments)}<div class="sbs-wrap"><table class="sbs">'
        '<colgroup><col class="num"><col><col></colgroup>'
        f"<thead><tr><th>#</th><th>{html.escape(source_heading(language))}</th><th>English</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


ORIGIN_BADGES = {"memory": "from the translation memory", "cache": "from the sentence cache"}


def _memory_notes(segment: Segment) -> str:
    """A row's origin when not the model (the memory, the cache) and its near matches in the
    memory, each with its score: shown, never applied."""
    badge = ORIGIN_BADGES.get(segment.origin)
    notes = f'<span class="origin origin-{segment.origin}">{badge}</span>' if badge else ""
    for match in segment.matches:
        notes += (
            f'<span class="near">≈ {match.score:.0%} memory: {html.escape(_snippet(match.source))} → '
            f"{html.escape(_snippet(match.target))}</span>"
        )
    return notes


def source_heading(language: str | None) -> str:
    """The source column's heading: the language's name, "Source" when unknown."""
    if not language or language == "und":
        return "Source"
    return language_name(language)


def status_text(result: TranslationAndSummary, seconds: float) -> str:
    """The line under the outputs once a request is done: counts, time, warnings."""
    sentences = sum(1 for s in result.segments if s.translated)
    paragraphs = len({s.paragraph for s in result.segments})
    text = f"✓ {sentences} sentences in {paragraphs} paragraphs translated"
    if result.summary:
        text += " and summarised"
    text += f" in {seconds:.1f} s"
    if result.language:
        text += f" · source: {language_name(result.language)} ({result.language})"
    for note in result.notes:
        text += f" · {md(note)}"
    warnings = len(result.warnings)
    if warnings:
        text += f" · ⚠ {warnings} warning{'s' if warnings != 1 else ''} (marked in the sentence view)"
    return text


def model_info(statuses: list[ModelStatus] | None, names: dict[str, str], max_chars: int, concurrency: int) -> str:
    """Markdown for the Options accordion: each model with the engine it runs on (or why it is
    not available; ``statuses`` None: still loading), the input limit and the concurrency."""
    lines = []
    if statuses is None:
        lines += [f"- **{LABELS[kind]}:** `{md_code(name)}` — loading…" for kind, name in names.items()]
    for status in statuses or []:
        state = md(status.detail) if status.ready else f"not available: {md(status.detail)}"
        lines.append(f"- **{LABELS[status.kind]}:** `{md_code(status.name)}` — {state}")
    lines.append(f"- **Input limit:** {max_chars:,} characters · **requests per model at once:** {concurrency}")
    return "\n".join(lines)


def model_warning(statuses: list[ModelStatus] | None) -> str:
    """Markdown for the top of the page naming each missing model and the fix; ``""`` when
    every model is ready (or not checked yet)."""
    return "\n\n".join(
        f"⚠ **The {status.kind} model `{md_code(status.name)}` is not available:** {md(status.detail)}"
        for status in statuses or []
        if not status.ready
    )


def startup_lines(statuses: list[ModelStatus]) -> list[str]:
    """What ``translator serve`` prints at start: one ``models: … ready`` line, or one
    ``error: …`` line per missing model (the message names the fix)."""
    missing = [s for s in statuses if not s.ready]
    if not missing:
        return ["models: " + ", ".join(f"{s.kind} {s.name} ({s.detail})" for s in statuses) + " ready"]
    return [
        f"error: {s.kind} model {s.name!r} is not available: {s.detail} (the page starts anyway and shows this)"
        for s in missing
    ]
