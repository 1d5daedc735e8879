"""The admission budget: document work beyond the server's memory budget, or more requests than
it lets wait, are answered 503 with Retry-After at once, never queued into an out-of-memory."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from hostile import SLOVENIAN, refusal, start

from translator.options import ServerLimits
from translator.server.admission import Admission, Busy, file_cost, text_cost

pytestmark = pytest.mark.slow  # a real server on a free port


def test_the_budget_counts_bytes_and_places():
    budget = Admission(budget_bytes=1000, max_waiting=2, retry_after=7)
    with budget.admit(600):
        with pytest.raises(Busy) as caught:
            with budget.admit(600):
                pass
        assert caught.value.retry_after == 7
        with budget.admit(300):
            with pytest.raises(Busy, match="Too many requests"):
                with budget.admit(1):
                    pass
    assert budget.reserved == 0 and budget.waiting == 0
    with budget.admit(5000):  # larger than the whole budget: runs alone
        assert budget.reserved == 5000
    assert file_cost("a.docx", 10, 2**20) > file_cost("a.txt", 10, 2**20)
    assert text_cost(1000) > 1000


@pytest.fixture(scope="module")
def demo(tiny_models):
    # one request per model at a time: the tests hold the model's gate to keep requests waiting
    demo = start(tiny_models, concurrency=1, limits=ServerLimits(max_waiting=1, retry_after_s=3))
    yield demo
    demo.close()


def test_a_request_past_the_waiting_places_is_503_with_retry_after(demo):
    gate = demo.backend._gates["translation"]
    gate.acquire()  # the model is busy: the first request is admitted and waits for it
    first: list[httpx.Response] = []
    caller = threading.Thread(
        target=lambda: first.append(
            httpx.post(demo.local_url + "translate", json={"q": SLOVENIAN, "source": "sl", "target": "en"}, timeout=60)
        )
    )
    try:
        caller.start()
        admission = demo.server.config.app.state.rest.admission
        deadline = time.monotonic() + 30
        while admission.waiting < 1:  # until the first request holds its place, waiting for the model
            assert time.monotonic() < deadline, "the first request never reached the model"
            time.sleep(0.02)
        busy = httpx.post(
            demo.local_url + "translate", json={"q": SLOVENIAN, "source": "sl", "target": "en"}, timeout=60
        )
        assert "Too many requests" in refusal(busy, 503)
        assert busy.headers["retry-after"] == "3"
    finally:
        gate.release()
    caller.join(60)
    assert first and first[0].status_code == 200
    again = httpx.post(demo.local_url + "translate", json={"q": SLOVENIAN, "source": "sl", "target": "en"}, timeout=60)
    assert again.status_code == 200
