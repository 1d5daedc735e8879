"""Concurrent requests share engine batches (translator/engines/shared.py), on both engines, with
the tiny models: requests that arrive together share one engine call, each gets exactly the
English it gets alone, a cancelled request's sentences never reach the engine, a short request
is not stuck behind a long one, and a window of 0 gathers nothing. Behaviour only: no timing."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from translator.core.translate import Translator
from translator.engines import shared

ENGINES = ["hf", "ct2"]
WINDOW_S = 2.0  # long enough that threads started together always meet in one round


def _sentences(article: str, count: int) -> list[str]:
    """``count`` distinct Slovenian sentences of the example article."""
    found = []
    for line in article.splitlines():
        for sentence in line.split(". "):
            sentence = sentence.strip().rstrip(".")
            if len(sentence.split()) >= 4 and sentence not in found:
                found.append(sentence + ".")
    assert len(found) >= count
    return found[:count]


def _translator(tiny_models, engine: str) -> Translator:
    # no retries of the random model's loops: one engine call per round to count
    return Translator(
        str(tiny_models.marian), engine=engine, dtype="float32", num_beams=1, cache=None, retry_repetitions=False
    )


def _together(translator: Translator, texts: list[str]) -> list[str]:
    """Each text translated by a thread of its own, all started at once."""
    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        return list(pool.map(translator.translate, texts))


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.01)


@pytest.mark.parametrize("engine", ENGINES)
def test_requests_that_arrive_together_share_one_engine_call(
    tiny_models, seed_article, generate_spy, monkeypatch, engine
):
    translator = _translator(tiny_models, engine)
    texts = _sentences(seed_article, 4)
    alone = [translator.translate(text) for text in texts]  # window 0: straight to the engine
    batcher = translator.model.engine
    calls = generate_spy(batcher.inner)
    monkeypatch.setattr(batcher, "window_s", WINDOW_S)
    together = _together(translator, texts)
    assert together == alone  # each request exactly its own English
    assert len(calls) == 1  # one engine call carried all four
    assert len(calls[0].batch) == len(texts)


@pytest.mark.parametrize("engine", ENGINES)
def test_each_request_gets_its_own_english_in_order(tiny_models, seed_article, generate_spy, monkeypatch, engine):
    translator = _translator(tiny_models, engine)
    sentences = _sentences(seed_article, 9)
    documents = [" ".join(sentences[0:4]), " ".join(sentences[4:6]), sentences[6], " ".join(sentences[7:9])]
    alone = [translator.translate(document) for document in documents]
    batcher = translator.model.engine
    calls = generate_spy(batcher.inner)
    monkeypatch.setattr(batcher, "window_s", WINDOW_S)
    assert _together(translator, documents) == alone
    assert len(calls) < len(documents)  # they shared calls
    assert sum(len(call.batch) for call in calls) == len(sentences)  # no row lost or repeated


@pytest.mark.parametrize("engine", ENGINES)
def test_a_cancelled_request_never_reaches_the_engine(tiny_models, seed_article, generate_spy, monkeypatch, engine):
    translator = _translator(tiny_models, engine)
    first, second = _sentences(seed_article, 2)
    expected = translator.translate(first)
    batcher = translator.model.engine
    calls = generate_spy(batcher.inner)
    release, entered = _hold(batcher, monkeypatch)
    monkeypatch.setattr(batcher, "window_s", 0.001)
    gone = threading.Event()

    def abandoned() -> str:
        with shared.cancel_when(gone.is_set):
            return translator.translate(second)

    with ThreadPoolExecutor(max_workers=batcher.parallel() + 2) as pool:
        kept = _occupy(pool, batcher, entered, lambda: translator.translate(first))  # each lane held in the engine
        dropped = pool.submit(abandoned)
        _wait_for(lambda: batcher.pending() == 1, "the second request queued")
        gone.set()  # its client disconnects while it waits
        release.set()
        assert [future.result() for future in kept] == [expected] * len(kept)
        with pytest.raises(shared.Cancelled):
            dropped.result()
    second_ids = translator.model.encode([second])[0]
    assert calls and all(second_ids not in call.batch for call in calls)
    with shared.cancel_when(lambda: True), pytest.raises(shared.Cancelled):  # gone before it began
        translator.translate(second)
    assert len(calls) == batcher.parallel() + 1
    assert [call.lane for call in calls].count("express") == 1


def _hold(batcher, monkeypatch, lanes=("generate", "express_generate")) -> tuple[threading.Event, list[int]]:
    """Engine calls on ``lanes`` wait for the event returned; the list counts the calls that entered."""
    release, entered = threading.Event(), []
    for lane in lanes:
        spied = getattr(batcher.inner, lane)

        def held(batch, spied=spied, **options):
            entered.append(len(batch))
            release.wait(60)
            return spied(batch, **options)

        monkeypatch.setattr(batcher.inner, lane, held)
    return release, entered


def _occupy(pool: ThreadPoolExecutor, batcher, entered: list[int], work) -> list:
    """Submit ``work`` until every lane holds one call in the engine: each dispatcher's round,
    then the express lane's. Returns the futures."""
    futures = []
    for busy in range(1, batcher.parallel() + 2):
        futures.append(pool.submit(work))
        _wait_for(lambda: len(entered) == busy, "every lane busy in the engine")  # noqa: B023
    return futures


