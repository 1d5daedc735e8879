"""BeautifulSoup's ``html.parser`` tree builder, bounded against hostile markup.

The standard library's HTMLParser handles markup that never ends (``<!--`` without ``-->``,
``<a b='`` without a closing quote, ``<a<a<a``) at the end of the input by giving up one
character or tag at a time and searching the rest of the document again, which makes a few
thousand such constructs take minutes. :class:`BoundedBuilder` first runs the standard
library's tokenizer alone over the document (:class:`_RescanCounter`: the same scanning as bs4's
parser, which only adds tree-building handlers), counting the characters those searches start
from the end of the document, and stops with MarkupTooComplexError once they add up to
:data:`~translator.formats.limits.MAX_RESCAN` times the document (plus
:data:`~translator.formats.limits.RESCAN_ALLOWANCE`); markup that passes is parsed by bs4's own
``html.parser`` builder, unchanged. Only public APIs are used (bs4's ``HTMLParserTreeBuilder``,
the standard library's ``HTMLParser``).
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

# bs4 adds its builders to bs4.builder when it is imported, where type checkers do not see them
from bs4.builder import HTMLParserTreeBuilder  # type: ignore[attr-defined]

from translator.formats import MarkupTooComplexError
from translator.formats.limits import MAX_RESCAN, RESCAN_ALLOWANCE


class _RescanCounter(HTMLParser):
    """html.parser's tokenizer without handlers; each construct found unterminated charges what
    is left of the document against ``budget``."""

    def __init__(self, name: str, budget: int) -> None:
        super().__init__(convert_charrefs=False)  # as bs4's builder sets it
        self.name = name
        self.budget = budget

    def _charged(self, end: int, i: int) -> int:
        if end < 0:
            self.budget -= len(self.rawdata) - i
            if self.budget < 0:
                raise MarkupTooComplexError(
                    f"{self.name}: too many unterminated tags, comments or declarations "
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


def check_rescans(markup: str, name: str) -> None:
    """Refuse ``markup`` whose unterminated constructs would make html.parser rescan more than
    :data:`MAX_RESCAN` times its length (plus :data:`RESCAN_ALLOWANCE`).

    Returns None; raises MarkupTooComplexError naming ``name``."""
    counter = _RescanCounter(name, MAX_RESCAN * len(markup) + RESCAN_ALLOWANCE)
    try:
        counter.feed(markup)
        counter.close()
    except AssertionError:
        return  # html.parser rejects the markup here; bs4's parse stops at the same place and says so


class BoundedBuilder(HTMLParserTreeBuilder):
    """bs4's ``html.parser`` tree builder after :func:`check_rescans`; ``name`` is the file
    name for messages. Parsing raises MarkupTooComplexError past the rescan budget."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._name = name

    def feed(self, markup: str) -> None:  # type: ignore[override]
        """Check ``markup``'s rescans, then parse it into ``self.soup`` as bs4's builder does;
        returns None."""
        check_rescans(markup, self._name)
        super().feed(markup)
