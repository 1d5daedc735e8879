"""Which language a text is in, and what to do with it: translate, pass through, or refuse.

Detection uses ``py3langid`` (a naive Bayes byte n-gram model, 4.5 MB, shipped inside the package:
nothing is downloaded, ever), restricted to :data:`CANDIDATES`. It was chosen over
``lingua-language-detector`` on short news sentences (benchmarks/bench_language.py): neither
confuses a source with English or an unsupported language there; lingua labels Croatian and
Bosnian a little better but never Serbian in Latin script, and takes ~10x longer per sentence,
25-35 s instead of ~1.5 s to load, and ~1.1 GB of memory instead of ~130 MB (whole process).

The default model (``opus-mt-tc-big-zls-en``) translates every South Slavic language, so detection
first asks "one of the model's sources, or not?" (their probabilities summed), and only then which
one; a Slovenian sentence that looks a little Slovak is still translated. The detector separates
Croatian, Bosnian and Serbian in Latin script poorly (one language, three standards): Serbian is
told apart by its ekavian jat reflex (``dve``, ``posle``, ``predsednik`` against ``dvije``,
``poslije``, ``predsjednik``).

Everything here is a pure function of its input; the detector is built once, on first use, under a
lock, and is read-only afterwards (safe to share between threads).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from translator.errors import InvalidInputError, current_surface

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

logger = logging.getLogger("translator")

__all__ = [
    "CANDIDATES",
    "DEFAULT_SOURCE",
    "PASSTHROUGH",
    "SUPPORTED_SOURCES",
    "UNDETERMINED",
    "Detection",
    "LanguageRoute",
    "UnsupportedLanguageError",
    "detect",
    "detect_paragraphs",
    "identify",
    "language_name",
    "normalize_code",
    "route_language",
    "sentence_rules_for",
]

from translator.text.language_codes import (  # noqa: E402  (re-exported: the codes are part of this module's API)
    CANDIDATES,
    DEFAULT_SOURCE,
    PASSTHROUGH,
    SUPPORTED_SOURCES,
    UNDETERMINED,
    language_name,
    normalize_code,
)

# Evidence thresholds, chosen on benchmarks/data/language (see bench_language.py).
MIN_LETTERS = 20  # a paragraph with fewer letters inherits the document's language
SWITCH_CONFIDENCE = 0.8  # a paragraph leaves the document's language only when this sure it is not
REFUSE_CONFIDENCE = 0.5  # a document is passed through or refused only when this sure
_MAX_CHARS = 30_000  # longer documents are judged on three 10,000-character samples

Action = Literal["translate", "passthrough"]


@dataclass(frozen=True)
class Detection:
    """A detected language: ISO 639-1 ``language`` (or "und"), the detector's ``confidence`` in it
    (0..1) and the ``script`` of most of the letters ("Latn", "Cyrl", or None)."""

    language: str
    confidence: float
    script: str | None


@dataclass(frozen=True)
class LanguageRoute:
    """What to do with a document: translate it from ``language``, or pass it through (English)."""

    language: str
    confidence: float
    action: Action


_NOTHING = Detection(UNDETERMINED, 0.0, None)


class UnsupportedLanguageError(InvalidInputError):
    """The text is (confidently) in a language the model does not translate. The message ends
    with how to force the source language, in the words of the surface it is raised on
    (:func:`translator.errors.surface`); :meth:`message_for` phrases it for another."""

    def __init__(self, language: str, confidence: float, supported: Iterable[str] = SUPPORTED_SOURCES):
        self.language = language
        self.confidence = confidence
        self.supported = tuple(supported)
        super().__init__(self.message_for(current_surface()))

    def message_for(self, surface: str) -> str:
        """The message with its hint for ``surface``: "python", "cli", "rest" or "page"."""
        listed = ", ".join(f"{language_name(code)} ({code})" for code in self.supported)
        return (
            f"the text looks like {language_name(self.language)} ({self.language}, confidence "
            f"{self.confidence:.2f}), which this model does not translate; it translates {listed} into "
            f"English and passes English through. If the detection is wrong, "
            f"{force_source_hint(surface, self.supported[0])}."
        )


def force_source_hint(surface: str, example: str) -> str:
    """How a user on ``surface`` forces the source language, with ``example`` as the code."""
    if surface == "cli":
        return f"force the source language with --source <code> (for example --source {example})"
    if surface == "rest":
        return f'force the source language with "source": "<code>" in the request ("source": "{example}")'
    if surface == "page":
        return f"choose the language under Options → Source language (for example {language_name(example)})"
    return f'force the source language with source="<code>" (for example source="{example}")'


# ----------------------------------------------------------------------------- the detector

_lock = threading.Lock()
_identifier: LanguageIdentifier | None = None


def _detector() -> LanguageIdentifier:
    """py3langid's identifier restricted to CANDIDATES, built once (thread-safe)."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                identifier.set_languages(CANDIDATES)
                _identifier = identifier
                logger.debug("language: py3langid loaded, %d candidate languages", len(CANDIDATES))
    return _identifier


