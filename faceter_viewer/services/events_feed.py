"""The events of one camera for the events list: filters, paging on demand, and "N new".

The list model asks for one more page (`fetch_more`) when the user scrolls near its end (Qt's
canFetchMore/fetchMore); each page is read on the session's shared pool by an EventReader
(api/paging.py: it never returns an event twice, keeps the order, and says where the API itself
could not page further: `truncations`). A new camera or a changed filter starts a new read and
clears the list (`cleared`). Every `refresh_seconds` the newest events are asked again; those the
list does not hold yet are counted (`new_available(n)`, the "N new" pill) instead of being
inserted, so the list never reshuffles under the user; `show_new()` reads the list again.

The filter (types, a date range preset or a custom range, merge interval, sort order) is a
frozen `EventFilter`; the panel remembers it in QSettings.
"""

from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QTimer, Signal

from faceter_viewer.api.enums import EventType, SortOrder
from faceter_viewer.api.models import Camera, Event
from faceter_viewer.services.explain import explain
from faceter_viewer.services.session import Session

log = logging.getLogger("faceter_viewer.services.events_feed")

PAGE_SIZE = 100
REFRESH_SECONDS = 30.0
KNOWN_TYPES = tuple(t.value for t in EventType)


class RangePreset(enum.StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return {"hour": "Last hour", "day": "Last 24 hours", "week": "Last 7 days", "custom": "Custom…"}[self.value]

    @property
    def seconds(self) -> float | None:
        return {"hour": 3600.0, "day": 86400.0, "week": 7 * 86400.0}.get(self.value)


@dataclass(frozen=True)
class EventFilter:
    types: frozenset[str] = frozenset()  # empty: every type
    preset: RangePreset = RangePreset.DAY
    custom_start: float | None = None  # epoch seconds, for CUSTOM
    custom_end: float | None = None
    merge_interval: int | None = None  # seconds; None: not merged
    sort: SortOrder = SortOrder.DESC

    def window(self, now: float) -> tuple[float | None, float | None]:
        """(start, end) epoch seconds of the read; a preset ends at now (None: open)."""
        if self.preset is RangePreset.CUSTOM:
            return self.custom_start, self.custom_end
        return now - (self.preset.seconds or 0.0), None

    def with_types(self, types) -> EventFilter:
        return replace(self, types=frozenset(types))


@dataclass
class _Read:
    """One read of one camera with one filter: pages arrive for it until a newer read starts."""

    camera: Camera
    filter: EventFilter
    reader: object  # api.paging.EventReader
    ids: set[str] = field(default_factory=set)
    newest: float | None = None  # the newest startTime held (for "N new")


class EventsFeed(QObject):
    cleared = Signal()  # a new read: the list is empty until its first page
    page_loaded = Signal(list)  # list[Event]: new events, to append in order
    loading_changed = Signal(bool)
    failed = Signal(str, str)  # text, details
    truncations_changed = Signal(list)  # list[str]: "more than N events at …; showing N"
    new_available = Signal(int)  # events newer than the list holds, found by a refresh
    types_seen = Signal(list)  # type names the service sent that are not documented ones

    def __init__(
        self,
        session: Session,
        parent: QObject | None = None,
        *,
        page_size: int = PAGE_SIZE,
        refresh_seconds: float = REFRESH_SECONDS,
        clock=time.time,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self._tasks = session.tasks()
        self._page_size = page_size
        self._clock = clock
        self.filter = EventFilter()
        self.camera: Camera | None = None
        self._read: _Read | None = None
        self._loading = False
        self._failed = False
        self._unknown_types: list[str] = []
        self._new_count = 0
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(max(1, round(refresh_seconds * 1000)))
        self._refresh_timer.timeout.connect(self.refresh)
        session.connectivity.recovered.connect(self._on_connectivity_recovered)

    # --- what the list asks ------------------------------------------------------------------

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def has_more(self) -> bool:
        read = self._read
        return read is not None and not read.reader.done and not self._failed

    @property
    def unknown_types(self) -> list[str]:
        return list(self._unknown_types)

    def set_camera(self, camera: Camera | None) -> None:
        if camera is not None and self.camera is not None and camera.id == self.camera.id:
            self.camera = camera  # a fresher copy: the list stays
            return
        self.camera = camera
        self._restart()

    def set_filter(self, event_filter: EventFilter) -> None:
        if event_filter != self.filter:
            self.filter = event_filter
            self._restart()

    def fetch_more(self) -> None:
        """Read the next page on a worker (one at a time)."""
        read = self._read
        if read is None or self._loading or read.reader.done:
            return
        self._failed = False
        self._set_loading(True)
        self._tasks.submit(
            read.reader.read_page,
            on_done=lambda events: self._on_page(read, events),
            on_error=lambda exc: self._on_page_failed(read, exc),
            key="page",
        )

    def refresh(self) -> None:
        """Ask for the newest page again and count what the list does not hold ("N new")."""
        read = self._read
        if read is None or self.filter.sort is not SortOrder.DESC or self.filter.preset is RangePreset.CUSTOM:
            return  # only a newest-first list of "the last …" grows at its top
        client, camera, f = self.session.client, read.camera, read.filter
        start = read.newest if read.newest is not None else f.window(self._clock())[0]

        def newest_page() -> list[Event]:
            reader = client.event_reader(
                camera.id, types=sorted(f.types), start=_utc(start), end=None,
                merge_interval=f.merge_interval, page_size=self._page_size, sort=SortOrder.DESC,
            )  # fmt: skip
            return reader.read_page()

        self._tasks.submit(
            newest_page,
            on_done=lambda events: self._on_newest(read, events),
            on_error=lambda exc: log.info("events refresh failed: %s", exc),
            key="refresh",
        )

    def show_new(self) -> None:
        """Read the list again from the top, with what the refresh found."""
        self._restart()

    def close(self) -> None:
        self._refresh_timer.stop()
        self._tasks.close()
        self._read = None

    # --- results --------------------------------------------------------------------------------

    def _restart(self) -> None:
        self._tasks.cancel("page")
        self._tasks.cancel("refresh")
        self._set_loading(False)
        self._failed = False
        self._set_new_count(0)
        camera = self.camera
        self._read = None
        self.cleared.emit()
        self.truncations_changed.emit([])
        if camera is None:
            self._refresh_timer.stop()
            return
        f = self.filter
        start, end = f.window(self._clock())
        reader = self.session.client.event_reader(
            camera.id, types=sorted(f.types), start=_utc(start), end=_utc(end),
            merge_interval=f.merge_interval, page_size=self._page_size, sort=f.sort,
        )  # fmt: skip
        self._read = _Read(camera, f, reader)
        self._refresh_timer.start()
        self.fetch_more()  # the first page at once; later ones as the user scrolls

    def _on_page(self, read: _Read, events: list[Event]) -> None:
        if read is not self._read:
            return  # a newer camera or filter meanwhile
        self._set_loading(False)
        fresh = [event for event in events if event.id not in read.ids]  # the reader dedups; so do we
        read.ids.update(event.id for event in fresh)
        if fresh:
            newest = max(event.start_timestamp for event in fresh)
            read.newest = newest if read.newest is None else max(read.newest, newest)
        self._note_types(fresh)
        self.page_loaded.emit(fresh)
        self.truncations_changed.emit([t.message() for t in read.reader.truncations])

    def _on_page_failed(self, read: _Read, exc: BaseException) -> None:
        if read is not self._read:
            return
        self._set_loading(False)
        self._failed = True  # no fetch loop: scrolling does not ask again, Retry or a refresh does
        if self.session.report(exc):
            return  # the service is gone (one message says it); asked again when it is back
        explanation = explain(exc, "load the events")
        self.failed.emit(explanation.text, explanation.details)

    def retry(self) -> None:
        self._failed = False
        self.fetch_more()

    def _on_connectivity_recovered(self) -> None:
        if self._failed:
            self.retry()

    def _on_newest(self, read: _Read, events: list[Event]) -> None:
        if read is not self._read:
            return
        new = sum(1 for event in events if event.id not in read.ids)
        self._set_new_count(new)

    def _note_types(self, events: list[Event]) -> None:
        added = [
            e.type for e in events if e.type and e.type not in KNOWN_TYPES and e.type not in self._unknown_types
        ]
        for name in dict.fromkeys(added):
            self._unknown_types.append(name)
        if added:
            self.types_seen.emit(list(self._unknown_types))

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    def _set_new_count(self, count: int) -> None:
        if count != self._new_count:
            self._new_count = count
            self.new_available.emit(count)


def _utc(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, UTC)
