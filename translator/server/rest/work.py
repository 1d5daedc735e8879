"""What the REST endpoints do, without HTTP: route each text by its language, translate texts,
HTML and files through the page's Backend (its models and its per-model gates, which are the
request queue the page uses too), and answer in LibreTranslate's shapes.

Every function here blocks (detection, parsing, the models): the routes run them in threads.
Failures are RestError (status and message) or the library's own exceptions, which routes.py
maps to statuses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from translator.errors import InvalidInputError
from translator.formats.files import document_text, output_suffix, read_bytes, render_document
from translator.results import TranslationAndSummary
from translator.server.abandon import Watch
from translator.server.backend import Backend
from translator.server.rest.body import RestError
from translator.server.rest.schemas import TermsRequest
from translator.text.language import (
    DEFAULT_SOURCE,
    PASSTHROUGH,
    SUPPORTED_SOURCES,
    LanguageRoute,
    UnsupportedLanguageError,
    detect_paragraphs,
    identify,
    language_name,
    normalize_code,
    route_language,
)
from translator.text.terms import Term, Terms

logger = logging.getLogger("translator")

TARGET = PASSTHROUGH  # every supported source is translated into English
MAX_TEXTS = 1000  # texts in one /translate list, whatever --batch-limit says


def too_long(size: int, limit: int) -> RestError:
    """LibreTranslate's answer to a request over a limit: characters of a text, of a whole
    request (``--max-chars``), or texts in a batch (``--batch-limit``)."""
    return RestError(400, f"Invalid request: request ({size}) exceeds text limit ({limit})")


def check_sizes(texts: list[str], *, batch: bool, batch_limit: int, char_limit: int, total_limit: int) -> int:
    """The characters of ``texts`` in all; RestError 400 (LibreTranslate's words) when a batch has
    more than ``batch_limit`` texts, a text more than ``char_limit`` characters or all of them
    more than ``total_limit``."""
    if batch and len(texts) > batch_limit:
        raise too_long(len(texts), batch_limit)
    longest = max((len(text) for text in texts), default=0)
    if longest > char_limit:
        raise too_long(longest, char_limit)
    total = sum(len(text) for text in texts)
    if total > total_limit:
        raise too_long(total, total_limit)
    return total


def alternatives_count(value: Any, limit: int) -> int:
    """The ``alternatives`` parameter as a count (absent: 0); RestError 400 in LibreTranslate's
    words for something that is not a whole number, a negative one, or one above ``limit``."""
    if value is None:
        return 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    not_a_number = RestError(400, "Invalid request: alternatives parameter is not a number")
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise not_a_number
    try:
        count = int(value)
    except ValueError:
        raise not_a_number from None
    if count < 0:
        raise RestError(400, "Invalid request: alternatives parameter must be >= 0")
    if count > limit:
        raise RestError(
            400,
            f"Invalid request: alternatives parameter must be <= {limit}",
            hint="the server's --alternatives-limit sets the most alternatives",
        )
    return count


def detected(language: str, confidence: float) -> dict[str, Any]:
    """A ``detectedLanguage`` entry: confidence in percent, as LibreTranslate gives it."""
    return {"confidence": round(confidence * 100, 1), "language": language}


def languages(served: tuple[str, ...] | None = None, english: bool = True) -> list[dict[str, Any]]:
    """``GET /languages``: each source with its targets, and English (passed through); with
    ``served`` (``--load-only``), those sources only, and English only when ``english``."""
    codes = [*(SUPPORTED_SOURCES if served is None else served), *([PASSTHROUGH] if english else [])]
    return [{"code": code, "name": language_name(code), "targets": [TARGET]} for code in codes]


def check_target(target: str) -> None:
    """RestError 400 ``"<target> is not supported"`` unless ``target`` is English."""
    if normalize_code(target)[0] != TARGET:
        raise RestError(
            400,
            f"{target} is not supported",
            hint=f"this server translates into {TARGET} ({language_name(TARGET)}) only",
        )


def check_source(source: str, served: tuple[str, ...] | None = None) -> None:
    """RestError 400 ``"<source> is not supported"`` unless ``source`` is "auto", English or a
    supported source (tags such as "sr-Latn" or "slv" are accepted); with ``served``
    (``--load-only``: the codes served, English among them where it is), one of those."""
    code = normalize_code(source)[0]
    if served is not None and source != "auto" and code not in served:
        raise RestError(400, f"{source} is not supported", hint=f"this server serves {', '.join(served)} only")
    if source == "auto" or code in (*SUPPORTED_SOURCES, PASSTHROUGH):
        return
    raise RestError(
        400,
        f"{source} is not supported",
        hint=f"this server translates {', '.join(SUPPORTED_SOURCES)} "
        f'into {TARGET}; "source": "auto" detects the language; {PASSTHROUGH} is returned unchanged',
    )


def unsupported(exc: UnsupportedLanguageError) -> RestError:
    """A text detected in a language the model does not translate, in LibreTranslate's words
    (``"de is not supported"``); what to do goes in the hint."""
    return RestError(400, f"{exc.language} is not supported", hint=exc.message_for("rest"))


def detect_languages(text: str) -> list[dict[str, Any]]:
    """``POST /detect``: ``[{"confidence", "language"}]``, the decision ``/translate`` makes for
    ``source=auto`` (language.identify): always a language ``/languages`` lists."""
    found = identify(text)
    return [detected(found.language, found.confidence)]


def _route(text: str, source: str) -> LanguageRoute:
    """The route of one text; a blank one passes through (as the default source, confidence 0).
    Raises RestError 400 for a text detected in a language the model does not translate."""
    if not text.strip():
        return LanguageRoute(DEFAULT_SOURCE, 0.0, "passthrough")
    try:
        return route_language(text, source)
    except UnsupportedLanguageError as exc:
        raise unsupported(exc) from None


def _to_translate(units: list[str], where: LanguageRoute, source: str) -> tuple[list[str], str]:
    """The units of a structured document (HTML, a file) as the model gets them, and the
    translator's source. Under "auto" the document's language is given for every unit (a short
    unit such as a name could be taken for another language and refuse the whole document), and
    a unit confidently in English is blanked, to be copied back unchanged."""
    if source != "auto":
        return units, source
    english = {i for i, found in enumerate(detect_paragraphs(units)) if found.language == PASSTHROUGH}
    return ["" if i in english else unit for i, unit in enumerate(units)], where.language


def _parts(units: list[str], sent: list[str], result: TranslationAndSummary) -> list[str]:
    """Each unit's English; a blanked (English) unit is its own text."""
    return [unit if not given else part for unit, given, part in zip(units, sent, result.parts)]


@dataclass(frozen=True)
class Translated:
    """The English of each text, each one's route, each summary (None unless asked) and each
    text's alternative translations (None unless asked)."""

    texts: list[str]
    routes: list[LanguageRoute]
    summaries: list[str | None]
    alternatives: list[list[str]] | None = None
    segments: list[list[dict[str, Any]]] | None = None  # each text's sentences, when asked for
    # each text's warnings (a glossary term the English lacks among them), only where terms apply
    warnings: list[list[str]] | None = None

    def to_dict(self, *, single: bool, auto: bool) -> dict[str, Any]:
        """LibreTranslate's ``/translate`` answer (lists unless ``single``); ``detectedLanguage``
        only for ``source=auto``; ``alternatives`` only when asked for (a list of strings per
        text); ``summary`` only when summaries were asked for."""

        def one_or_all(items: list) -> Any:
            return items[0] if single else items

        answer: dict[str, Any] = {"translatedText": one_or_all(self.texts)}
        if auto:
            answer["detectedLanguage"] = one_or_all([detected(r.language, r.confidence) for r in self.routes])
        if self.alternatives is not None:
            answer["alternatives"] = one_or_all(self.alternatives)
        if self.warnings is not None:
            answer["warnings"] = one_or_all(self.warnings)
        if any(summary is not None for summary in self.summaries):
            answer["summary"] = one_or_all([summary or "" for summary in self.summaries])
        if self.segments is not None:
            answer["segments"] = one_or_all(self.segments)
        return answer


def alternatives_for(
    backend: Backend, texts: list[str], english: list[str], routes: list[LanguageRoute], count: int, *, html: bool
) -> list[list[str]]:
    """Up to ``count`` other English translations of each text, best first
    (:meth:`Backend.alternatives`: each sentence's n-best hypotheses, one call per source
    language). English, blank and HTML texts have none (as in LibreTranslate); an alternative
    equal to the translation, or to another one before it, is left out."""
    found: list[list[str]] = [[] for _ in texts]
    if html or count < 1:
        return found
    by_source: dict[str, list[int]] = {}
    for i, where in enumerate(routes):
        if where.action == "translate":
            by_source.setdefault(where.language, []).append(i)
    for language, indices in by_source.items():
        lists = backend.alternatives(
            [texts[i] for i in indices], count, source=language, exclude=[english[i] for i in indices]
        )
        for i, candidates in zip(indices, lists):
            unique = [c for n, c in enumerate(candidates) if c != english[i] and c not in candidates[:n]]
            found[i] = [str(c) for c in unique[:count]]
    return found


def request_terms(call: TermsRequest) -> Terms | None:
    """The glossary and kept strings of a request (None: none); RestError 400 naming a bad term."""
    if not call.glossary and not call.keep:
        return None
    try:
        return Terms([Term(source, target) for source, target in call.glossary or ()], call.keep or ())
    except InvalidInputError as exc:
        raise RestError(400, f"Invalid request: {exc}") from None


def translate_texts(
    backend: Backend,
    texts: list[str],
    *,
    source: str = "auto",
    html: bool = False,
    summary: bool = False,
    length: str = "medium",
    alternatives: int = 0,
    watch: Watch | None = None,
    scope: str | None = None,
    segments: bool = False,
    terms: Terms | None = None,
    served: tuple[str, ...] | None = None,
) -> Translated:
    """Translate each text (plain, or HTML whose markup is kept) from ``source`` ("auto":
    detected per text); English and empty texts come back unchanged, as do English paragraphs
    (units) inside them. The texts to translate go through one pipeline call (one per source
    the translator is given, usually one), so their sentences share batches. With
    ``alternatives`` > 0 each text also gets its alternatives (:func:`alternatives_for`). Raises
    RestError (400 for a text in a language the model does not translate), ModelNotFoundError,
    ValueError, and Abandoned once ``watch`` says the client left (checked before the model and
    after every batch). ``scope``: the caller's cache scope (its API key; None: shared).
    ``segments``: also each text's sentences (:meth:`~translator.results.Segment.to_dict`; none
    for a text passed through). ``terms``: the request's glossary and kept strings (:func:`request_terms`).
    ``served`` (``--load-only``): a text detected in another language is refused (400)."""
    docs = [read_bytes(text.encode("utf-8"), "q.html", None) if html else None for text in texts]
    routes = [_route(document_text(doc) if doc else text, source) for doc, text in zip(docs, texts)]
    for where in routes:
        if served is not None and where.action != "passthrough" and where.language not in served:
            raise RestError(
                400, f"{where.language} is not supported", hint=f"this server serves {', '.join(served)} only"
            )
    english = list(texts)
    warnings: list[list[str]] = [[] for _ in texts]
    summaries: list[str | None] = [None] * len(texts)
    pieces: list[list[dict[str, Any]]] = [[] for _ in texts]
    sent: dict[int, list[str]] = {}
    by_source: dict[str, list[int]] = {}  # one pipeline call per translator source, mostly one
    for i, where in enumerate(routes):
        if where.action == "translate":
            # plain text: the translator routes it too, and copies English paragraphs
            doc = docs[i]
            sent[i], given = _to_translate(doc.units, where, source) if doc else ([texts[i]], source)
            by_source.setdefault(given, []).append(i)
    for given, indices in by_source.items():
        results = backend.run_documents(
            [sent[i] for i in indices],
            source=given,
            summary=summary,
            length=length,
            routes=[routes[i] for i in indices],  # detected once, above
            watch=watch,
            scope=scope,
            terms=terms,
        )
        for i, result in zip(indices, results):
            doc = docs[i]
            english[i] = (
                render_document(doc, _parts(doc.units, sent[i], result)).decode("utf-8") if doc else result.translation
            )
            summaries[i] = result.summary
            pieces[i] = [segment.to_dict() for segment in result.segments]
            warnings[i] = list(result.warnings)
    if summary:
        for i, text in enumerate(texts):
            if routes[i].action == "passthrough":
                doc = docs[i]
                plain = document_text(doc) if doc else text
                summaries[i] = (
                    backend.summarize(plain, length, endpoint="/translate", watch=watch) if plain.strip() else ""
                )
    others = alternatives_for(backend, texts, english, routes, alternatives, html=html) if alternatives else None
    return Translated(
        english, routes, summaries, others, pieces if segments else None, warnings if terms or backend.terms else None
    )


def translate_file(
    backend: Backend,
    data: bytes,
    name: str,
    *,
    source: str,
    char_limit: int,
    max_bytes: int,
    watch: Watch | None = None,
    scope: str | None = None,
    terms: Terms | None = None,
) -> tuple[bytes, LanguageRoute]:
    """The translated file (same format, structure kept; a .pdf becomes a .docx) and the
    source's route. English comes back byte for byte (a .pdf as its text in a .docx). Raises
    FileTooLargeError past ``max_bytes`` or when a text file is larger than ``char_limit``
    characters could take (checked before parsing; a .docx is inflated in a stream against
    ``max_bytes``), FileFormatError, RestError past ``char_limit``, and as
    :func:`translate_texts`."""
    doc = read_bytes(data, name, max_bytes, max_chars=char_limit)
    text = document_text(doc)
    if len(text) > char_limit:
        raise too_long(len(text), char_limit)
    where = _route(text, source)  # RestError 400 for a language the model does not translate
    if where.action == "passthrough" or not doc.units:
        if output_suffix(name) != Path(name).suffix:  # written as another format: the same text in it
            return render_document(doc, list(doc.units)), where
        return data, where
    sent, given = _to_translate(doc.units, where, source)
    [result] = backend.run_documents([sent], source=given, watch=watch, scope=scope, terms=terms)
    return render_document(doc, _parts(doc.units, sent, result)), where