def _sample(text: str) -> str:
    """The text, or for a long one its start, middle and end (detection cost is linear)."""
    if len(text) <= _MAX_CHARS:
        return text
    third = _MAX_CHARS // 3
    middle = len(text) // 2 - third // 2
    return "\n".join((text[:third], text[middle : middle + third], text[-third:]))


def _letters(text: str) -> tuple[int, str | None]:
    """How many letters ``text`` has, and the script of most of them."""
    latin = cyrillic = total = 0
    for ch in text:
        if ch.isalpha():
            total += 1
            if ch < "\u0250" or "\u1e00" <= ch <= "\u1eff":
                latin += 1
            elif "\u0400" <= ch <= "\u052f":
                cyrillic += 1
    script = "Latn" if latin * 2 > total else "Cyrl" if cyrillic * 2 > total else None
    return total, script


# Serbian is ekavian, Croatian and Bosnian ijekavian: forms of frequent news words on either side
# (regular expressions matching whole words), with a few words of one standard only (odsto, opština;
# posto, općina, tisuća).


def _forms(patterns: str) -> re.Pattern[str]:
    """One case-insensitive regular expression from whitespace-separated alternatives."""
    return re.compile("|".join(patterns.split()), re.IGNORECASE)


_EKAVIAN = _forms(r"""
    dve gde posle pre uvek vreme reč reči dete dec[aeiu] decom deo del[ao] delimičn\w* ce[ol]
    cel[aeiou] celog celoj celom cen[aeiu] cenama cenovn\w* mest[aoui]\w* mesec\w* vest vesti
    vestima mer[aeu] merama vetar vetra vetrom vek veka veku svet svetsk\w* sme smeju sedni\w*
    sednic\w* predsedn\w* sled\w* posled\w* nedelj\w* ponedelj\w* izmen\w* promen\w* procen\w*
    ocen\w* primen\w* primer\w* umesto povred\w* povređ\w* pobed\w* savet\w* uspe[hšlt]\w*
    čovek\w* telo tela telu hte[ol]\w* podel\w* pesm\w* pevač\w* sneg\w* bezbedn\w* obezbeđ\w*
    rešen\w* reši\w* rešava\w* nerešen\w* rečima zamen\w* verovat\w* odeljen\w* prete preti
    pretio pretil[aei] pretnj\w* odsto opšt\w* uopšte saopšt\w* istorij\w*
""")
_IJEKAVIAN = _forms(r"""
    dvije gdje poslije prije uvijek vrijeme riječ\w* dijete djec\w* dio djel\w* dijel\w*
    djelomičn\w* cio cijel\w* cijen\w* mjest\w* mjesec\w* vijest\w* mjer\w* vjetar vjetra vjetrom
    vijek\w* svijet\w* svjetsk\w* smije smiju sjedni\w* sjednic\w* predsjedn\w* sljed\w*
    posljed\w* nedjelj\w* ponedjelj\w* izmjen\w* promjen\w* procjen\w* ocjen\w* primjen\w*
    primjer\w* umjesto povrijed\w* povrijeđ\w* ozlijeđ\w* pobjed\w* savjet\w* uspje\w*
    čovjek\w* tijel\w* htio htjel\w* podjel\w* podijel\w* pjesm\w* pjevač\w* snijeg\w* snjež\w*
    bezbjedn\w* obezbjeđ\w* riješ\w* rješ\w* neriješen\w* zamjen\w* vjerovat\w* odjel\w*
    prijet\w* posto općin\w* uopće priopć\w* saopć\w* historij\w* povijest\w* tisuć\w*
""")
_WORD = re.compile(r"\w+")
_SERBO_CROATIAN = frozenset({"hr", "bs", "sr"})  # one language, three standards


def _ekavian(text: str) -> bool:
    """Whether ``text`` has more ekavian (Serbian) than ijekavian (Croatian, Bosnian) word forms."""
    ekavian = ijekavian = 0
    for word in _WORD.findall(text):
        if _EKAVIAN.fullmatch(word):
            ekavian += 1
        elif _IJEKAVIAN.fullmatch(word):
            ijekavian += 1
    return ekavian > ijekavian