@pytest.mark.parametrize("engine", ENGINES)
def test_without_the_express_lane_a_short_request_joins_the_next_rounds_of_a_long_one(
    tiny_models, seed_article, generate_spy, monkeypatch, engine
):
    translator = _translator(tiny_models, engine)
    monkeypatch.setattr(translator.model.engine, "express", False)
    sentences = _sentences(seed_article, 13)
    long_text, short_text = " ".join(sentences[:12]), sentences[12]
    long_alone, short_alone = translator.translate(long_text), translator.translate(short_text)
    batcher = translator.model.engine
    # a small engine budget: the long request's sentences take many rounds
    budget, _ = batcher.budget(1)
    rows = _bounds(translator, sentences)
    real = batcher.inner.inner
    if engine == "ct2":  # decoder positions: source and bound
        monkeypatch.setattr(real, "max_positions", 2 * max(len(ids) + bound for ids, bound in rows))
    else:  # padded source tokens
        monkeypatch.setattr(real, "max_batch_tokens", 2 * max(len(ids) for ids, _bound in rows))
    if engine == "ct2":
        monkeypatch.setattr(real, "inter_threads", 1)
    assert batcher.budget(1)[0] < budget
    calls = generate_spy(batcher.inner)
    release, entered = _hold(batcher, monkeypatch)
    monkeypatch.setattr(batcher, "window_s", 0.001)
    finished: list[str] = []

    def timed(name: str, text: str) -> str:
        english = translator.translate(text)
        finished.append(name)
        return english

    with ThreadPoolExecutor(max_workers=2) as pool:
        long_future = pool.submit(timed, "long", long_text)
        _wait_for(lambda: len(entered) == batcher.parallel(), "the long request's first rounds in the engine")
        assert batcher.pending() == 1  # and the rest of it queued
        short_future = pool.submit(timed, "short", short_text)
        _wait_for(lambda: batcher.pending() == 2, "the short request queued")
        release.set()
        assert long_future.result() == long_alone
        assert short_future.result() == short_alone
    assert finished == ["short", "long"]
    short_ids = translator.model.encode([short_text])[0]
    carried = next(n for n, call in enumerate(calls) if short_ids in call.batch)
    assert carried <= 2 * batcher.parallel() - 1  # among the next rounds, not after the long request's
    assert len(calls) > carried + 1  # the long request still had rounds to go


@pytest.mark.parametrize("engine", ENGINES)
def test_a_short_request_takes_the_express_lane_while_a_long_one_holds_the_engine(
    tiny_models, seed_article, generate_spy, monkeypatch, engine
):
    translator = _translator(tiny_models, engine)
    sentences = _sentences(seed_article, 13)
    long_text, short_text = " ".join(sentences[:12]), sentences[12]
    long_alone, short_alone = translator.translate(long_text), translator.translate(short_text)
    batcher = translator.model.engine
    rows = _bounds(translator, sentences)
    real = batcher.inner.inner
    # a small budget (an express round fits one sentence): the long request takes many rounds
    if engine == "ct2":  # a sentence a sub-batch
        monkeypatch.setattr(real, "max_positions", max(len(ids) + bound for ids, bound in rows))
    else:  # four sentences a batch (an express round: a quarter)
        monkeypatch.setattr(real, "max_batch_tokens", 4 * max(len(ids) for ids, _bound in rows))
    calls = generate_spy(batcher.inner)
    release, entered = _hold(batcher, monkeypatch, lanes=("generate",))  # the rounds stay in the engine
    monkeypatch.setattr(batcher, "window_s", 0.001)
    reported: list[shared.Round] = []
    shared.add_batch_observer(reported.append)
    with ThreadPoolExecutor(max_workers=2) as pool:
        long_future = pool.submit(translator.translate, long_text)
        _wait_for(lambda: len(entered) == batcher.parallel(), "the long request's rounds in the engine")
        assert batcher.pending() == 1  # the rest of it waits for them
        assert translator.translate(short_text) == short_alone  # answered while the long one is held
        assert not long_future.done()
        release.set()
        assert long_future.result() == long_alone
    shared.remove_batch_observer(reported.append)
    short_ids = translator.model.encode([short_text])[0]
    express = [call for call in calls if call.lane == "express"]
    assert len(express) == 1 and express[0].batch == [short_ids]
    assert [(done.lane, done.rows) for done in reported if done.lane == "express"] == [("express", 1)]
    assert sum(done.rows for done in reported if done.lane == "shared") == 12
    assert all(short_ids not in call.batch for call in calls if call.lane == "generate")


