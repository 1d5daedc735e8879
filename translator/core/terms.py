"""The English honours the glossary and the do-not-translate list (:class:`~translator.text.terms.Terms`).

After the model (or the cache) has given each unique sentence its English, :func:`honour` looks
at the sentences that hold a glossary term or a kept string (all others cost one set lookup per
word and nothing else) and, for each one whose English lacks what it needs:

1. asks the engine for its :data:`N_BEST` best hypotheses (one beam search for all such
   sentences, :func:`~translator.core.generation.n_best`) and takes the best one that contains
   every required English term and kept string (else the one that contains the most, the
   model's best among equals);
2. for a kept string still missing, cuts the sentence around its kept strings: the parts
   between them are translated on their own (through the cache) and the kept strings are put
   back between their English byte for byte, so a kept string is always in the output;
3. a glossary term still missing is named in a warning on the sentence, and the sentence's
   score (the mean log-probability of its tokens) is lowered by ``log 2`` per missing term, so
   its confidence (``exp(score)``) is halved for each.

A hypothesis taken from the n-best list keeps the score of the model's best one (the engines
do not score the others): an upper bound of its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from translator.core.cache import CachedPiece
from translator.core.generation import n_best
from translator.engines import LoadedModel
from translator.options import TranslationOptions
from translator.text.terms import Required, Terms

__all__ = ["MISSING_TERM_PENALTY", "N_BEST", "honour"]

N_BEST = 8  # hypotheses looked at for a sentence whose English lacks a term
MISSING_TERM_PENALTY = math.log(2)  # taken off a sentence's score per missing glossary term

Translate = Callable[[dict[str, str | None]], dict[str, CachedPiece]]
"""Sources (with their route language) → what the model makes of each (cache first)."""


def honour(
    model: LoadedModel,
    options: TranslationOptions,
    terms: Terms,
    languages: dict[str, str | None],
    found: dict[str, CachedPiece],
    translate: Translate,
) -> dict[str, CachedPiece]:
    """``found`` (each unique source's English) with the English of the sources that hold a
    term chosen, cut or warned about as the module docstring says; the others unchanged."""
    needs = {source: terms.required(source, lang) for source, lang in languages.items()}
    unmet = {
        source: need
        for source, need in needs.items()
        if need and not all(required.met_by(found[source].target) for required in need)
    }
    if not unmet:
        return found
    result = dict(found)
    hypotheses = n_best(model, list(unmet), options, max(N_BEST, options.num_beams))
    for source, hyps in zip(unmet, hypotheses):
        best = found[source]
        need = unmet[source]
        candidates = [best.target, *hyps]
        chosen = max(candidates, key=lambda text: sum(required.met_by(text) for required in need))
        piece = replace(best, target=chosen)
        if not all(required.met_by(chosen) for required in need if required.kind == "keep"):
            piece = _cut(source, languages[source], need, piece, translate)
        missing = [required for required in need if not required.met_by(piece.target)]
        if missing:
            score = None if piece.score is None else piece.score - MISSING_TERM_PENALTY * len(missing)
            piece = replace(piece, score=score, warnings=piece.warnings + tuple(r.warning() for r in missing))
        result[source] = piece
    return result


def _cut(
    source: str, language: str | None, need: list[Required], piece: CachedPiece, translate: Translate
) -> CachedPiece:
    """``piece`` with the English of ``source`` made part by part around its kept strings, each
    kept string in its place byte for byte."""
    kept = sorted({r.english for r in need if r.kind == "keep"}, key=len, reverse=True)
    spans: list[tuple[int, int]] = []
    for text in kept:
        at = source.find(text)
        while at >= 0:
            end = at + len(text)
            if not any(at < e and s < end for s, e in spans):
                spans.append((at, end))
            at = source.find(text, end)
    spans.sort()
    parts: list[tuple[bool, str]] = []  # (translate?, text)
    cursor = 0
    for start, end in spans:
        parts += [(True, source[cursor:start]), (False, source[start:end])]
        cursor = end
    parts.append((True, source[cursor:]))
    wanted = {text.strip(): language for translate_it, text in parts if translate_it and _has_letter(text)}
    english = translate(wanted) if wanted else {}
    out = []
    warnings = list(piece.warnings)
    for translate_it, text in parts:
        if not translate_it or not _has_letter(text):
            out.append(text)
            continue
        core = text.strip()
        made = english[core]
        warnings += [w for w in made.warnings if w not in warnings]
        lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        out.append(lead + (made.target or core) + trail)
    return replace(piece, target="".join(out).strip(), warnings=tuple(warnings))


def _has_letter(text: str) -> bool:
    return any(char.isalpha() for char in text)