def _choose(text: str, ranking: list[tuple[str, float]], sources: Iterable[str], script: str | None) -> Detection:
    """The detection for a ranking: the best source when the sources together outweigh every other
    language, else the best other language."""
    group = set(sources)
    in_group = [(code, p) for code, p in ranking if code in group]
    mass = sum(p for _, p in in_group)
    other = next(((code, p) for code, p in ranking if code not in group), (UNDETERMINED, 0.0))
    if not in_group or other[1] > mass:
        return Detection(other[0], other[1], script)
    code, p = in_group[0]
    if code in ("hr", "bs") and "sr" in group and script == "Latn" and _ekavian(text):
        # the detector says "one of hr, bs, sr"; ekavian forms say which
        code, p = "sr", sum(q for c, q in in_group if c in _SERBO_CROATIAN)
    return Detection(code, min(1.0, p), script)


_OTHER_SCRIPT_WORD = {
    "Latn": re.compile(r"\S*[\u0400-\u052f]\S*"),  # a word with Cyrillic letters
    "Cyrl": re.compile(r"\S*[A-Za-z\u00c0-\u024f]\S*"),  # a word with Latin letters
}


def _detect(text: str, sources: Iterable[str]) -> tuple[Detection, int, list[tuple[str, float]]]:
    """The detection of ``text`` against ``sources``, how many letters it has, and the detector's
    ranking (every candidate with its probability, best first; empty without letters)."""
    sample = _sample(text)
    letters, script = _letters(sample)
    if not letters:
        return _NOTHING, 0, []
    if script in _OTHER_SCRIPT_WORD:
        # Serbian is the one candidate trained on both scripts: a Slovenian article quoting a
        # Cyrillic paragraph would look Serbian as a whole. Judge the main script's words only.
        sample = _OTHER_SCRIPT_WORD[script].sub(" ", sample)
    ranking = _detector().rank(sample)
    return _choose(sample, ranking, sources, script), letters, ranking


def detect(text: str) -> Detection:
    """The language of a whole document. Text with no letters gives ``Detection("und", 0.0, None)``.

    When the model's sources (:data:`SUPPORTED_SOURCES`) together are more probable than any other
    language, the most probable source is returned, even if one other language alone scored higher:
    the model translates them all. Confidence is the detector's probability of the language returned
    (for Serbian recognised by its ekavian forms: of Croatian, Bosnian and Serbian together). Never
    downloads anything.
    """
    return _detect(text, SUPPORTED_SOURCES)[0]


def detect_paragraphs(paragraphs: list[str]) -> list[Detection]:
    """The language of each paragraph of one document, in order.

    The document (all paragraphs joined) is detected first. A paragraph keeps its own detection only
    when it has at least :data:`MIN_LETTERS` letters and the detector is sure it is not in the
    document's language: it gives that language at most ``1 - SWITCH_CONFIDENCE`` (Croatian,
    Bosnian and Serbian, which it tells apart poorly, count as one here). Otherwise the paragraph
    inherits the document's detection (the same :class:`Detection`, confidence and script
    included). So bylines and scores such as "(vd)", "1:0" or "Foto: Reuters" never flip, a
    Slovenian paragraph that looks a little Croatian stays Slovenian, and an English (or Bulgarian)
    paragraph quoted in a Slovenian article comes back as English (or Bulgarian).
    """
    if not paragraphs:
        return []
    document = detect("\n\n".join(paragraphs))
    alike = _SERBO_CROATIAN if document.language in _SERBO_CROATIAN else {document.language}
    detections = []
    for paragraph in paragraphs:
        own, letters, ranking = _detect(paragraph, SUPPORTED_SOURCES)
        in_document_language = sum(p for code, p in ranking if code in alike)
        keep = letters >= MIN_LETTERS and (
            own.language == document.language or in_document_language <= 1 - SWITCH_CONFIDENCE
        )
        detections.append(own if keep else document)
    return detections


