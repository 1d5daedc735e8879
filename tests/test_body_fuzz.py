"""Property-based fuzzing of the REST body parser and the edge's JSON depth counter: any bytes,
under any content type, give parameters or a RestError (400/413), never another exception."""

from __future__ import annotations

import asyncio
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.requests import Request

from translator.server.guard import json_depth
from translator.server.rest.body import RestError, close_files, read_params
from translator.text.inputs import check_encodable

LIMIT = 4096
MEDIA = st.sampled_from(
    [
        "application/json",
        "application/x-www-form-urlencoded",
        "text/plain",
        "",
        "multipart/form-data; boundary=xyz",
        "multipart/form-data",
        "application/ld+json",
        "application/json; charset=latin-1",
    ]
)


def request(body: bytes, media: str, query: bytes = b"", chunk: int = 7) -> Request:
    chunks = [body[i : i + chunk] for i in range(0, len(body), chunk)] or [b""]
    messages = [
        {"type": "http.request", "body": part, "more_body": i < len(chunks) - 1} for i, part in enumerate(chunks)
    ]

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    headers = [(b"content-type", media.encode("latin-1"))] if media else []
    scope = {"type": "http", "method": "POST", "path": "/translate", "query_string": query, "headers": headers}
    return Request(scope, receive)


def parse(body: bytes, media: str, query: bytes = b"") -> dict | RestError:
    async def run():
        params = {}
        try:
            params = await read_params(request(body, media, query), LIMIT)
            return params
        except RestError as exc:
            return exc
        finally:
            await close_files(params)

    return asyncio.run(run())


def check(result: dict | RestError) -> None:
    if isinstance(result, RestError):
        assert result.status in (400, 413) and result.message
        json.dumps({"error": result.message}).encode("utf-8")  # the refusal always encodes
        return
    assert isinstance(result, dict)
    stack = list(result.items())
    while stack:  # every text that passed the edge is valid Unicode
        name, value = stack.pop()
        check_encodable(name)
        if isinstance(value, str):
            check_encodable(value)
        elif isinstance(value, list):
            stack += [(name, item) for item in value]
        elif isinstance(value, dict):
            stack += list(value.items())


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(body=st.binary(max_size=6000), media=MEDIA, query=st.binary(max_size=64))
def test_any_bytes_give_params_or_a_rest_error(body, media, query):
    check(parse(body, media, query))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)


@FUZZ
@given(value=json_values, q=st.text(max_size=50))
def test_any_json_gives_params_or_a_rest_error(value, q):
    body = json.dumps({"q": q, "extra": value}, ensure_ascii=True).encode()
    check(parse(body, "application/json"))


@FUZZ
@given(value=json_values)
def test_the_depth_counter_agrees_with_the_parser(value):
    def depth(item) -> int:  # the test's own recursive count, on shallow values only
        if isinstance(item, list):
            return 1 + max((depth(x) for x in item), default=0)
        if isinstance(item, dict):
            return 1 + max((depth(x) for x in item.values()), default=0)
        return 0

    assert json_depth(json.dumps(value).encode()) == depth(value)


@FUZZ
@given(form=st.lists(st.tuples(st.text(max_size=10), st.text(max_size=30)), max_size=8))
def test_url_encoded_forms_round_trip(form):
    from urllib.parse import urlencode

    try:
        body = urlencode(form).encode("ascii")
    except UnicodeEncodeError:  # a surrogate in hypothesis' text: that is the refusal's test
        return
    result = parse(body, "application/x-www-form-urlencoded")
    check(result)
    assert isinstance(result, dict), result  # valid text in a small form is never refused
    expected: dict = {}
    for name, value in form:
        value = value.replace("\r\n", "\n")
        if name == "q" and name in expected:
            expected[name] = [*expected[name], value] if isinstance(expected[name], list) else [expected[name], value]
        else:
            expected[name] = value
    assert result == expected
