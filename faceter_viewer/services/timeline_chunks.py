"""The pieces TimelineDataService is made of that need no Qt: the chunk grid, the cached data of a
chunk, the event-type table, and the loaders that run on worker threads.

Chunk grid: aligned blocks [k·size, (k+1)·size) of epoch seconds. The sizes nest (each divides
the next), so a chunk of one zoom is always inside exactly one chunk of every coarser zoom:
data loaded zoomed out answers for any chunk inside it when zooming in.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from faceter_viewer.api import errors
from faceter_viewer.api.archive import ArchiveClient
from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.api.models import Event, EventType

# Chunk sizes: 15 min, 1 h, 6 h, 1 day, 8 days, 32 days (each a multiple of the previous one).
CHUNK_SIZES: tuple[int, ...] = (900, 3600, 21600, 86400, 8 * 86400, 32 * 86400)
MARGIN = 0.5  # wanted = visible range plus half a span either side (a pan step is shown at once)
SETTLE_SECONDS = 120.0  # a chunk that ended less than this before its load may still grow

ARCHIVE, RECORDINGS, EVENTS = "archive", "recordings", "events"  # sources and cache kinds


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


# --- data -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntervalData:
    starts: np.ndarray  # float64 epoch seconds, sorted, merged
    ends: np.ndarray

    @classmethod
    def empty(cls) -> IntervalData:
        return cls(np.empty(0), np.empty(0))

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def nbytes(self) -> int:
        return 256 + self.starts.nbytes + self.ends.nbytes

    def clipped(self, lo: float, hi: float) -> IntervalData:
        first = int(np.searchsorted(self.ends, lo, "right"))
        last = int(np.searchsorted(self.starts, hi, "left"))
        starts = np.maximum(self.starts[first:last], lo)
        ends = np.minimum(self.ends[first:last], hi)
        keep = ends > starts
        return IntervalData(starts[keep], ends[keep])

    def with_tail(self, tail: IntervalData, since: float) -> IntervalData:
        """This data before `since`, then `tail` (a fresh load of [since, chunk end))."""
        head = self.clipped(-math.inf, since)
        return merge_intervals(np.concatenate([head.starts, tail.starts]), np.concatenate([head.ends, tail.ends]))


def merge_intervals(starts: np.ndarray, ends: np.ndarray) -> IntervalData:
    """Sorted, with overlapping and touching intervals merged (chunk borders disappear)."""
    s = np.asarray(starts, dtype=np.float64)
    e = np.asarray(ends, dtype=np.float64)
    keep = e > s
    s, e = s[keep], e[keep]
    if len(s) == 0:
        return IntervalData.empty()
    order = np.argsort(s, kind="stable")
    s, e = s[order], np.maximum.accumulate(e[order])
    new_run = np.empty(len(s), dtype=bool)
    new_run[0] = True
    new_run[1:] = s[1:] > e[:-1]
    first = np.flatnonzero(new_run)
    last = np.append(first[1:] - 1, len(s) - 1)
    return IntervalData(s[first], e[last])


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


@dataclass(frozen=True)
class Entry:
    """One cached load: a chunk's data (chunk None: all time, as /recordings answers)."""

    chunk: Chunk | None
    loaded_at: float  # wall-clock time the request was made: the data is complete up to here
    data: IntervalData | EventData

    @property
    def nbytes(self) -> int:
        return self.data.nbytes

    def usable(self, now: float, refresh_seconds: float) -> bool:
        """No need to load again: the chunk was over when loaded, or the load is recent."""
        if self.chunk is not None and self.chunk.end <= self.loaded_at - SETTLE_SECONDS:
            return True
        # 0.8: a refresh tick that comes a hair early still finds the entry stale.
        return now - self.loaded_at < 0.8 * refresh_seconds


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


# --- loaders (worker threads) -----------------------------------------------------------------


def load_timeline(archive: ArchiveClient, chunk: Chunk, since: float | None = None) -> IntervalData:
    """The chunk's intervals, or only those from `since` on (a refresh of its tail)."""
    intervals = archive.timeline(chunk.start if since is None else since, chunk.end)
    starts = np.array([i.time / 1000 for i in intervals], dtype=np.float64)  # §16: milliseconds
    ends = np.array([(i.time + i.duration) / 1000 for i in intervals], dtype=np.float64)
    return merge_intervals(starts, ends)


def load_recordings(client: IntegrationClient, camera_id: str) -> IntervalData:
    recordings = client.list_recordings(camera_id)
    starts = np.array([r.start_date.timestamp() for r in recordings], dtype=np.float64)
    return merge_intervals(starts, starts + np.array([r.duration_seconds for r in recordings], dtype=np.float64))


def load_events(
    client: IntegrationClient,
    camera_id: str,
    chunk: Chunk,
    types: EventTypeTable,
    page_size: int,
    cap: int,
    since: float | None = None,
    ticket=None,
) -> EventData | None:
    """Every event with chunk.start (or `since`) ≤ startTime < chunk.end (the end bound of the
    API is inclusive, so an event exactly on the border belongs to the next chunk only). None
    when cancelled: the range is no longer shown."""
    events: list[Event] = []
    first = chunk.start if since is None else since
    start, end = datetime.fromtimestamp(first, UTC), datetime.fromtimestamp(chunk.end, UTC)
    for event in client.iter_events(camera_id, start=start, end=end, page_size=page_size, max_items=cap + 1):
        if ticket is not None and ticket.cancelled:
            return None  # checked per event, but only a new page costs a request
        events.append(event)
    truncated = len(events) > cap
    times = np.array([e.start_time.timestamp() for e in events], dtype=np.float64)
    keep = np.flatnonzero((times >= first) & (times < chunk.end))
    keep = keep[np.argsort(times[keep], kind="stable")]
    keep = keep[-cap:]  # pages come newest first: past the cap, the oldest are the ones missing
    kept = [events[i] for i in keep]
    return EventData(times[keep], types.codes_for([e.type for e in kept]), kept, truncated)


def user_message(exc: BaseException, kind: str) -> str:
    """What the user reads for a failed load."""
    what = "events" if kind == EVENTS else "archive"
    if isinstance(exc, errors.PermissionDeniedError):
        return "No access to this camera's events" if kind == EVENTS else "No archive access for this camera"
    if isinstance(exc, errors.AuthenticationError):
        return "The integration key was rejected"
    if isinstance(exc, errors.NetworkError):
        return f"Could not load the {what}: the service cannot be reached"
    if isinstance(exc, errors.FaceterError):
        return f"Could not load the {what}: {exc.message}"
    return f"Could not load the {what}: {type(exc).__name__}"
