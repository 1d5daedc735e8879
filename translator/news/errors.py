"""What the news package refuses or fails at, each a :class:`~translator.errors.TranslatorError`
whose message names the link and what went wrong."""

from __future__ import annotations

from translator.errors import InvalidInputError, TranslatorError


class UrlRefused(InvalidInputError):
    """A link that may not be fetched: not http(s), no host, or (on a server, unless private
    addresses are allowed) a host that resolves to a loopback, private, link-local, multicast,
    reserved or unspecified address. The message names the rule."""


class FetchError(TranslatorError, OSError):
    """A link that could not be fetched: the host unknown or unreachable, an HTTP error status,
    too many redirects or a loop, a page past the size cap or the time limit, a type that is not
    text."""


class NotAnArticle(TranslatorError, ValueError):
    """A page fetched but with no article text to find in it."""


class FeedError(TranslatorError, ValueError):
    """A feed that does not parse, or a site page that names no RSS or Atom feed."""
