"""What the translation memory says about one call's unique sources: the English of those it
holds, and the near matches of the others (:meth:`Translator._translate_pieces` asks it before
the sentence cache)."""

from __future__ import annotations

from translator.core.memory.base import TranslationMemory
from translator.results import NearMatch


def recall(
    memory: TranslationMemory | None, languages: dict[str, str | None], source: str = "auto"
) -> tuple[dict[str, str], dict[str, tuple[NearMatch, ...]]]:
    """The approved English of each source of ``languages`` (source → its route language;
    None: the translator's ``source`` unless "auto") that ``memory`` holds, and the near matches
    of the others (both empty without a memory). Read at every call: a pair approved by another
    process or replica is used at once."""
    if memory is None:
        return {}, {}
    fallback = "" if source.strip().lower() == "auto" else source.strip().lower()
    by_language: dict[str, list[str]] = {}
    for source, language in languages.items():
        by_language.setdefault(language or fallback, []).append(source)
    found: dict[str, str] = {}
    for language, group in by_language.items():
        found.update(memory.exact(language, group))
    near: dict[str, tuple[NearMatch, ...]] = {}
    if memory.near_cutoff <= 1:
        for source, language in languages.items():
            if source not in found and (matches := memory.near(language or fallback, source)):
                near[source] = tuple(matches)
    return found, near
