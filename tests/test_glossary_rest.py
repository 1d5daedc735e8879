"""The REST API's glossary and keep fields, JSON and form, the page's "Your own words" fields,
and the server-wide --glossary and --keep-file, on a real server with the tiny models."""

from __future__ import annotations

import json

import pytest
from servers import launch_tiny

httpx = pytest.importorskip("httpx")

pytestmark = pytest.mark.slow  # a real server on a free port

KEPT = "NLB d.d."
SERVER_KEPT = "Krka Novo mesto"
SENTENCE = f"Banka {KEPT} in podjetje {SERVER_KEPT} sta včeraj objavila rezultate za predsednika vlade."
SL = {"source": "sl", "target": "en"}


@pytest.fixture(scope="module")
def demo(tiny_models, tmp_path_factory):
    folder = tmp_path_factory.mktemp("terms")
    (folder / "glossary.csv").write_text("source,target\nrezultat,Qwertyx\n", encoding="utf-8")
    (folder / "keep.txt").write_text(f"{SERVER_KEPT}\n", encoding="utf-8")
    demo = launch_tiny(
        tiny_models, glossary=str(folder / "glossary.csv"), keep_file=str(folder / "keep.txt"), source="sl"
    )
    yield demo
    demo.close()


@pytest.fixture(scope="module")
def url(demo):
    return demo.local_url


def post(url: str, **kwargs) -> httpx.Response:
    return httpx.post(url + "translate", timeout=60, **kwargs)


def test_keep_and_glossary_in_json(url):
    body = {"q": SENTENCE, **SL, "keep": [KEPT], "glossary": [["predsednik vlade", "Zyxwvut"]]}
    response = post(url, json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert KEPT in answer["translatedText"] and SERVER_KEPT in answer["translatedText"]
    assert any("Zyxwvut" in w for w in answer["warnings"])  # the request's term
    assert any("Qwertyx" in w for w in answer["warnings"])  # the server's term


def test_keep_as_json_text_in_a_form(url):
    response = post(url, data={"q": SENTENCE, **SL, "keep": json.dumps([KEPT])})
    assert response.status_code == 200, response.text
    assert KEPT in response.json()["translatedText"]


def test_the_server_wide_terms_apply_without_request_fields(url):
    answer = post(url, json={"q": [SENTENCE, "Vreme bo lepo."], **SL}).json()
    assert SERVER_KEPT in answer["translatedText"][0]
    assert len(answer["warnings"]) == 2 and any("Qwertyx" in w for w in answer["warnings"][0])


@pytest.mark.parametrize(
    "fields, said",
    [
        ({"glossary": [["only one"]]}, "glossary"),
        ({"glossary": [["", "x"]]}, "non-empty"),
        ({"keep": ["x" * 300]}, "longer than"),
        ({"keep": "not json"}, "keep"),
        ({"keep": ["k"] * 1001}, "keep"),
    ],
)
def test_bad_terms_are_400_naming_the_field(url, fields, said):
    response = post(url, json={"q": SENTENCE, **SL, **fields})
    assert response.status_code == 400, response.text
    assert said in response.json()["error"]


def test_a_file_keeps_the_kept_strings(url):
    response = httpx.post(
        url + "translate_file",
        files={"file": ("a.txt", SENTENCE.encode("utf-8"), "text/plain")},
        data={**SL, "keep": json.dumps([KEPT])},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    english = httpx.get(response.json()["translatedFileUrl"], timeout=60).text
    assert KEPT in english and SERVER_KEPT in english


def test_the_page_takes_a_glossary_file_and_a_keep_list(demo, tmp_path):
    handler = next(f.fn for f in demo.page.fns.values() if f.name == "on_translate")
    glossary = tmp_path / "terms.tbx"
    glossary.write_text(
        '<martif><text><body><termEntry><langSet xml:lang="sl"><tig><term>predsednik vlade</term></tig></langSet>'
        '<langSet xml:lang="en"><tig><term>Zyxwvut</term></tig></langSet></termEntry></body></text></martif>',
        encoding="utf-8",
    )
    english, _summary, table, _status, _txt, data = list(
        handler(SENTENCE, False, "medium", 1, "sl", str(glossary), f"{KEPT}\n")
    )[-1]
    assert KEPT in english and SERVER_KEPT in english
    payload = json.loads(open(data["value"], encoding="utf-8").read())
    assert any("Zyxwvut" in w for w in payload["warnings"])


def test_the_page_names_a_bad_glossary(demo, tmp_path):
    import gradio as gr

    handler = next(f.fn for f in demo.page.fns.values() if f.name == "on_translate")
    bad = tmp_path / "bad.csv"
    bad.write_text("one cell only\n", encoding="utf-8")
    with pytest.raises(gr.Error, match="bad.csv"):
        list(handler(SENTENCE, False, "medium", 1, "sl", str(bad), ""))
