"""The timeline's data: archive intervals and events of one camera, loaded in the background for
the visible range (plus a margin), cached by chunk, refreshed near "now".

The widget calls `request_range(start, end)` on every zoom and pan step; that call only stores
the range and arms two timers: a zero-delay one that shows what the cache holds for the new range
(any number of calls within one event-loop turn cost one pass), and a short debounce (40 ms,
restarted by each call, never holding loads back more than 250 ms) before loads start, so the
zoom levels a wheel sweep passes through are not each loaded.

Planning works on a grid of aligned chunks whose size follows the zoom (core/timeline/chunks.py):
the chunks touching the visible range plus half a span either side are wanted; a chunk is loaded
unless a cached chunk containing it (itself or a coarser ancestor) is usable, so panning back and
zooming in reuse the cache without a request. A chunk holding "now" is refreshed by loading only
its tail (since a little before its last load) and joining it to what was loaded before. Each kind (intervals, events) has at most one load
running, always for the most urgent chunk of the LATEST range (latest wins per kind; an events
load whose chunk is no longer wanted stops between pages).

Intervals come from the Archive API `timeline`; when the Archive API does not serve it (no grant,
no Archive API address, an error answer) the service switches to GET /recordings for this
camera and says so with `source_changed("recordings")`. `retry()` (or `set_camera`) tries the
archive again. A load that got no answer (the service unreachable: services/connectivity.py)
changes nothing shown: the known archive stays, and the load is asked again on `recovered`.
Events of all types come from GET /events across pages (api-rules §5), at most `max_events`
per range (each chunk load is capped at half of that).

Signals (GUI thread):
    intervals_changed(starts, ends)   float64 epoch seconds, sorted, merged; the wanted range
    events_changed(times, type_codes, type_names)
                                      float64 sorted; int16 codes index into type_names, known
                                      EventType values first (enum order), unknown ones appended
                                      as they appear (codes stay valid for the service's life)
    loading_changed(bool)             a load is running / all done
    failed(str, str)                  a user message ("No archive access for this camera", ...) and its details
    source_changed(LoadKind)          ARCHIVE | RECORDINGS (StrEnum: equal to "archive", "recordings")
Each changes only when the data behind the wanted range changed (not on every request_range).
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from faceter_viewer.api import errors
from faceter_viewer.api.models import Camera, Event
from faceter_viewer.core.lru_cache import LruCache
from faceter_viewer.core.timeline.chunks import (
    SETTLE_SECONDS,
    Chunk,
    Entry,
    EventData,
    EventTypeTable,
    concat_events,
    wanted_chunks,
)
from faceter_viewer.core.timeline.events_binning import EventSeries
from faceter_viewer.core.timeline.intervals import ArchiveIntervals
from faceter_viewer.services.explain import explain
from faceter_viewer.services.session import Session
from faceter_viewer.services.tasks import Ticket
from faceter_viewer.services.timeline_loaders import (
    ARCHIVE,
    EVENTS,
    RECORDINGS,
    LoadKind,
    load_events,
    load_recordings,
    load_timeline,
    user_message,
)

log = logging.getLogger("faceter_viewer.services.timeline_data")

MiB = 1024 * 1024
REFRESH_SECONDS = 30.0
MAX_EVENTS = 200_000
EVENTS_PAGE_SIZE = 1000  # the most the service gives in one page
CACHE_BYTES = 256 * MiB
LOAD_DELAY_MS = 40
LOAD_MAX_WAIT_MS = 250

CacheKey = tuple[str, str, Chunk | None]  # (camera id, source kind, chunk; None = all time)


class TimelineDataService(QObject):
    intervals_changed = Signal(object, object)
    events_changed = Signal(object, object, list)
    loading_changed = Signal(bool)
    failed = Signal(str, str)  # a user message, its details
    source_changed = Signal(object)  # LoadKind.ARCHIVE or LoadKind.RECORDINGS

    def __init__(
        self,
        session: Session,
        parent: QObject | None = None,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        max_events: int = MAX_EVENTS,
        events_page_size: int = EVENTS_PAGE_SIZE,
        cache_bytes: int = CACHE_BYTES,
        clock=time.time,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._clock = clock
        self._refresh_seconds = refresh_seconds
        self._page_size = events_page_size
        # A chunk's events must fit the cache, or the planner would load it again and again.
        self._chunk_event_cap = max(1, min(max_events // 2, cache_bytes // (2 * EventData.BYTES_PER_EVENT)))
        # Loads run on the session's shared pool (about 8 workers for every camera's services):
        # this service has at most one intervals and one events load running, plus perhaps an
        # events load still winding down after a cancel (it stops at its next page).
        self._runner = session.runner
        # Deleted without close() (its parent went first): its loads must not call back into it.
        runner, keys = self._runner, [self._task_key(slot) for slot in ("intervals", "events")]
        self.destroyed.connect(lambda *_: [runner.cancel(key) for key in keys])
        self._cache: LruCache[CacheKey, Entry] = LruCache(cache_bytes)
        self._types = EventTypeTable()
        self._camera: Camera | None = None
        self._closed = False
        self._range: tuple[float, float] | None = None
        self._source = ARCHIVE
        self._in_flight: dict[str, tuple[CacheKey, Ticket]] = {}  # "intervals"/"events" -> load
        # Kinds whose last load failed: not asked again before the next refresh tick (or retry),
        # so one failure is one message, not one per chunk or a request loop.
        self._paused: set[str] = set()
        self._shown: dict[str, tuple] = {}  # kind -> signature of what was last emitted
        self._shown_intervals = ArchiveIntervals.empty()
        self._shown_events = EventData.empty()
        self._loading = False
        self._active = True
        self._plan_timer = QTimer(self)
        self._plan_timer.setSingleShot(True)
        self._plan_timer.setInterval(0)
        self._plan_timer.timeout.connect(self._plan)
        self._load_timer = QTimer(self)  # the debounce before loads for a moving range
        self._load_timer.setSingleShot(True)
        self._load_timer.setInterval(LOAD_DELAY_MS)
        self._load_timer.timeout.connect(self._plan)
        self._load_armed_at = 0.0
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(max(1, round(refresh_seconds * 1000)))
        self._refresh_timer.timeout.connect(self._on_refresh_timer_timeout)
        session.connectivity.recovered.connect(self._on_connectivity_recovered)

    # --- public -------------------------------------------------------------------------------

    @property
    def camera(self) -> Camera | None:
        return self._camera

    @property
    def source(self) -> LoadKind:
        return self._source

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def idle(self) -> bool:
        """Nothing planned and nothing loading: what is shown is all there is for the range."""
        return not (self._plan_timer.isActive() or self._load_timer.isActive() or self._in_flight)

    @property
    def events_truncated(self) -> bool:
        return self._shown_events.truncated

    @property
    def shown_intervals(self) -> ArchiveIntervals:
        """What `intervals_changed` said last (for a follower that comes later: the layout's
        timeline, services/layout_timeline.py)."""
        return self._shown_intervals

    def shown_event_series(self) -> EventSeries:
        """What `events_changed` said last, as one series (its codes index its type names)."""
        return EventSeries.from_arrays(self._shown_events.times, self._shown_events.codes, self._types.names)

    @property
    def cache_stats(self):
        return self._cache.stats

    def set_camera(self, camera: Camera | None) -> None:
        """Show another camera (None: nothing). Its cached chunks, if any, are shown at once."""
        self._cancel_loads()
        self._camera = camera
        self._paused.clear()
        self._shown.clear()
        self._shown_intervals, self._shown_events = ArchiveIntervals.empty(), EventData.empty()
        self.intervals_changed.emit(self._shown_intervals.starts, self._shown_intervals.ends)
        self.events_changed.emit(self._shown_events.times, self._shown_events.codes, self._types.names)
        self._set_source(ARCHIVE if camera is None or camera.has_archive_access else RECORDINGS)
        self._update_refresh_timer()
        self._schedule_plan()

    def request_range(self, start: float, end: float) -> None:
        """The visible range (epoch seconds) changed. Never blocks: loading happens later."""
        if self._closed or not end > start:
            return
        self._range = (float(start), float(end))
        self._schedule_plan()
        now = time.monotonic()
        if not self._load_timer.isActive():
            self._load_armed_at = now
            self._load_timer.start()
        elif (now - self._load_armed_at) * 1000 < LOAD_MAX_WAIT_MS:
            self._load_timer.start()  # still moving: wait for it to settle a little longer

    def set_active(self, active: bool) -> None:
        """Refresh the chunk with "now" only while the timeline is shown."""
        self._active = active
        self._update_refresh_timer()
        if active:
            self._schedule_plan()

    def retry(self) -> None:
        """Ask again for what failed, and try the Archive API again after a fallback."""
        self._paused.clear()
        if self._camera is not None and self._camera.has_archive_access:
            self._set_source(ARCHIVE)
        self._schedule_plan()

    def reload_events_at(self, t: float) -> None:
        """An event starting at `t` was just created: the cached events of the chunks holding t
        are made stale (as if loaded before t, long enough ago), so their tail from a little
        before t is asked again. What is shown stays until the fresh tail replaces it."""
        if self._camera is None:
            return
        stale = t - self._refresh_seconds  # neither complete when loaded nor recent: reloaded
        for key in [k for k in self._cache.keys() if k[0] == self._camera.id and k[1] == EVENTS and k[2] is not None]:
            entry = self._cache.peek(key)
            if entry is not None and key[2].start <= t < key[2].end and entry.loaded_at > stale:
                self._cache.put(key, Entry(key[2], stale, entry.data), size=entry.nbytes)
        running = self._in_flight.get("events")
        if running is not None and running[0][2] is not None and running[0][2].start <= t < running[0][2].end:
            self._cancel_load("events")  # it asked before the event existed
        self._paused.discard(EVENTS)
        self._schedule_plan()

    def events_between(self, a: float, b: float) -> list[Event]:
        """Loaded events with a ≤ startTime ≤ b (for tooltips and jumps), oldest first."""
        times = self._shown_events.times
        lo, hi = np.searchsorted(times, a, "left"), np.searchsorted(times, b, "right")
        return self._shown_events.events[lo:hi]

    def playable_from(self, t: float) -> float | None:
        """Where archive can be played from t, among everything loaded for this camera: t itself
        inside a recording, else the next recording's start; None when none is known."""
        return self._known_intervals().playable_from(t)

    def archive_seconds(self, a: float, b: float) -> float | None:
        """How many seconds of [a, b) are recorded, from what is loaded for this camera; None
        when part of the range was never loaded (or was loaded only up to an earlier "now"), so
        nothing can be said from here. The export dialog refuses a range with 0."""
        camera_id = self._camera.id if self._camera else None
        if camera_id is None or not b > a:
            return None
        loaded: list[tuple[float, float]] = []
        for key in self._cache.keys():
            entry = self._cache.peek(key)
            if key[0] != camera_id or key[1] not in (ARCHIVE, RECORDINGS) or entry is None:
                continue
            chunk_start, chunk_end = (a, b) if key[2] is None else (key[2].start, key[2].end)  # None: all time
            loaded.append((max(a, chunk_start), min(b, chunk_end, entry.loaded_at)))
        if ArchiveIntervals.from_pairs(loaded).gaps_between(a, b):
            return None
        return self._known_intervals().clipped(a, b).total_duration

    def close(self) -> None:
        """Stop the timers and cancel this service's loads. The pool is the session's, shared
        with other services: it is left running, and a load already under way finishes there
        with its result dropped."""
        self._closed = True  # a view's last range request may still arrive: it starts nothing
        self._plan_timer.stop()
        self._load_timer.stop()
        self._refresh_timer.stop()
        self._cancel_loads()

    # --- planning -----------------------------------------------------------------------------

    def _schedule_plan(self) -> None:
        if self._closed:
            return
        if not self._plan_timer.isActive():
            self._plan_timer.start()

    def _plan(self) -> None:
        if self._camera is None or self._range is None:
            return
        chunks = wanted_chunks(*self._range)
        now = self._clock()
        self._show_intervals(chunks)
        self._show_events(chunks)
        if not self._load_timer.isActive():
            self._load_next("intervals", self._missing_interval_keys(chunks, now))
            self._load_next("events", self._missing_keys(EVENTS, chunks, now))
        self._update_loading()

    def _key(self, kind: str, chunk: Chunk | None) -> CacheKey:
        assert self._camera is not None
        return self._camera.id, kind, chunk

    def _missing_interval_keys(self, chunks: list[Chunk], now: float) -> list[CacheKey]:
        if self._source == RECORDINGS:
            key = self._key(RECORDINGS, None)
            entry = self._cache.peek(key)
            usable = entry is not None and entry.usable(now, self._refresh_seconds)
            return [] if usable or RECORDINGS in self._paused else [key]
        return self._missing_keys(ARCHIVE, chunks, now)

    def _missing_keys(self, kind: str, chunks: list[Chunk], now: float) -> list[CacheKey]:
        if kind in self._paused:
            return []
        missing = []
        for chunk in chunks:  # most urgent first
            key = self._key(kind, chunk)
            usable = any(
                entry is not None and entry.usable(now, self._refresh_seconds)
                for entry in (self._cache.peek(self._key(kind, c)) for c in chunk.self_and_ancestors())
            )
            if not usable:
                missing.append(key)
        return missing

    def _load_next(self, slot: str, missing: list[CacheKey]) -> None:
        running = self._in_flight.get(slot)
        if running is not None:
            key = running[0]
            if key in missing or key[1] != EVENTS:
                return  # still wanted (or a quick intervals call): let it finish, it is cached
            self._cancel_load(slot)  # an events load for a range no longer shown stops between pages
        if not missing:
            return
        key = missing[0]
        camera, kind, chunk = self._camera, key[1], key[2]
        assert camera is not None
        loaded_at = self._clock()
        # A stale entry of this very chunk (it held "now" when loaded): only its tail since a
        # little before that load is asked again, and joined to the rest on arrival.
        base = self._cache.peek(key) if chunk is not None else None
        # Whole seconds: the API writes times with limited decimals, and the tail must start
        # exactly where the head is cut for the two to join.
        since = None if base is None else max(chunk.start, math.floor(base.loaded_at - SETTLE_SECONDS))
        try:
            if kind == ARCHIVE:
                args: tuple = (load_timeline, self._session.archive(camera), chunk, since)
            elif kind == RECORDINGS:
                args = (load_recordings, self._session.client, camera.id)
            else:
                args = (load_events, self._session.client, camera.id, chunk, self._types, self._page_size,
                        self._chunk_event_cap, since)  # fmt: skip
        except errors.FaceterError as exc:  # session.archive(): no grant, no Archive API address
            self._on_load_failed(slot, key, exc)
            return

        def on_done(data, base=base, since=since) -> None:
            if data is not None and base is not None:
                data = base.data.with_tail(data, since)
            self._on_loaded(slot, key, loaded_at, data)

        ticket = self._runner.submit(
            *args,
            on_done=on_done,
            on_error=lambda exc, s=slot, k=key: self._on_load_failed(s, k, exc),
            key=self._task_key(slot),
            pass_ticket=kind == EVENTS,
        )
        self._in_flight[slot] = (key, ticket)

    def _on_loaded(self, slot: str, key: CacheKey, loaded_at: float, data) -> None:
        self._in_flight.pop(slot, None)
        if data is None or self._camera is None or key[0] != self._camera.id:
            self._schedule_plan()
            return
        entry = Entry(key[2], loaded_at, data)
        self._cache.put(key, entry, size=entry.nbytes)
        self._schedule_plan()

    def _on_load_failed(self, slot: str, key: CacheKey, exc: BaseException) -> None:
        self._in_flight.pop(slot, None)
        if self._camera is None or key[0] != self._camera.id:
            return
        # A revoked key shows on Integration API calls (an Archive API 401 is its signature's).
        said = self._session.report(exc) if key[1] != ARCHIVE else self._session.connectivity.report(exc)
        if said:
            # No answer (or a revoked key): what is known stays on screen (archive is not gone
            # because the service is), and the kind is asked again when the service is back.
            self._paused.add(key[1])
        elif key[1] == ARCHIVE:  # the Archive API answered with an error: /recordings may serve
            log.warning("archive timeline unavailable for camera %s (%s); using /recordings", key[0], exc)
            self._set_source(RECORDINGS)
        else:
            self._paused.add(key[1])
            if not self._is_standing_refusal(key[1], exc):
                self.failed.emit(user_message(exc, key[1]), explain(exc, f"load the {key[1]}").details)
        self._schedule_plan()

    def _on_connectivity_recovered(self) -> None:
        self._paused.clear()
        self._schedule_plan()

    def _is_standing_refusal(self, kind: str, exc: BaseException) -> bool:
        """/recordings refused for a camera the key has no archive grant for: that is what the
        camera is (CameraView.status shows it in place), not news for a banner at each visit."""
        camera = self._camera
        return (
            kind == RECORDINGS
            and isinstance(exc, errors.PermissionDeniedError)
            and camera is not None
            and not camera.is_archive_granted
        )

    def _task_key(self, slot: str) -> tuple:
        """Per service and slot: latest wins within one kind of this service, and two services
        on the shared pool never supersede each other's loads."""
        return ("timeline", slot, id(self))

    def _cancel_load(self, slot: str) -> None:
        """Cancel this service's own load in `slot` (never anything else on the shared pool)."""
        running = self._in_flight.pop(slot, None)
        if running is not None:
            running[1].cancel()
            self._runner.cancel(self._task_key(slot))  # and forget it in the runner

    def _cancel_loads(self) -> None:
        for slot in list(self._in_flight):
            self._cancel_load(slot)
        self._plan_timer.stop()
        self._load_timer.stop()
        self._update_loading()

    def _on_refresh_timer_timeout(self) -> None:
        self._paused.clear()  # failures are asked again at the refresh pace, not in a loop
        self._schedule_plan()

    def _update_refresh_timer(self) -> None:
        if self._active and self._camera is not None:
            if not self._refresh_timer.isActive():
                self._refresh_timer.start()
        else:
            self._refresh_timer.stop()

    def _update_loading(self) -> None:
        loading = bool(self._in_flight)
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    def _set_source(self, source: str) -> None:
        if source != self._source:
            self._source = source
            self.source_changed.emit(source)

    # --- what is shown ------------------------------------------------------------------------

    def _pieces(self, kind: str, chunks: list[Chunk]) -> list[tuple[CacheKey, Entry, float, float]]:
        """Disjoint (entry, lo, hi) pieces covering the wanted chunks from the cache: per chunk,
        the most recently loaded entry containing it, else whatever finer entries lie inside."""
        camera_id = self._camera.id  # type: ignore[union-attr]
        if kind == RECORDINGS:
            key = (camera_id, RECORDINGS, None)
            entry = self._cache.peek(key)
            lo, hi = min(c.start for c in chunks), max(c.end for c in chunks)
            return [] if entry is None else [(key, entry, lo, hi)]
        pieces = []
        for chunk in sorted(chunks):
            containing = [
                (key, entry)
                for key in (self._key(kind, c) for c in chunk.self_and_ancestors())
                if (entry := self._cache.peek(key)) is not None
            ]
            if containing:
                key, entry = max(containing, key=lambda item: item[1].loaded_at)
                pieces.append((key, entry, chunk.start, chunk.end))
                continue
            inside = [
                (key, entry)
                for key in self._cache.keys()
                if key[0] == camera_id and key[1] == kind and key[2] is not None and chunk.contains(key[2])
                and (entry := self._cache.peek(key)) is not None
            ]  # fmt: skip
            chosen: list[Chunk] = []
            for key, entry in sorted(inside, key=lambda item: -item[1].loaded_at):
                if not any(c.overlaps(key[2]) for c in chosen):
                    chosen.append(key[2])
                    pieces.append((key, entry, key[2].start, key[2].end))
        return sorted(pieces, key=lambda piece: piece[2])

    @staticmethod
    def _signature(pieces) -> tuple:
        return tuple((key, entry.loaded_at, lo, hi) for key, entry, lo, hi in pieces)

    def _show_intervals(self, chunks: list[Chunk]) -> None:
        pieces = self._pieces(RECORDINGS if self._source == RECORDINGS else ARCHIVE, chunks)
        signature = (self._source, self._signature(pieces))
        if self._shown.get("intervals") == signature:
            return
        self._shown["intervals"] = signature
        parts = [entry.data.clipped(lo, hi) for _, entry, lo, hi in pieces]
        self._shown_intervals = ArchiveIntervals.union(parts)
        self.intervals_changed.emit(self._shown_intervals.starts, self._shown_intervals.ends)

    def _show_events(self, chunks: list[Chunk]) -> None:
        pieces = self._pieces(EVENTS, chunks)
        signature = self._signature(pieces)
        if self._shown.get("events") == signature:
            return
        self._shown["events"] = signature
        self._shown_events = concat_events([entry.data.sliced(lo, hi) for _, entry, lo, hi in pieces])
        if self._shown_events.truncated:
            log.warning("more events than %d in one chunk: the oldest are not shown", self._chunk_event_cap)
        self.events_changed.emit(self._shown_events.times, self._shown_events.codes, self._types.names)

    def _known_intervals(self) -> ArchiveIntervals:
        camera_id = self._camera.id if self._camera else None
        parts = [self._shown_intervals] + [
            entry.data
            for key in self._cache.keys()
            if key[0] == camera_id and key[1] in (ARCHIVE, RECORDINGS)
            and (entry := self._cache.peek(key)) is not None
        ]  # fmt: skip
        return ArchiveIntervals.union(parts)