def route_language(text: str, source: str = "auto", supported: Iterable[str] = SUPPORTED_SOURCES) -> LanguageRoute:
    """What to do with a document: ``LanguageRoute(language, confidence, action)``.

    ``source="auto"`` detects: one of ``supported`` -> "translate" from it; English -> "passthrough";
    any other language -> :class:`UnsupportedLanguageError`. Only a confident verdict (at least
    :data:`REFUSE_CONFIDENCE`) refuses a text. A short or ambiguous text is decided between the
    languages this model handles: it passes through as English when the detector gives English
    more probability than all of ``supported`` together ("Good morning.", "Thank you."), and is
    translated from the most probable of ``supported`` otherwise ("Dober dan.", "Hvala lepa.").
    Text with no letters is translated from "sl" (or the first of ``supported``) with confidence
    0.0: there is nothing to translate, and the pipeline gives back the text as it is.
    :func:`identify` answers the same decision as a language (the REST API's ``/detect``).

    An explicit ``source`` (a code of ``supported``, or "en" for passthrough; "sr-Latn", "slv" and
    the like are accepted) is obeyed without detection, with confidence 1.0. Raises ``ValueError``
    naming the valid codes for any other ``source``.
    """
    sources = tuple(supported)
    if not sources:
        raise InvalidInputError("route_language() needs at least one supported source language")
    if (source or "auto").strip().lower() != "auto":
        code, _ = normalize_code(source)
        if code == PASSTHROUGH and PASSTHROUGH not in sources:
            return LanguageRoute(code, 1.0, "passthrough")
        if code not in sources:
            valid = ", ".join(["auto", *sources, PASSTHROUGH])
            raise InvalidInputError(f"source {source!r} is not a language this model translates: use one of {valid}")
        return LanguageRoute(code, 1.0, "translate")
    decided, found, _ = _decide(text, sources)
    if decided is None:
        raise UnsupportedLanguageError(found.language, found.confidence, sources)
    return decided


def _decide(text: str, sources: tuple[str, ...]) -> tuple[LanguageRoute | None, Detection, list[tuple[str, float]]]:
    """The decision of :func:`route` for ``source="auto"`` (None: refuse ``found``'s language),
    the detection it rests on and the detector's ranking."""
    default = DEFAULT_SOURCE if DEFAULT_SOURCE in sources else sources[0]
    found, _, ranking = _detect(text, sources)
    if found.language == UNDETERMINED:
        return LanguageRoute(default, 0.0, "translate"), found, ranking
    if found.language in sources:
        return LanguageRoute(found.language, found.confidence, "translate"), found, ranking
    if found.confidence >= REFUSE_CONFIDENCE:
        if found.language == PASSTHROUGH:
            return LanguageRoute(PASSTHROUGH, found.confidence, "passthrough"), found, ranking
        return None, found, ranking
    # not sure enough to refuse: English or a source, whichever the evidence favours
    english = next((p for c, p in ranking if c == PASSTHROUGH), 0.0)
    if PASSTHROUGH not in sources and english > sum(p for c, p in ranking if c in sources):
        return LanguageRoute(PASSTHROUGH, english, "passthrough"), found, ranking
    code, p = next(((c, p) for c, p in ranking if c in sources), (default, 0.0))
    logger.debug("language: unsure (%s %.2f), translating from %s", found.language, found.confidence, code)
    return LanguageRoute(code, p, "translate"), found, ranking


def identify(text: str, supported: Iterable[str] = SUPPORTED_SOURCES) -> Detection:
    """The language of ``text`` as ``/detect`` answers it: :func:`route`'s decision for
    ``source="auto"`` (English exactly when it passes ``text`` through), always one of
    ``supported`` or English. A text that :func:`route` refuses (confidently in another language)
    is the most probable of those, with the detector's low probability. Raises only
    ``InvalidInputError`` for an empty ``supported``."""
    sources = tuple(supported)
    if not sources:
        raise InvalidInputError("identify() needs at least one supported source language")
    decided, found, ranking = _decide(text, sources)
    if decided is not None:
        return Detection(decided.language, decided.confidence, found.script)
    listed = (*sources, PASSTHROUGH)
    code, p = next(((c, p) for c, p in ranking if c in listed), (sources[0], 0.0))
    return Detection(code, p, found.script)


def sentence_rules_for(language: str, script: str | None = None) -> str:
    """The closest sentence-splitting rule set for a language (a code or a tag such as "sr-Cyrl").

    ======================  ==========  ====================================================
    language                rules       why
    ======================  ==========  ====================================================
    sl                      sl          its own rules
    hr, bs, sr (Latin)      hr          one language, three standards; same abbreviations
    sr (Cyrillic)           bg          the Cyrillic rule set (г., др., бр. are shared)
    bg, mk                  bg          Macedonian writes its abbreviations as Bulgarian does
    hr, bs in Cyrillic      bg          as Serbian Cyrillic
    en                      en          its own rules
    und, ""                 sl          the project's default source
    anything else           the code    segment falls back to generic rules where it has none
    ======================  ==========  ====================================================

    ``script`` ("Latn"/"Cyrl", as in :class:`Detection`) overrides one in the tag; plain "sr" with
    no script is taken as Latin.
    """
    code, tag_script = normalize_code(language)
    script = script or tag_script
    if code in ("", UNDETERMINED):
        return DEFAULT_SOURCE
    if code in ("hr", "bs", "sr"):
        return "bg" if script == "Cyrl" else "hr"
    if code == "mk":
        return "bg"
    return code
