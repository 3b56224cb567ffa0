"""Demo camera events: generated per camera and day, plus the ones clients POST.

Events of every type are spread over the archive, denser by day (8:00-20:00 UTC weighs three
times more), mostly inside recorded intervals (one in ten may fall into a gap, as a real
detector's event can outlive a recording). Events are generated for whole UTC days up to a day
past the anchor and shown only once their startTime has passed, so new ones keep "happening"
while the server runs.

Posted events (POST /v1/cameras/{id}/events) are kept with everything posted: type, instant or
range, attributes, grid, snapshot and objectSnapshot (a JPEG, decoded, or a URL). They are listed
like generated ones, at once (whatever their time), and posting an eventId that is already stored
changes nothing (a retried POST is safe, api-rules §13).

Query semantics (GET /v1/cameras/{id}/events), chosen where the document is silent:
- `startDate`/`endDate` bound the event's startTime, both inclusive (api-rules §5 paging relies
  on this: the narrowed bound brings the boundary events again and the client drops them);
- `mergeInterval=N` (seconds) merges events of the same type whose start is less than N seconds
  after the end of the previous one into one event: the first one's id, startTime and
  attributes, the group's latest endTime, `mergedEventsCount` = group size. Groups are formed
  over the camera's whole event stream (of the asked types) and a group is listed when its
  startTime is in the window, so that a merged event is the same whatever window a page asks
  for (§5 paging narrows the window page by page). It is applied before `limit`;
- `sortOrder` None (or absent) means Desc, newest first; ties in startTime are ordered by id;
- `limit` defaults to 100 and is capped at 1000; `hasMore` says more matched.
"""

from __future__ import annotations

import bisect
import random
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from faceter_viewer.api.models import EventGrid, EventType, SortOrder
from faceter_viewer.demo.archive import ArchiveLayout
from faceter_viewer.demo.dataset import DAY, CameraSpec

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

# (type, weight, min duration s, max duration s)
_TYPES: list[tuple[str, int, int, int]] = [
    (EventType.MOTION, 34, 4, 90),
    (EventType.HUMAN, 15, 3, 60),
    (EventType.VEHICLE, 10, 3, 40),
    (EventType.LINE_CROSSING, 6, 1, 2),
    (EventType.INTRUSION, 4, 5, 120),
    (EventType.PEOPLE_COUNTING, 5, 30, 300),
    (EventType.LICENSE_PLATE, 6, 1, 3),
    (EventType.PET, 5, 3, 45),
    (EventType.PERSONAL_MOBILITY_VEHICLE, 3, 2, 20),
    (EventType.FACE, 8, 1, 4),
    (EventType.CUSTOM, 4, 1, 30),
]
_HOUR_WEIGHTS = [1] * 8 + [3] * 12 + [1] * 4
_NAMES = ["Anna", "Boris", "Chen", "Dina", "Emil", "Farah", "Unknown"]


Snapshot = bytes | str
"""A posted snapshot: the JPEG itself (posted as base64) or the URL posted."""


@dataclass(frozen=True, slots=True)
class DemoEvent:
    id: str
    camera_id: str
    type: str
    start: float  # epoch seconds
    end: float
    attributes: dict[str, str] = field(default_factory=dict, hash=False)
    merged_count: int = 1
    # what only a posted event has
    posted: bool = False
    instant: bool = False
    grid: EventGrid | None = field(default=None, hash=False)
    snapshot: Snapshot | None = field(default=None, hash=False, repr=False)
    object_snapshot: Snapshot | None = field(default=None, hash=False, repr=False)


