"""BeautifulSoup's ``html.parser`` tree builder, bounded against hostile markup.

The standard library's HTMLParser handles markup that never ends (``<!--`` without ``-->``,
``<a b='`` without a closing quote, ``<a<a<a``) at the end of the input by giving up one
character or tag at a time and searching the rest of the document again, which makes a few
thousand such constructs take minutes. :class:`BoundedBuilder` counts the characters those
searches start from the end of the document and stops with MarkupTooComplexError once they add
up to :data:`~translator.formats.limits.MAX_RESCAN` times the document (plus
:data:`~translator.formats.limits.RESCAN_ALLOWANCE`); markup that ends properly is parsed
exactly as by bs4's own ``html.parser`` builder.
"""

from __future__ import annotations

import inspect
from typing import Any

from bs4.builder import HTMLParserTreeBuilder, ParserRejectedMarkup
from bs4.builder._htmlparser import BeautifulSoupHTMLParser

from translator.formats import MarkupTooComplexError
from translator.formats.limits import MAX_RESCAN, RESCAN_ALLOWANCE

# bs4 4.13 passes the soup to the parser's constructor; 4.12 sets it afterwards.
_SOUP_FIRST = "soup" in inspect.signature(BeautifulSoupHTMLParser.__init__).parameters


class _BoundedParser(BeautifulSoupHTMLParser):
    """bs4's parser; each construct found unterminated charges what is left of the document."""

    rescan_budget = 0
    rescan_name = ""

    def _charged(self, end: int, i: int) -> int:
        if end < 0:
            self.rescan_budget -= len(self.rawdata) - i
            if self.rescan_budget < 0:
                raise MarkupTooComplexError(
                    f"{self.rescan_name}: too many unterminated tags, comments or declarations "
                    f"(unclosed quotes or '<!--'); refused after rescanning {MAX_RESCAN} times its length",
                    len(self.rawdata),
                    MAX_RESCAN,
                )
        return end

    def parse_starttag(self, i: int) -> int:
        return self._charged(super().parse_starttag(i), i)

    def parse_endtag(self, i: int) -> int:
        return self._charged(super().parse_endtag(i), i)

    def parse_comment(self, i: int, report: bool = True) -> int:
        return self._charged(super().parse_comment(i, report), i)

    def parse_pi(self, i: int) -> int:
        return self._charged(super().parse_pi(i), i)

    def parse_html_declaration(self, i: int) -> int:
        return self._charged(super().parse_html_declaration(i), i)


class BoundedBuilder(HTMLParserTreeBuilder):
    """bs4's ``html.parser`` tree builder with :class:`_BoundedParser`; ``name`` is the file
    name for messages. Parsing raises MarkupTooComplexError past the rescan budget."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._name = name

    def feed(self, markup: str) -> None:  # type: ignore[override]
        """Parse ``markup`` into ``self.soup``, as bs4's builder does; returns None."""
        args, kwargs = self.parser_args
        if _SOUP_FIRST:
            parser = _BoundedParser(self.soup, *args, **kwargs)
        else:  # pragma: no cover - bs4 4.12
            parser = _BoundedParser(*args, **kwargs)
            parser.soup = self.soup
        parser.rescan_budget = MAX_RESCAN * len(markup) + RESCAN_ALLOWANCE
        parser.rescan_name = self._name
        try:
            parser.feed(markup)
            parser.close()
        except AssertionError as exc:  # as bs4: html.parser's way of rejecting a doctype
            raise ParserRejectedMarkup(exc) from None
        parser.already_closed_empty_element = []
