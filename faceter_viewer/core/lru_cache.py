"""A least-recently-used cache bounded by the total size of what it holds, not by a count.

Thumbnails and timeline chunks differ wildly in size (a 10 KB JPEG, a 1 MB decoded frame, a
chunk of 50,000 events), so a count bound would either waste memory or hold almost nothing. Each
entry is stored with its size in bytes (given by the caller or by `size_of`); putting an entry
evicts the least recently used ones until the total fits again. An entry larger than the whole
budget is refused rather than emptying the cache for nothing.

Pure Python (no Qt): the values are opaque to it. Not thread-safe on purpose: the services use
each cache from one thread (the GUI thread), and a lock there would only hide a design mistake.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    evictions: int
    items: int
    total_bytes: int
    max_bytes: int

    @property
    def hit_ratio(self) -> float:
        asked = self.hits + self.misses
        return self.hits / asked if asked else 0.0


class LruCache(Generic[K, V]):
    def __init__(self, max_bytes: int, size_of: Callable[[V], int] | None = None) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must not be negative, got {max_bytes}")
        self._max_bytes = max_bytes
        self._size_of = size_of
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._total = 0
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    # --- reading ------------------------------------------------------------------------------

    def get(self, key: K, default: V | None = None) -> V | None:
        """The value (now the most recently used), or `default`; counts a hit or a miss."""
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return default
        self.hits += 1
        self._entries.move_to_end(key)
        return entry[0]

    def peek(self, key: K, default: V | None = None) -> V | None:
        """The value without touching its recency or the statistics."""
        entry = self._entries.get(key)
        return default if entry is None else entry[0]

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> Iterator[K]:
        """Keys from the least to the most recently used (a snapshot: safe to mutate while iterating)."""
        return iter(list(self._entries))

    def size_of_entry(self, key: K) -> int:
        entry = self._entries.get(key)
        return 0 if entry is None else entry[1]

    @property
    def total_bytes(self) -> int:
        return self._total

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    @property
    def stats(self) -> CacheStats:
        return CacheStats(self.hits, self.misses, self.evictions, len(self._entries), self._total, self._max_bytes)

    # --- writing ------------------------------------------------------------------------------

    def put(self, key: K, value: V, size: int | None = None) -> list[K]:
        """Store `value` as the most recently used entry and evict until the total fits.

        Returns the keys evicted to make room. An entry larger than `max_bytes` is not stored
        (an older entry under the same key is removed, since it is stale now) and its own key
        is returned as "evicted"."""
        if size is None:
            if self._size_of is None:
                raise ValueError("put() needs a size when the cache has no size_of function")
            size = self._size_of(value)
        if size < 0:
            raise ValueError(f"an entry cannot have a negative size ({size})")
        self.pop(key)
        if size > self._max_bytes:
            return [key]
        self._entries[key] = (value, size)
        self._total += size
        return self._evict_to(self._max_bytes)

    def pop(self, key: K, default: V | None = None) -> V | None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return default
        self._total -= entry[1]
        return entry[0]

    def clear(self) -> None:
        self._entries.clear()
        self._total = 0

    def resize(self, max_bytes: int) -> list[K]:
        """Change the budget; evicts at once if the cache holds more than the new one."""
        if max_bytes < 0:
            raise ValueError(f"max_bytes must not be negative, got {max_bytes}")
        self._max_bytes = max_bytes
        return self._evict_to(max_bytes)

    def _evict_to(self, budget: int) -> list[K]:
        evicted: list[K] = []
        while self._total > budget and self._entries:
            key, (_, size) = self._entries.popitem(last=False)
            self._total -= size
            self.evictions += 1
            evicted.append(key)
        return evicted
