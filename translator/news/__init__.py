"""Follow the news: an article from a link, feeds in, an English digest out.

    from translator.news import fetch_article, translate_article
    article = fetch_article("https://www.example.si/clanek")      # Article: title, text, author ...
    english = translate_article(article, Translator(), Summarizer())

Modules, one job each: ``urls`` (which links may be fetched: the SSRF rule), ``fetch`` (bounded
HTTP), ``article`` (main-text extraction, trafilatura), ``feeds`` (RSS/Atom, feed discovery),
``english`` (an article through the pipeline), ``digest`` (the files written), ``state`` (SQLite
memory), ``report`` (round report, progress bars), ``follow`` (the loop).

Layer: imports core, formats, engines, text, system and the base modules; never cli, server, batch
or evaluation.
"""

from translator.news.article import Article, extract_article, fetch_article
from translator.news.english import EnglishArticle, translate_article
from translator.news.errors import FeedError, FetchError, NotAnArticle, UrlRefused
from translator.news.feeds import Feed, FeedItem, discover_feeds, parse_feed, read_feed
from translator.news.fetch import FetchLimits, Pacer, fetch
from translator.news.follow import FollowConfig, Follower, follow, parse_interval
from translator.news.urls import check_public_url

__all__ = [
    "Article",
    "EnglishArticle",
    "Feed",
    "FeedError",
    "FeedItem",
    "FetchError",
    "FetchLimits",
    "FollowConfig",
    "Follower",
    "NotAnArticle",
    "Pacer",
    "UrlRefused",
    "check_public_url",
    "discover_feeds",
    "extract_article",
    "fetch",
    "fetch_article",
    "follow",
    "parse_feed",
    "parse_interval",
    "read_feed",
    "translate_article",
]