class _EchoEngine:
    """An engine for the scheduler's own tests: each row's "output" is its input; the rounds it
    got are recorded, and each waits for ``release``. 4 source tokens a round."""

    name = "echo"
    max_batch_tokens = 4

    def __init__(self) -> None:
        self.rounds: list[list[list[int]]] = []
        self.release = threading.Event()

    def generate(self, batch, *, max_new_tokens, **options):
        self.rounds.append(batch)
        self.release.wait(60)
        return [list(row) for row in batch]

    def n_best(self, batch, **options):
        raise NotImplementedError


def _send(batcher: shared.SharedBatcher, pool: ThreadPoolExecutor, rows: list[list[int]], client=None, named=None):
    """``rows`` sent from a thread of ``pool``, on behalf of ``client`` (named by the context
    manager ``named(client)``; by default :func:`shared.on_behalf_of`)."""

    # a string made at run time, as the server's addresses are: equal clients, distinct objects
    client = "".join(client) if client is not None else None

    def call():
        with (named or shared.on_behalf_of)(client):
            return batcher.generate(rows, max_new_tokens=[1] * len(rows))

    return pool.submit(call)


def _server_watch(client):
    from translator.server.abandon import Watch, dropped_when_gone

    return dropped_when_gone(Watch(client))


@pytest.mark.parametrize("named", [shared.on_behalf_of, _server_watch], ids=["on_behalf_of", "server_watch"])
def test_rounds_are_shared_out_between_clients_not_calls(named):
    engine = _EchoEngine()
    batcher = shared.SharedBatcher(engine, window_s=0.001)
    with ThreadPoolExecutor(max_workers=4) as pool:
        blocker = _send(batcher, pool, [[9, 9]])
        _wait_for(lambda: len(engine.rounds) == 1, "the first round in the engine")
        a1 = _send(batcher, pool, [[1, 1], [1, 2], [1, 3]], "10.0.0.1", named)
        _wait_for(lambda: batcher.pending() == 1, "a's first call queued")
        a2 = _send(batcher, pool, [[2, 1], [2, 2], [2, 3]], "10.0.0.1", named)
        _wait_for(lambda: batcher.pending() == 2, "a's second call queued")
        b1 = _send(batcher, pool, [[3, 1], [3, 2]], "10.0.0.2", named)
        _wait_for(lambda: batcher.pending() == 3, "b's call queued")
        engine.release.set()
        outputs = [future.result() for future in (blocker, a1, a2, b1)]
    assert outputs == [[[9, 9]], [[1, 1], [1, 2], [1, 3]], [[2, 1], [2, 2], [2, 3]], [[3, 1], [3, 2]]]
    # two rows a round (4 source tokens): one of each client in turn, each client's oldest call first
    assert engine.rounds[1:] == [
        [[1, 1], [3, 1]],
        [[1, 2], [3, 2]],
        [[1, 3], [2, 1]],
        [[2, 2], [2, 3]],
    ]


def test_calls_without_a_client_are_each_a_client_of_their_own():
    engine = _EchoEngine()
    batcher = shared.SharedBatcher(engine, window_s=0.001)
    with ThreadPoolExecutor(max_workers=4) as pool:
        blocker = _send(batcher, pool, [[9, 9]])
        _wait_for(lambda: len(engine.rounds) == 1, "the first round in the engine")
        futures = []
        for n, rows in enumerate(([[1, 1], [1, 2]], [[2, 1], [2, 2]], [[3, 1]]), start=1):
            futures.append(_send(batcher, pool, rows))
            _wait_for(lambda: batcher.pending() == n, "the call queued")  # noqa: B023
        engine.release.set()
        blocker.result()
        assert [future.result() for future in futures] == [[[1, 1], [1, 2]], [[2, 1], [2, 2]], [[3, 1]]]
    assert engine.rounds[1:] == [[[1, 1], [2, 1]], [[3, 1], [1, 2]], [[2, 2]]]