def generate_events(camera: CameraSpec, layout: ArchiveLayout, anchor: int) -> list[DemoEvent]:
    """Every generated event of a camera, sorted by (start, id)."""
    first, last = layout.first_start(), anchor + DAY
    if not camera.is_online and camera.last_online is not None:
        last = camera.last_online
    intervals = layout.intervals(last)
    events: list[DemoEvent] = []
    types = [t[0] for t in _TYPES]
    weights = [t[1] for t in _TYPES]
    durations = {t[0]: (t[2], t[3]) for t in _TYPES}
    per_day_rng = random.Random(f"{camera.seed}/rate")
    per_day = per_day_rng.randint(300, 600)
    for day in range(first // DAY, last // DAY + 1):
        rng = random.Random(f"{camera.seed}/events/{day}")
        for _ in range(per_day):
            # Nine in ten must be archived: draw again (a few times) when one falls in a gap.
            tries = 8 if rng.random() < 0.9 else 1
            for _ in range(tries):
                hour = rng.choices(range(24), _HOUR_WEIGHTS)[0]
                start = day * DAY + hour * 3600 + rng.randrange(3600)
                if _archived(start, intervals):
                    break
            kind = rng.choices(types, weights)[0]
            if not first <= start < last:
                continue
            lo, hi = durations[kind]
            events.append(
                DemoEvent(
                    id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    camera_id=camera.id,
                    type=kind,
                    start=float(start),
                    end=float(start + rng.randint(lo, hi)),
                    attributes=_attributes(rng, kind),
                )
            )
    events.sort(key=lambda e: (e.start, e.id))
    return events


def _archived(t: int, intervals: list[tuple[int, int]]) -> bool:
    i = bisect.bisect_right(intervals, (t, float("inf"))) - 1
    return i >= 0 and intervals[i][0] <= t < intervals[i][1]


def _attributes(rng: random.Random, kind: str) -> dict[str, str]:
    attributes = {"confidence": f"{rng.uniform(0.55, 0.99):.2f}"}
    if kind == EventType.LICENSE_PLATE:
        letters = "ABEKMHOPCTYX"
        plate = f"{rng.choice(letters)}{rng.randrange(1000):03d}{rng.choice(letters)}{rng.choice(letters)}"
        attributes["plate"] = plate
    elif kind == EventType.FACE:
        attributes["person"] = rng.choice(_NAMES)
    elif kind == EventType.PEOPLE_COUNTING:
        attributes["count"] = str(rng.randint(1, 25))
    elif kind == EventType.LINE_CROSSING:
        attributes["direction"] = rng.choice(["in", "out"])
    elif kind == EventType.VEHICLE:
        attributes["class"] = rng.choice(["car", "truck", "bus", "van"])
    elif kind == EventType.CUSTOM:
        attributes["source"] = rng.choice(["door sensor", "panic button", "integration"])
    return attributes


@dataclass
class EventQuery:
    types: frozenset[str] | None = None
    start: float | None = None
    end: float | None = None
    merge_interval: int | None = None
    limit: int = DEFAULT_LIMIT
    sort: str = SortOrder.DESC


class EventStore:
    """Generated events (made on first use, kept for the most recently used cameras) and posted
    ones. Thread-safe."""

    def __init__(self, layouts, anchor: int, cache_cameras: int = 64) -> None:
        self._layouts = layouts  # callable: CameraSpec -> ArchiveLayout
        self._anchor = anchor
        self._cache_cameras = cache_cameras
        self._lock = threading.Lock()
        self._generated: OrderedDict[str, tuple[list[DemoEvent], list[float]]] = OrderedDict()
        self._posted: dict[str, dict[str, DemoEvent]] = {}

    def generated(self, camera: CameraSpec) -> tuple[list[DemoEvent], list[float]]:
        with self._lock:
            cached = self._generated.get(camera.id)
            if cached is not None:
                self._generated.move_to_end(camera.id)
                return cached
        events = generate_events(camera, self._layouts(camera), self._anchor)
        cached = (events, [e.start for e in events])
        with self._lock:
            self._generated[camera.id] = cached
            while len(self._generated) > self._cache_cameras:
                self._generated.popitem(last=False)
        return cached

    def add(self, event: DemoEvent) -> bool:
        """Store a posted event; False (and nothing changed) if its id was already posted."""
        with self._lock:
            posted = self._posted.setdefault(event.camera_id, {})
            if event.id in posted:
                return False
            posted[event.id] = event
            return True

    def posted_event(self, camera_id: str, event_id: str) -> DemoEvent | None:
        with self._lock:
            return self._posted.get(camera_id, {}).get(event_id)

    def query(self, camera: CameraSpec, query: EventQuery, now: float) -> tuple[list[DemoEvent], bool]:
        """(events of the page, hasMore)."""
        events, starts = self.generated(camera)
        with self._lock:
            posted = list(self._posted.get(camera.id, {}).values())
        if query.merge_interval:
            # Merge the whole stream, then keep the groups starting in the window (see the module
            # docstring): a merged event must not change with the window a page asks for.
            stream = _of_types(events[: bisect.bisect_right(starts, now)] + posted, query.types)
            stream.sort(key=lambda e: (e.start, e.id))
            matched = [e for e in merge_events(stream, query.merge_interval) if _in_window(e, query)]
        else:
            lo = 0 if query.start is None else bisect.bisect_left(starts, query.start)
            upper = now if query.end is None else min(now, query.end)
            hi = bisect.bisect_right(starts, upper)
            matched = _of_types(events[lo:hi] + [e for e in posted if _in_window(e, query)], query.types)
            matched.sort(key=lambda e: (e.start, e.id))
        if query.sort != SortOrder.ASC:
            matched.reverse()
        return matched[: query.limit], len(matched) > query.limit


def _of_types(events: list[DemoEvent], types: frozenset[str] | None) -> list[DemoEvent]:
    return list(events) if types is None else [e for e in events if e.type in types]


def _in_window(event: DemoEvent, query: EventQuery) -> bool:
    """startDate/endDate bound the startTime, both inclusive."""
    return (query.start is None or event.start >= query.start) and (query.end is None or event.start <= query.end)


def merge_events(events: list[DemoEvent], interval: float) -> list[DemoEvent]:
    """Merge same-type events closer than `interval` seconds (see the module docstring).
    `events` is sorted by start; so is the result."""
    open_groups: dict[str, int] = {}  # type -> index in result of its current group
    result: list[DemoEvent] = []
    for event in events:
        index = open_groups.get(event.type)
        if index is not None and event.start - result[index].end < interval:
            group = result[index]
            result[index] = replace(group, end=max(group.end, event.end), merged_count=group.merged_count + 1)
            continue
        open_groups[event.type] = len(result)
        result.append(event)
    return result
