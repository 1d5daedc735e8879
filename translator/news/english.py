"""An article in English: its title and its text translated in one pipeline call (one language
decision for both, their sentences in the same batches), the text summarised.

The pipeline gets the article as two units, ``[title, text]``; the summary is of the English title
and text together. The result handed back is the text's alone (``translation``, ``segments``, offsets
into ``Article.text``), with the English title beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from translator.core import pipeline
from translator.core.summarize import Summarizer
from translator.core.translate import Progress, Translator
from translator.news.article import Article
from translator.results import Segment, TranslationAndSummary


@dataclass(frozen=True)
class EnglishArticle:
    """An article and its English: ``title`` (English), ``result`` (the text's translation and
    summary, the project's one result shape)."""

    article: Article
    title: str
    result: TranslationAndSummary

    def to_dict(self) -> dict[str, Any]:
        """``result.to_dict()`` with ``title`` (English) and ``article`` (the original's url,
        title, author, published, site, language)."""
        return {**self.result.to_dict(), "title": self.title, "article": self.article.metadata()}


def units(article: Article) -> list[str]:
    """What the pipeline gets for an article: its title and its text."""
    return [article.title, article.text]


def _title_segments(segments: list[Segment], title: str) -> int:
    """How many of the first segments are the title's: the title's segments come first and
    cover it up to its last non-space character (only whitespace lies outside segments)."""
    end, count = len(title.rstrip()), 0
    covered = 0
    while count < len(segments) and covered < end:
        covered = segments[count].end
        count += 1
    return count


def english_article(article: Article, result: TranslationAndSummary) -> EnglishArticle:
    """Split the pipeline's result for ``units(article)`` into the English title and the text's
    result (summary, warnings, notes and models kept)."""
    parts = result.parts + ["", ""]
    title_en, text_en = parts[0], parts[1]
    first = _title_segments(result.segments, article.title)
    body = replace(result, translation=text_en, segments=result.segments[first:], parts=[])
    return EnglishArticle(article, title_en.strip(), body)


def translate_article(
    article: Article,
    translator: Translator,
    summarizer: Summarizer | None = None,
    *,
    length: str | None = None,
    progress: Progress | None = None,
) -> EnglishArticle:
    """The article's title and text in English, and a summary when ``summarizer`` is given.
    Raises UnsupportedLanguageError (an article in a language the model does not translate),
    ValueError for bad options, ModelNotFoundError."""
    [result] = pipeline.run_documents([units(article)], translator, summarizer, length=length, progress=progress)
    return english_article(article, result)