def test_a_burst_of_calls_a_little_apart_is_gathered_into_one_round():
    engine = _EchoEngine()
    engine.release.set()
    engine.max_batch_tokens = 100  # room for every call
    batcher = shared.SharedBatcher(engine, window_s=0.5)
    rows = [[[n, 1]] for n in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = []
        for row in rows:  # each call 0.2 s after the one before: within the window of the last
            futures.append(_send(batcher, pool, row))
            time.sleep(0.2)
        assert [future.result() for future in futures] == rows
    assert engine.rounds == [[row[0] for row in rows]]  # 0.6 s from first to last, one round


def test_a_stream_of_calls_is_not_gathered_for_ever():
    engine = _EchoEngine()
    engine.release.set()
    batcher = shared.SharedBatcher(engine, window_s=0.05)
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = []
        deadline = time.monotonic() + 3 * shared.GATHER_LIMIT * 0.05
        n = 0
        while time.monotonic() < deadline:  # a new call every 10 ms: never a quiet window
            futures.append(_send(batcher, pool, [[n % 50 + 1, 1]]))
            n += 1
            time.sleep(0.01)
        for future in futures:
            future.result()
    assert len(engine.rounds) >= 2  # rounds ran while calls kept coming
    assert sum(len(batch) for batch in engine.rounds) == len(futures)


def _bounds(translator: Translator, sentences: list[str]) -> list[tuple[list[int], int]]:
    opts = translator.options
    ids = translator.model.encode(sentences)
    return [(row, int(opts.max_length_ratio * len(row)) + opts.max_length_offset) for row in ids]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_window_of_zero_gathers_nothing(tiny_models, seed_article, generate_spy, monkeypatch, engine):
    translator = _translator(tiny_models, engine)
    texts = _sentences(seed_article, 3)
    batcher = translator.model.engine
    monkeypatch.setattr(batcher, "window_s", None)
    shared.set_window(0)
    calls = generate_spy(batcher.inner)
    _together(translator, texts)
    assert len(calls) == len(texts)  # one engine call per request, each its own rows
    encoded = sorted(map(tuple, translator.model.encode(texts)))
    assert sorted(tuple(call.batch[0]) for call in calls) == encoded
    assert all(len(call.batch) == 1 for call in calls)
    assert batcher.pending() == 0


def test_the_window_is_checked():
    with pytest.raises(ValueError, match="0 or more"):
        shared.set_window(-1)
    assert shared.window_seconds() == 0


def test_the_server_drops_an_abandoned_request_s_sentences_from_the_queue(
    tiny_models, seed_article, generate_spy, monkeypatch
):
    from translator.server.abandon import Abandoned, Watch
    from translator.server.backend import Backend
    from translator.server.settings import Settings

    monkeypatch.setattr(shared, "set_window", lambda _ms: None)  # the process-wide window stays 0
    backend = Backend(Settings(translation_model=str(tiny_models.marian), translation_cache="off", preload=False))
    assert backend.concurrency == 8  # a window (5 ms by default): requests in at once, sharing batches
    first, second = _sentences(seed_article, 2)
    translator = backend.translator(1, "sl")
    batcher = translator.model.engine
    translator.translate("Dober dan.")  # loaded
    calls = generate_spy(batcher.inner)
    release, entered = _hold(batcher, monkeypatch)
    monkeypatch.setattr(batcher, "window_s", 0.001)
    watch = Watch()
    with ThreadPoolExecutor(max_workers=batcher.parallel() + 2) as pool:

        def run(text: str, watch: Watch):
            return backend.run_documents([[text]], source="sl", num_beams=1, watch=watch)

        kept = _occupy(pool, batcher, entered, lambda: run(first, Watch()))
        dropped = pool.submit(run, second, watch)
        _wait_for(lambda: batcher.pending() == 1, "the second request queued")
        watch.gone.set()  # its client disconnects while its sentence waits in the queue
        release.set()
        assert all(future.result()[0].translation for future in kept)
        with pytest.raises(Abandoned):
            dropped.result()
    second_ids = translator.model.encode([second])[0]
    assert all(second_ids not in call.batch for call in calls)
