"""``translator follow``: feeds in, an English digest out, against a news site on a loopback port
(tests/newssite.py) with the tiny models: the outputs, reruns that translate nothing, added and
changed articles, failures reported while the rest goes on, conditional GETs, the command line.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import feedparser
import pytest
from newssite import ARTICLES, CYRILLIC, NewsSite, article_page, atom, publish, rss

from translator.news import FetchLimits, FollowConfig, Follower, parse_interval
from translator.news.digest import CONTENT_NS, slug

DATES = ["Thu, 06 Nov 2025 08:00:00 GMT", "Thu, 06 Nov 2025 09:00:00 GMT", "Thu, 06 Nov 2025 10:00:00 GMT"]


@pytest.fixture
def site():
    with NewsSite(slow_s=3.0) as site:
        yield site


@pytest.fixture(scope="module")
def engines(tiny_models):
    from translator.core.summarize import Summarizer
    from translator.core.translate import Translator

    return (
        Translator(str(tiny_models.marian), device="cpu", num_beams=1),
        Summarizer(str(tiny_models.bart), device="cpu", num_beams=1),
    )


def follower(site: NewsSite, out: Path, engines, *sources: str, **options) -> Follower:
    options.setdefault("allow_private", True)
    config = FollowConfig(sources=sources, out_dir=out, pace_s=0, limits=FetchLimits(timeout_s=2), **options)
    return Follower(config, *engines)


def feed_of(site: NewsSite, keys: list[str], *, extra: list[tuple[str, str, str]] = ()) -> None:
    items = [(ARTICLES[key][0], site.url(f"/clanki/{key}.html"), DATES[i % 3]) for i, key in enumerate(keys)]
    site.xml("/rss.xml", rss(items + list(extra)))


def statuses(report: dict) -> dict[str, str]:
    return {item["link"].rsplit("/", 1)[-1]: item["status"] for item in report["items"]}


def test_a_round_writes_items_feed_and_page(site, tmp_path, engines):
    for key in ("vlada", "poplave"):
        publish(site, key)
    feed_of(site, ["vlada", "poplave"], extra=[("Izgubljeno", site.url("/clanki/izgubljeno.html"), DATES[2])])
    site.html(
        "/",
        "<html><head><link rel='alternate' type='application/atom+xml' href='/atom.xml'></head>"
        "<body>Naslovnica</body></html>",
    )
    title, paragraphs = CYRILLIC
    site.html("/sr/budzet.html", article_page(title, paragraphs, lang="sr"))
    site.xml("/atom.xml", atom([(title, "/sr/budzet.html", "2025-11-06T11:00:00Z")]), "application/atom+xml")
    site.xml("/broken.xml", "{{ this is not a feed }}")
    run = follower(site, tmp_path, engines, site.url("/rss.xml"), site.url("/"), site.url("/broken.xml"))
    report = run.round()
    run.close()

    assert statuses(report) == {
        "vlada.html": "new",
        "poplave.html": "new",
        "izgubljeno.html": "failed",
        "budzet.html": "new",
    }
    assert "HTTP 404" in [i for i in report["items"] if i["status"] == "failed"][0]["reason"]
    assert [s["status"] for s in report["sources"]] == ["read", "read", "failed"]
    assert report["counts"]["new"] == 3 and report["counts"]["feeds failed"] == 1
    assert json.loads((tmp_path / "report.json").read_text()) == report

    items = sorted((tmp_path / "items").glob("*.json"))
    assert [p.name for p in items] == [
        "2025-11-06-reka-sava-je-ponoci-prestopila-bregove.json",
        "2025-11-06-vlada-sprejela-proracun-za-prihodnje-leto.json",
        "2025-11-06-vlada-usvojila-budzet-za-sledecu-godinu.json",
    ]
    data = json.loads(next(p for p in items if "reka" in p.name).read_text())
    assert {"translation", "summary", "segments", "models", "language", "title", "article"} <= set(data)
    assert data["article"]["title"] == ARTICLES["poplave"][0] and data["summary"] is not None
    markdown = next(p for p in items if "reka" in p.name).with_suffix(".md").read_text()
    assert f"<{site.url('/clanki/poplave.html')}>" in markdown and "## Summary" in markdown

    parsed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert not parsed.bozo and len(parsed.entries) == 3
    assert {entry.link for entry in parsed.entries} == {
        site.url("/clanki/vlada.html"),
        site.url("/clanki/poplave.html"),
        site.url("/sr/budzet.html"),
    }
    assert parsed.entries[0].link == site.url("/sr/budzet.html")  # newest first
    assert all(entry.title and entry.summary and entry.content[0].value.startswith("<p>") for entry in parsed.entries)
    root = ET.parse(tmp_path / "feed.xml").getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert len(root.findall(f"channel/item/{{{CONTENT_NS}}}encoded")) == 3

    page = (tmp_path / "index.html").read_text()
    assert page.count("<article>") == 3
    assert "<script" not in page and "<link" not in page and "src=" not in page  # no external assets
    assert site.url("/clanki/vlada.html") in page


def test_reruns_do_only_what_is_new_or_changed(site, tmp_path, engines, generate_spy):
    for key in ARTICLES:
        publish(site, key)
    feed_of(site, ["vlada", "poplave"])
    translator, _summarizer = engines
    calls = generate_spy(translator.model.engine)
    run = follower(site, tmp_path, engines, site.url("/rss.xml"))
    assert statuses(run.round()) == {"vlada.html": "new", "poplave.html": "new"}
    assert calls

    calls.clear()
    hits = dict(site.hits)
    report = run.round()  # nothing new: nothing fetched but the feed, nothing translated
    assert report["items"] == [] and report["known"] == 2 and not calls
    assert {path: n - hits.get(path, 0) for path, n in site.hits.items() if n != hits.get(path, 0)} == {"/rss.xml": 1}

    feed_of(site, ["vlada", "poplave", "kultura"])  # an added item alone
    assert statuses(run.round()) == {"kultura.html": "new"}
    sent = {tuple(row) for call in calls for row in call.batch}
    assert sent and len(sent) <= 2 * (1 + len(ARTICLES["kultura"][1]))

    calls.clear()
    publish(site, "vlada", extra="Seja se je končala pozno zvečer.")  # a changed article, its entry too
    feed_of(site, ["vlada", "poplave", "kultura"], extra=[])
    site.xml("/rss.xml", site.pages["/rss.xml"].body.decode().replace(DATES[0], "Thu, 06 Nov 2025 12:00:00 GMT"))
    assert statuses(run.round()) == {"vlada.html": "updated"}
    [item] = [p for p in (tmp_path / "items").glob("*vlada*.json")]
    sources = "".join(s["source"] for s in json.loads(item.read_text())["segments"])
    assert "pozno zvečer" in sources and calls

    calls.clear()  # a feed entry that changed while its article did not: fetched, not translated
    site.xml("/rss.xml", site.pages["/rss.xml"].body.decode().replace(DATES[1], "Thu, 06 Nov 2025 13:00:00 GMT"))
    assert statuses(run.round()) == {"poplave.html": "unchanged"} and not calls
    run.close()


def test_recheck_finds_articles_edited_behind_the_feed(site, tmp_path, engines):
    for key in ("vlada", "poplave"):
        publish(site, key)
    feed_of(site, ["vlada", "poplave"])
    run = follower(site, tmp_path, engines, site.url("/rss.xml"), recheck=True)
    run.round()
    publish(site, "poplave", extra="Voda je odtekla.")
    assert statuses(run.round()) == {"vlada.html": "unchanged", "poplave.html": "updated"}
    run.close()


def test_a_failing_item_is_retried_and_done_once_it_works(site, tmp_path, engines):
    publish(site, "vlada")
    feed_of(site, ["vlada", "poplave"])  # poplave is not there yet: 404
    run = follower(site, tmp_path, engines, site.url("/rss.xml"))
    assert statuses(run.round()) == {"vlada.html": "new", "poplave.html": "failed"}
    assert statuses(run.round()) == {"poplave.html": "failed"}
    publish(site, "poplave")
    assert statuses(run.round()) == {"poplave.html": "new"}
    assert len(list((tmp_path / "items").glob("*.json"))) == 2
    run.close()


def test_conditional_gets_and_a_restart(site, tmp_path, engines):
    publish(site, "vlada")
    feed_of(site, ["vlada"])
    site.pages["/rss.xml"].headers["ETag"] = '"v1"'
    run = follower(site, tmp_path, engines, site.url("/rss.xml"))
    assert statuses(run.round()) == {"vlada.html": "new"}
    run.close()
    run = follower(site, tmp_path, engines, site.url("/rss.xml"))  # a restart remembers the ETag
    report = run.round()
    assert report["sources"][0]["status"] == "not modified" and report["items"] == []
    run.close()


def test_the_digest_is_capped_newest_first(site, tmp_path, engines):
    for key in ARTICLES:
        publish(site, key)
    feed_of(site, list(ARTICLES))
    run = follower(site, tmp_path, engines, site.url("/rss.xml"), keep=2)
    run.round()
    run.close()
    parsed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert [e.link for e in parsed.entries] == [site.url("/clanki/kultura.html"), site.url("/clanki/poplave.html")]


def test_intervals_and_slugs():
    assert [parse_interval(t) for t in ("90", "30s", "15m", "1h", "1.5h")] == [90, 30, 900, 3600, 5400]
    for bad in ("0s", "soon", "-5m", ""):
        with pytest.raises(ValueError):
            parse_interval(bad)
    assert slug("Vlada sprejela proračun: 5 % več za šolstvo!") == "vlada-sprejela-proracun-5-vec-za-solstvo"
    assert slug("Влада усвојила буџет") == "vlada-usvojila-budzet"
    assert slug("!!!") == ""


@pytest.mark.slow
def test_the_command_line(site, tmp_path, tiny_env, capsys):
    from translator.cli import main

    publish(site, "vlada")
    feed_of(site, ["vlada"], extra=[("Izgubljeno", site.url("/clanki/izgubljeno.html"), DATES[1])])
    out = tmp_path / "digest"
    args = ["follow", site.url("/rss.xml"), "--out", str(out), "--once", "--pace", "0", "--beams", "1", "--quiet"]
    args.append("--allow-private-urls")
    assert main(args) == 1  # one item failed
    err = capsys.readouterr().err
    assert "translator follow: 1 new, 0 updated, 0 unchanged, 0 skipped, 1 failed" in err
    assert f"failed: {site.url('/clanki/izgubljeno.html')}: HTTP 404" in err
    assert (out / "index.html").is_file() and (out / "feed.xml").is_file() and (out / "follow.sqlite").is_file()
    assert main(args) == 1  # the failed item is tried again; the done one is not
    assert (
        "translator follow: 0 new, 0 updated, 0 unchanged, 0 skipped, 1 failed; 1 already done"
        in capsys.readouterr().err
    )
