"""What the REST endpoints do, without HTTP: route each text by its language, translate texts,
HTML and files through the page's Backend (its models and its per-model gates, which are the
request queue the page uses too), and answer in LibreTranslate's shapes.

Every function here blocks (detection, parsing, the models): the routes run them in threads.
Failures are RestError (status and message) or the library's own exceptions, which routes.py
maps to statuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...files import document_text, read_bytes, render_document
from ...language import (
    PASSTHROUGH,
    SUPPORTED_SOURCES,
    UNDETERMINED,
    Route,
    detect,
    detect_paragraphs,
    language_name,
    normalize_code,
    route,
)
from ...results import TranslationAndSummary
from ..backend import Backend
from .body import RestError

TARGET = PASSTHROUGH  # every supported source is translated into English
MAX_TEXTS = 1000  # texts in one /translate list


def too_long(size: int, limit: int) -> RestError:
    """LibreTranslate's answer to a request over the character limit."""
    return RestError(400, f"Invalid request: request ({size}) exceeds text limit ({limit})")


def detected(language: str, confidence: float) -> dict[str, Any]:
    """A ``detectedLanguage`` entry: confidence in percent, as LibreTranslate gives it."""
    return {"confidence": round(confidence * 100, 1), "language": language}


def languages() -> list[dict[str, Any]]:
    """``GET /languages``: each source with its targets, and English (passed through)."""
    codes = [*SUPPORTED_SOURCES, PASSTHROUGH]
    return [{"code": code, "name": language_name(code), "targets": [TARGET]} for code in codes]


def check_target(target: str) -> None:
    """RestError 400 unless ``target`` is English."""
    if normalize_code(target)[0] != TARGET:
        raise RestError(400, f"{target} is not supported: this server translates into "
                             f"{TARGET} ({language_name(TARGET)}) only")


def check_source(source: str) -> None:
    """RestError 400 unless ``source`` is "auto", English or a supported source (tags such as
    "sr-Latn" or "slv" are accepted)."""
    if source == "auto" or normalize_code(source)[0] in (*SUPPORTED_SOURCES, PASSTHROUGH):
        return
    listed = ", ".join(SUPPORTED_SOURCES)
    raise RestError(400, f"{source} is not supported: this server translates {listed} into {TARGET} "
                         f"(source=auto detects the language; {PASSTHROUGH} is returned unchanged)")


def detect_languages(text: str) -> list[dict[str, Any]]:
    """``POST /detect``: ``[{"confidence", "language"}]`` for the text ("und", 0 without letters)."""
    found = detect(text)
    return [detected(found.language, found.confidence)]


def _route(text: str, source: str) -> Route:
    # UnsupportedLanguageError (a ValueError naming the language and the supported ones) -> 400
    return route(text, source) if text.strip() else Route(UNDETERMINED, 0.0, "passthrough")


def _to_translate(units: list[str], where: Route, source: str) -> tuple[list[str], str]:
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
    """The English of each text, each one's route, and each summary (None unless asked)."""

    texts: list[str]
    routes: list[Route]
    summaries: list[str | None]

    def to_dict(self, *, single: bool, auto: bool) -> dict[str, Any]:
        """LibreTranslate's ``/translate`` answer (lists unless ``single``); ``detectedLanguage``
        only for ``source=auto``; ``summary`` only when summaries were asked for."""
        def one_or_all(items: list) -> Any:
            return items[0] if single else items

        answer: dict[str, Any] = {"translatedText": one_or_all(self.texts)}
        if auto:
            answer["detectedLanguage"] = one_or_all([detected(r.language, r.confidence) for r in self.routes])
        if any(summary is not None for summary in self.summaries):
            answer["summary"] = one_or_all([summary or "" for summary in self.summaries])
        return answer


def translate_texts(backend: Backend, texts: list[str], *, source: str = "auto", html: bool = False,
                    summarise: bool = False, length: str = "medium") -> Translated:
    """Translate each text (plain, or HTML whose markup is kept) from ``source`` ("auto":
    detected per text); English and empty texts come back unchanged, as do English paragraphs
    (units) inside them. The texts to translate go through one pipeline call (one per source
    the translator is given, usually one), so their sentences share batches. Raises RestError,
    UnsupportedLanguageError, ModelNotFoundError, ValueError."""
    docs = [read_bytes(text.encode("utf-8"), "q.html", None) if html else None for text in texts]
    routes = [_route(document_text(doc) if doc else text, source) for doc, text in zip(docs, texts)]
    english = list(texts)
    summaries: list[str | None] = [None] * len(texts)
    sent: dict[int, list[str]] = {}
    by_source: dict[str, list[int]] = {}  # one pipeline call per translator source, mostly one
    for i, where in enumerate(routes):
        if where.action == "translate":
            # plain text: the translator routes it too, and copies English paragraphs
            sent[i], given = _to_translate(docs[i].units, where, source) if docs[i] else ([texts[i]], source)
            by_source.setdefault(given, []).append(i)
    for given, indices in by_source.items():
        results = backend.run_documents([sent[i] for i in indices], source=given, summarise=summarise,
                                        length=length)
        for i, result in zip(indices, results):
            doc = docs[i]
            english[i] = (render_document(doc, _parts(doc.units, sent[i], result)).decode("utf-8") if doc
                          else result.translation)
            summaries[i] = result.summary
    if summarise:
        for i, text in enumerate(texts):
            if routes[i].action == "passthrough":
                plain = document_text(docs[i]) if docs[i] else text
                summaries[i] = backend.summarize(plain, length, endpoint="/translate") if plain.strip() else ""
    return Translated(english, routes, summaries)


def translate_file(backend: Backend, data: bytes, name: str, *, source: str, char_limit: int,
                   max_bytes: int) -> tuple[bytes, Route]:
    """The translated file (same format, structure kept) and the source's route. English comes
    back byte for byte. Raises FileTooLargeError past ``max_bytes`` or when a text file is larger
    than ``char_limit`` characters could take (checked before parsing; a .docx is inflated in a
    stream against ``max_bytes``), FileFormatError, RestError past ``char_limit``, and as
    :func:`translate_texts`."""
    doc = read_bytes(data, name, max_bytes, max_chars=char_limit)
    text = document_text(doc)
    if len(text) > char_limit:
        raise too_long(len(text), char_limit)
    where = _route(text, source)
    if where.action == "passthrough" or not doc.units:
        return data, where
    sent, given = _to_translate(doc.units, where, source)
    [result] = backend.run_documents([sent], source=given)
    return render_document(doc, _parts(doc.units, sent, result)), where
