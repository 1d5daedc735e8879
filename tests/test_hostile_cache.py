"""The translation cache is no oracle across API keys: against a real server that requires keys,
a sentence one key had translated is a cache hit for that key only; another key's call goes to
the model (a miss), so neither its answer time nor the cache metrics tell it what others sent.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from hostile import start

from translator.core.cache import ScopedCache, SqliteCache
from translator.core.cache.base import CachedPiece
from translator.server import metrics

pytestmark = pytest.mark.slow  # a real server on a free port


@pytest.fixture(scope="module")
def keyed(tiny_models, tmp_path_factory):
    folder = tmp_path_factory.mktemp("keyed-cache")
    keys = folder / "keys.txt"
    keys.write_text("alice-key\nbob-key\n", encoding="utf-8")
    demo = start(
        tiny_models,
        api_keys_file=str(keys),
        require_api_key=True,
        translation_cache=str(folder / "tc.sqlite"),
        metrics=True,
    )
    yield demo.local_url
    demo.close()


def counts() -> tuple[float, float, float]:
    """Cache hits, misses, and the translation model's engine calls so far."""
    sample = metrics.REGISTRY.get_sample_value
    return (
        sample("translator_cache_hits_total") or 0.0,
        sample("translator_cache_misses_total") or 0.0,
        sample("translator_model_seconds_count", {"model": "translation"}) or 0.0,
    )


def translate(url: str, text: str, key: str) -> str:
    answer = httpx.post(url + "translate", json={"q": text, "source": "sl", "target": "en", "api_key": key}, timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()["translatedText"]


def test_a_sentence_cached_for_one_key_is_a_miss_for_another(keyed):
    sentence = f"Vlada je v četrtek sprejela predlog številka {uuid.uuid4().int % 10**9}."
    first = translate(keyed, sentence, "alice-key")
    before = counts()
    assert translate(keyed, sentence, "alice-key") == first  # the same key: from the cache
    after_alice = counts()
    assert after_alice[0] - before[0] == 1 and after_alice[2] == before[2]
    assert translate(keyed, sentence, "bob-key") == first  # another key: the model again
    after_bob = counts()
    assert after_bob[0] == after_alice[0], "bob's call must not hit alice's entry"
    assert after_bob[1] - after_alice[1] == 1 and after_bob[2] > after_alice[2]
    assert translate(keyed, sentence, "bob-key") == first  # and then bob's own entry
    assert counts()[0] - after_bob[0] == 1


def test_a_scoped_cache_reads_only_its_own_entries(tmp_path):
    shared = SqliteCache(tmp_path / "tc.sqlite")
    alice, bob = ScopedCache(shared, "alice-key"), ScopedCache(shared, "bob-key")
    alice.put_many({"k": CachedPiece("Hello.")})
    assert alice.get_many(["k"]) == {"k": CachedPiece("Hello.")}
    assert bob.get_many(["k"]) == {} and shared.get_many(["k"]) == {}
    assert shared.stats().entries == 1 and (shared.hits, shared.misses) == (1, 2)  # one cache, one count
