"""The chunk grid the timeline data is loaded and cached by, and the cached data of a chunk.

Chunk grid: aligned blocks [k·size, (k+1)·size) of epoch seconds. The sizes nest (each divides
the next), so a chunk of one zoom is always inside exactly one chunk of every coarser zoom:
data loaded zoomed out answers for any chunk inside it when zooming in.

A chunk's archive is an `ArchiveIntervals` (core/timeline/intervals.py); its events are an
`EventData`. Both offer `nbytes` (for the cache budget) and `with_tail` (a refresh of the chunk
holding "now" loads only its tail and joins it to what was loaded before).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from faceter_viewer.api.enums import EventType
from faceter_viewer.core.timeline.intervals import ArchiveIntervals

if TYPE_CHECKING:  # pydantic loads with the API client, not with this module
    from faceter_viewer.api.models import Event

# Chunk sizes: 15 min, 1 h, 6 h, 1 day, 8 days, 32 days (each a multiple of the previous one).
CHUNK_SIZES: tuple[int, ...] = (900, 3600, 21600, 86400, 8 * 86400, 32 * 86400)
MARGIN = 0.5  # wanted = visible range plus half a span either side (a pan step is shown at once)
SETTLE_SECONDS = 120.0  # a chunk that ended less than this before its load may still grow


@dataclass(frozen=True, order=True)
class Chunk:
    size: int
    index: int

    @property
    def start(self) -> float:
        return float(self.index * self.size)

    @property
    def end(self) -> float:
        return float((self.index + 1) * self.size)

    def contains(self, other: Chunk) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: Chunk) -> bool:
        return self.start < other.end and other.start < self.end

    def self_and_ancestors(self) -> Iterator[Chunk]:
        for size in CHUNK_SIZES:
            if size >= self.size:
                yield Chunk(size, math.floor(self.start / size))


def chunk_size_for(span: float) -> int:
    """The smallest chunk at least as long as the visible span (the largest beyond 32 days)."""
    return next((size for size in CHUNK_SIZES if size >= span), CHUNK_SIZES[-1])


def wanted_chunks(start: float, end: float, margin: float = MARGIN) -> list[Chunk]:
    """The chunks to show for a visible [start, end): the visible ones first, nearest to the
    middle first, then those of the margin. At most four."""
    span = end - start
    size = chunk_size_for(span)
    lo, hi = start - margin * span, end + margin * span
    chunks = [Chunk(size, k) for k in range(math.floor(lo / size), math.ceil(hi / size))]
    middle = (start + end) / 2

    def urgency(chunk: Chunk) -> tuple[bool, float]:
        visible = chunk.start < end and start < chunk.end
        return not visible, abs((chunk.start + chunk.end) / 2 - middle)

    return sorted(chunks, key=urgency)


# --- events of a chunk ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EventData:
    times: np.ndarray  # float64 startTime epoch seconds, sorted
    codes: np.ndarray  # int16 index into EventTypeTable.names
    events: list[Event] = field(default_factory=list)
    truncated: bool = False  # the load stopped at its cap

    BYTES_PER_EVENT = 1200  # the Event model (about 1 KB) plus its share of the arrays

    @classmethod
    def empty(cls) -> EventData:
        return cls(np.empty(0), np.empty(0, dtype=np.int16), [])

    def __len__(self) -> int:
        return len(self.times)

    @property
    def nbytes(self) -> int:
        return 256 + len(self.times) * self.BYTES_PER_EVENT

    def sliced(self, lo: float, hi: float) -> EventData:
        """Events with lo ≤ startTime < hi."""
        a, b = int(np.searchsorted(self.times, lo, "left")), int(np.searchsorted(self.times, hi, "left"))
        return EventData(self.times[a:b], self.codes[a:b], self.events[a:b], self.truncated)

    def with_tail(self, tail: EventData, since: float) -> EventData:
        """This data before `since`, then `tail` (a fresh load of [since, chunk end))."""
        return concat_events([self.sliced(-math.inf, since), tail])


def concat_events(parts: Sequence[EventData]) -> EventData:
    """Disjoint parts in time order, joined."""
    if not parts:
        return EventData.empty()
    return EventData(
        np.concatenate([p.times for p in parts]),
        np.concatenate([p.codes for p in parts]).astype(np.int16, copy=False),
        [event for p in parts for event in p.events],
        any(p.truncated for p in parts),
    )


class EventTypeTable:
    """Event type name <-> int16 code. Known types first in EventType order, unknown ones
    appended as they appear. Codes never change, so arrays made earlier stay valid.
    Thread-safe: the loaders code their events on worker threads."""

    def __init__(self) -> None:
        self._names = [str(t) for t in EventType]
        self._codes = {name: i for i, name in enumerate(self._names)}
        self._lock = threading.Lock()

    @property
    def names(self) -> list[str]:
        with self._lock:
            return list(self._names)

    def codes_for(self, names: Sequence[str]) -> np.ndarray:
        with self._lock:
            codes = []
            for name in names:
                code = self._codes.get(name)
                if code is None:
                    code = self._codes[name] = len(self._names)
                    self._names.append(name)
                codes.append(code)
        return np.asarray(codes, dtype=np.int16)


# --- the cache ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One cached load: a chunk's data (chunk None: all time, as /recordings answers)."""

    chunk: Chunk | None
    loaded_at: float  # wall-clock time the request was made: the data is complete up to here
    data: ArchiveIntervals | EventData

    @property
    def nbytes(self) -> int:
        return self.data.nbytes

    def usable(self, now: float, refresh_seconds: float) -> bool:
        """No need to load again: the chunk was over when loaded, or the load is recent."""
        if self.chunk is not None and self.chunk.end <= self.loaded_at - SETTLE_SECONDS:
            return True
        # 0.8: a refresh tick that comes a hair early still finds the entry stale.
        return now - self.loaded_at < 0.8 * refresh_seconds
