"""``POST /translate_url``: the article at a link fetched on the server, its main text (no
menus, related links, comments or footers) and title translated, optionally summarised.

The server fetches only public addresses (translator.news.urls: no loopback, private, link-local,
multicast, reserved or unspecified address, checked on every redirect hop, the connection made to
the address checked) unless it runs with ``--allow-private-urls``. Bounded like every fetch here:
the page's size (the server's ``--max-file-mb``, at most :data:`MAX_PAGE_BYTES`), one deadline,
a few redirects, HTML only. Errors: 400 (bad parameters, a refused link, a language not
translated), 502 (the page could not be fetched), 422 (no article on the page), and the usual
403, 413, 429, 503.
"""

from __future__ import annotations

import html
from functools import partial
from typing import Any

import anyio
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from translator.news import FetchError, FetchLimits, NotAnArticle, UrlRefused, fetch_article
from translator.news.english import english_article, units
from translator.news.urls import Resolver
from translator.options import SummaryLength
from translator.server.abandon import watched
from translator.server.admission import text_cost
from translator.server.rest import work
from translator.server.rest.body import RestError
from translator.server.rest.routes import JSON_AND_FORMS, RestApi, counted, require, validated
from translator.server.rest.schemas import ERRORS, ApiKeyField, DetectedLanguage, Params, body_schema

MAX_PAGE_BYTES = 5 * 2**20  # a news page's HTML; the article text itself is bounded by the char limit
FETCH_TIMEOUT_S = 15.0
# Pages are fetched in a pool of their own, apart from the threads that translate: a crowd of
# links to slow sites holds at most FETCH_THREADS threads, at most FETCHES_WAITING more calls
# wait for one, and past that a call gets 503 at once.
FETCH_THREADS = 4
FETCHES_WAITING = 16


class TranslateUrlRequest(Params):
    url: str = Field(description="An http(s) link to a news article", examples=["https://www.example.si/novice/clanek"])
    source: str = Field("auto", description='Source language code, or "auto" to detect it')
    target: str = Field("en", description='Target language code: "en"')
    format: str = Field("text", description='"text" (paragraphs separated by blank lines) or "html" (<p> paragraphs)')
    api_key: str | None = ApiKeyField
    summary: bool = Field(False, description="Also summarise the English")
    length: SummaryLength = Field("medium", description="The summary's length")


class ArticleInfo(BaseModel):
    url: str = Field(description="Where the article was found (after redirects)")
    title: str = Field(description="The original title")
    author: str | None = None
    published: str | None = Field(None, description="ISO date, when the page gives one")
    site: str | None = None
    language: str | None = Field(None, description="The language of the article's text")


class TranslateUrlResponse(BaseModel):
    translatedText: str = Field(description="The article's text in English")
    translatedTitle: str = Field(description="The article's title in English")
    detectedLanguage: DetectedLanguage | None = Field(None, description='Only for source="auto"')
    summary: str | None = Field(None, description="Only with summary=true")
    article: ArticleInfo


def _paragraphs_html(text: str) -> str:
    return "\n".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


def server_fetch_limits(max_file_bytes: int) -> FetchLimits:
    """The bounds of a fetch the server makes for a client: the page's size (at most
    :data:`MAX_PAGE_BYTES` and ``--max-file-mb``) and one deadline."""
    return FetchLimits(max_bytes=min(MAX_PAGE_BYTES, max_file_bytes), timeout_s=FETCH_TIMEOUT_S)


class FetchPool:
    """The threads that fetch pages (:data:`FETCH_THREADS`, at most :data:`FETCHES_WAITING` calls
    waiting for one; past that RestError 503 at once), made on the server's event loop at the
    first call."""

    def __init__(self) -> None:
        self._limiter: anyio.CapacityLimiter | None = None

    async def fetch(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(FETCH_THREADS)
        limiter = self._limiter
        if limiter.available_tokens == 0 and limiter.statistics().tasks_waiting >= FETCHES_WAITING:
            raise RestError(
                503,
                f"The server is fetching {FETCH_THREADS} pages and {FETCHES_WAITING} more are waiting: "
                "try again in a few seconds",
            )
        return await anyio.to_thread.run_sync(partial(function, *args, **kwargs), limiter=limiter)


def news_router(
    api: RestApi,
    *,
    allow_private_urls: bool = False,
    limits: FetchLimits | None = None,
    resolver: Resolver | None = None,
) -> APIRouter:
    """The ``/translate_url`` route on ``api``'s keys, limits, admission and models.
    ``allow_private_urls`` lifts the public-address rule (``--allow-private-urls``); ``limits``
    and ``resolver`` replace the fetch bounds and the DNS lookup (tests)."""
    fetch_limits = limits or server_fetch_limits(api.settings.max_file_bytes)
    pool = FetchPool()

    async def translate_url(request: Request, params: dict[str, Any], grant: Any) -> dict[str, Any]:
        require(params, "url")
        call = validated(TranslateUrlRequest, params)
        if call.format not in ("text", "html"):
            raise RestError(400, f"{call.format} format is not supported")
        work.check_target(call.target)
        work.check_source(call.source, api.served)
        try:
            article = await pool.fetch(
                fetch_article, call.url, allow_private=allow_private_urls, limits=fetch_limits, resolver=resolver
            )
        except UrlRefused as exc:
            raise RestError(400, str(exc)) from None
        except FetchError as exc:
            raise RestError(502, f"The page could not be fetched: {exc}") from None
        except NotAnArticle as exc:
            raise RestError(422, str(exc)) from None
        size = len(article.title) + len(article.text)
        counted(request, size)
        if size > grant.char_limit:
            raise work.too_long(size, grant.char_limit)
        with api.admission.admit(text_cost(size), size):
            async with watched(request) as watch:
                [result] = await api._in_thread(
                    api.backend.run_documents,
                    [units(article)],
                    source=call.source,
                    summary=call.summary,
                    length=call.length,
                    watch=watch,
                    scope=grant.key,
                )
        english = english_article(article, result)
        text = english.result.translation
        answer: dict[str, Any] = {
            "translatedText": _paragraphs_html(text) if call.format == "html" else text,
            "translatedTitle": english.title,
            "article": article.metadata(),
        }
        if call.source == "auto":
            answer["detectedLanguage"] = work.detect_languages(article.text)[0]
        if call.summary:
            answer["summary"] = english.result.summary or ""
        return answer

    router = APIRouter()

    @router.post(
        "/translate_url",
        response_model=TranslateUrlResponse,
        response_model_exclude_none=True,
        responses={
            **ERRORS,
            422: {"model": ERRORS[400]["model"], "description": "No article on the page"},
            502: {"model": ERRORS[400]["model"], "description": "The page could not be fetched"},
        },
        openapi_extra=body_schema(TranslateUrlRequest, *JSON_AND_FORMS),
        tags=["extension"],
    )
    async def translate_url_route(request: Request) -> Any:
        """Extension: fetch the news article at `url` (public addresses only, unless the server
        allows private ones), translate its title and main text into English, and with
        `summary=true` summarise it. Answers `translatedText`, `translatedTitle`, the `article`'s
        metadata and, for `source=auto`, `detectedLanguage`."""
        return await api._handle(request, translate_url, api.text_body_limit)

    return router
