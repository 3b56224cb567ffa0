from __future__ import annotations

from collections import OrderedDict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faceter_viewer.core.lru_cache import LruCache


def test_evicts_the_least_recently_used_by_bytes():
    cache: LruCache[str, bytes] = LruCache(100, size_of=len)
    cache.put("a", b"x" * 40)
    cache.put("b", b"x" * 40)
    assert cache.get("a") is not None  # a is now newer than b
    evicted = cache.put("c", b"x" * 40)  # 120 > 100: the oldest (b) goes
    assert evicted == ["b"]
    assert "a" in cache and "c" in cache and "b" not in cache
    assert cache.total_bytes == 80


def test_one_big_entry_evicts_several_small_ones():
    cache: LruCache[int, bytes] = LruCache(100, size_of=len)
    for key in range(10):
        cache.put(key, b"x" * 10)
    assert cache.total_bytes == 100 and len(cache) == 10
    evicted = cache.put(99, b"x" * 75)
    assert evicted == list(range(8))  # 8 of 10 bytes each had to go for 75 bytes
    assert list(cache.keys()) == [8, 9, 99]
    assert cache.stats.evictions == 8


def test_an_entry_larger_than_the_budget_is_refused_and_replaces_nothing():
    cache: LruCache[str, bytes] = LruCache(50, size_of=len)
    cache.put("small", b"x" * 10)
    cache.put("big", b"old")
    assert cache.put("big", b"x" * 51) == ["big"]
    assert "big" not in cache  # the stale value under that key is gone too
    assert cache.get("small") == b"x" * 10
    assert cache.total_bytes == 10


def test_replacing_a_key_counts_its_size_once():
    cache: LruCache[str, bytes] = LruCache(100)
    cache.put("a", b"", size=60)
    cache.put("a", b"", size=30)
    assert cache.total_bytes == 30 and len(cache) == 1


def test_hits_misses_and_peek():
    cache: LruCache[str, int] = LruCache(10)
    cache.put("a", 1, size=1)
    assert cache.get("a") == 1
    assert cache.get("missing") is None
    assert cache.get("missing", -1) == -1
    assert cache.peek("a") == 1 and cache.peek("zzz") is None  # peek counts nothing
    stats = cache.stats
    assert (stats.hits, stats.misses, stats.items, stats.total_bytes) == (1, 2, 1, 1)
    assert stats.hit_ratio == pytest.approx(1 / 3)


def test_peek_does_not_refresh_recency():
    cache: LruCache[str, int] = LruCache(2)
    cache.put("a", 1, size=1)
    cache.put("b", 2, size=1)
    cache.peek("a")
    cache.put("c", 3, size=1)
    assert "a" not in cache  # still the oldest


def test_pop_clear_and_resize():
    cache: LruCache[str, int] = LruCache(10)
    for i, key in enumerate("abcde"):
        cache.put(key, i, size=2)
    assert cache.pop("c") == 2 and cache.total_bytes == 8
    assert cache.resize(4) == ["a", "b"]
    assert cache.total_bytes == 4
    cache.clear()
    assert len(cache) == 0 and cache.total_bytes == 0


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError):
        LruCache(-1)
    cache: LruCache[str, int] = LruCache(10)
    with pytest.raises(ValueError):
        cache.put("a", 1)  # no size and no size_of
    with pytest.raises(ValueError):
        cache.put("a", 1, size=-5)


@given(
    st.integers(0, 200),
    st.lists(
        st.tuples(st.sampled_from(["put", "get", "pop"]), st.integers(0, 15), st.integers(0, 120)),
        max_size=200,
    ),
)
def test_matches_a_reference_model_and_never_exceeds_the_budget(budget, operations):
    cache: LruCache[int, int] = LruCache(budget)
    model: OrderedDict[int, int] = OrderedDict()  # key -> size, oldest first
    for op, key, size in operations:
        if op == "put":
            model.pop(key, None)
            if size <= budget:
                model[key] = size
                while sum(model.values()) > budget:
                    model.popitem(last=False)
            cache.put(key, key * 1000 + size, size=size)
        elif op == "get":
            if key in model:
                model.move_to_end(key)
            cache.get(key)
        else:
            model.pop(key, None)
            cache.pop(key)
        assert cache.total_bytes <= budget
        assert list(cache.keys()) == list(model)
        assert cache.total_bytes == sum(model.values())
