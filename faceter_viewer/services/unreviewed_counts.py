"""How many events of the last 24 h each camera has that the user has not reviewed yet.

The camera tree shows the number on each camera row. An account may hold 5,000 cameras, so the
counts are read only for the cameras in view (the tree says which: `set_visible`), one request at
a time, within a fixed REQUEST BUDGET (`RequestBudget`, defaults below):

- at most 1 request in flight;
- at most 60 requests in any 60 s: a token bucket of 20 (a first screenful goes out at once)
  refilled at 40 a minute (then one every 1.5 s), so 20 + 40 bound any minute;
- a camera is read again at most every 5 min while it stays in view;
- one count reads GET /v1/cameras/{id}/events for the last 24 h, newest first, 100 per page, and
  stops as soon as more than 99 unreviewed are seen (the badge says "99+"), at the last page, or
  after 3 pages (the count is then a lower bound, "12+"). Each page is one request of the budget;
- nothing is sent while the service is unreachable (the session's connectivity monitor says so)
  and a failed camera is tried again only after 5 min.

A count is the ids read minus the ids `ReviewState` holds as reviewed. When the reviewed state
of a camera changes, its count is made again at once from memory, without a request. The read
ids of the 1,000 cameras counted last are kept for that; older ones are forgotten (a camera
forgotten and shown again is read again).

Time comes from injected clocks (`monotonic` for the budget, `utcnow` for the 24-h window) and
`poll()` is public, so a test runs minutes of budget in a second of real time.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from faceter_viewer.services.review_store import ReviewState

if TYPE_CHECKING:
    from faceter_viewer.services.session import Session

log = logging.getLogger("faceter_viewer.services.unreviewed_counts")

WINDOW = timedelta(hours=24)
PAGE_SIZE = 100
SHOWN_MAX = 99  # more unreviewed than this shows "99+"
REMEMBERED_CAMERAS = 1000  # cameras whose read ids are kept for recounting from memory


@dataclass(frozen=True)
class RequestBudget:
    """What the counts may ask of the service (see the module doc). One request at a time is
    not a setting: a count's pages follow each other, and cameras are counted one by one."""

    per_minute: int = 60  # requests in any 60 s, at most
    burst: int = 20  # of those, how many may go at once (the rest refill evenly over the minute)
    refresh_after: float = 300.0  # s between two reads of one camera in view
    reread_after_marks: float = 30.0  # s: the earliest a lower bound made by marks is read again
    retry_after_error: float = 300.0  # s before a camera whose read failed is tried again
    max_pages: int = 3  # pages of PAGE_SIZE events per count

    def __post_init__(self) -> None:
        if not 1 <= self.burst < self.per_minute:
            raise ValueError("the burst must be at least 1 and less than the requests per minute")

    @property
    def refill_per_second(self) -> float:
        """Tokens back per second: burst + 60 s of refill = per_minute, the bound of any minute."""
        return (self.per_minute - self.burst) / 60.0


DEFAULT_BUDGET = RequestBudget()


@dataclass(frozen=True)
class UnreviewedCount:
    """`unreviewed` among the events read; `more`: the service has more events in the window
    than were read, so the true number may be higher."""

    unreviewed: int
    more: bool = False

    def text(self) -> str:
        """The badge: "" for none, "12", "12+" for a lower bound, "99+" above 99."""
        if self.unreviewed > SHOWN_MAX:
            return f"{SHOWN_MAX}+"
        if self.more:
            return f"{self.unreviewed}+"
        return str(self.unreviewed) if self.unreviewed else ""

    def describe(self) -> str:
        """For a tooltip: "12 unreviewed events in the last 24 h"."""
        if self.unreviewed > SHOWN_MAX:
            return f"More than {SHOWN_MAX} unreviewed events in the last 24 h"
        if self.more:
            return f"At least {self.unreviewed} unreviewed events in the last 24 h"
        if self.unreviewed == 0:
            return "No unreviewed events in the last 24 h"
        return f"{self.unreviewed} unreviewed event{'s' if self.unreviewed != 1 else ''} in the last 24 h"


class PageReader(Protocol):
    """One camera's events, a page per call (IntegrationClient.event_reader's EventReader)."""

    done: bool

    def read_page(self) -> list[Any]: ...


class _ListEventsReader:
    """A PageReader over IntegrationClient.list_events, for clients without `event_reader`: the
    api layer's EventPager (api-rules §5) narrows the window and drops repeated ids, and each
    read_page() is exactly one request, which is what the budget counts. (iter_events hides
    where one page ends and the next request starts.)"""

    def __init__(self, client: Any, camera_id: str, start: datetime, end: datetime, page_size: int) -> None:
        from faceter_viewer.api.enums import SortOrder
        from faceter_viewer.api.paging import EventPager

        self._client = client
        self._camera_id = camera_id
        self._page_size = page_size
        self._sort = SortOrder.DESC
        self._pager = EventPager(sort=SortOrder.DESC, start=start, end=end)

    @property
    def done(self) -> bool:
        return self._pager.done

    def read_page(self) -> list[Any]:
        window = self._pager.window()
        page = self._client.list_events(
            self._camera_id, start=window.start, end=window.end, limit=self._page_size, sort=self._sort
        )
        return self._pager.accept(page)


def page_reader(client: Any, camera_id: str, start: datetime, end: datetime, page_size: int = PAGE_SIZE) -> PageReader:
    """The client's own EventReader when it has one, else one over list_events."""
    make = getattr(client, "event_reader", None)
    if make is not None:
        return make(camera_id, start=start, end=end, page_size=page_size)
    return _ListEventsReader(client, camera_id, start, end, page_size)


@dataclass
class _Read:
    """What one finished read of a camera brought."""

    ids: frozenset[str]
    more: bool
    at: float  # monotonic time it finished: the next read is due refresh_after later
    stale: bool = False  # a reviewed change made the lower bound useless: read again when allowed


@dataclass
class _Reading:
    """A read under way: its reader, the ids so far, pages asked."""

    camera_id: str
    reader: PageReader
    ids: list[str]
    pages: int = 0


class UnreviewedCounts(QObject):
    """Counts for the cameras in view, read within `budget`; `changed(set of camera ids)` says
    whose count changed (appeared, went up or down)."""

    changed = Signal(object)  # set[str]: camera ids

    def __init__(
        self,
        session: Session,
        review_state: ReviewState,
        parent: QObject | None = None,
        *,
        budget: RequestBudget = DEFAULT_BUDGET,
        monotonic: Callable[[], float] = time.monotonic,
        utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._review = review_state
        self._base_url = session.base_url
        self._tasks = session.tasks()
        self.budget = budget
        self._monotonic = monotonic
        self._utcnow = utcnow
        self._visible: list[str] = []
        self._visible_set: frozenset[str] = frozenset()
        self._reads: OrderedDict[str, _Read] = OrderedDict()  # camera id → last read, oldest first
        self._failed: dict[str, float] = {}  # camera id → when its read failed
        self._counts: dict[str, UnreviewedCount] = {}
        self._reading: _Reading | None = None
        self._in_flight = 0
        self._tokens = float(budget.burst)  # requests that may go now (the token bucket)
        self._tokens_at = monotonic()
        self.requests_sent = 0
        self._closed = False
        # One single-shot timer wakes the scheduler when the budget or a refresh allows the next
        # request; poll() is what it calls.
        self._wake = QTimer(self)
        self._wake.setSingleShot(True)
        self._wake.timeout.connect(self.poll)
        review_state.changed.connect(self._on_review_changed)
        review_state.loaded.connect(self._on_review_loaded)
        session.connectivity.recovered.connect(self.poll)

    # --- queries ----------------------------------------------------------------------------

    def count(self, camera_id: str) -> UnreviewedCount | None:
        """The camera's count, None while unknown."""
        return self._counts.get(camera_id)

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def idle(self) -> bool:
        """Nothing is being asked now (tests wait on this)."""
        return self._in_flight == 0

    # --- input ------------------------------------------------------------------------------

    def set_visible(self, camera_ids: Iterable[str]) -> None:
        """The cameras in view, top to bottom: they are counted in this order."""
        self._visible = list(dict.fromkeys(camera_ids))
        self._visible_set = frozenset(self._visible)
        self.poll()

    def poll(self) -> None:
        """Send the next request if the budget allows one now, else wake up when it will."""
        if self._closed or self._in_flight:
            return  # one request at a time
        if not self._session.connectivity.online:
            return  # `recovered` polls again
        now = self._monotonic()
        rate = self.budget.refill_per_second
        self._tokens = min(float(self.budget.burst), self._tokens + (now - self._tokens_at) * rate)
        self._tokens_at = now
        if self._tokens < 1.0:
            self._wake_in((1.0 - self._tokens) / rate)
            return
        reading = self._reading
        if reading is not None and reading.camera_id not in self._visible_set:
            self._reading = reading = None  # scrolled away: what it read so far is dropped
        if reading is None:
            camera_id, due = self._next_due(now)
            if camera_id is None:
                if due is not None:
                    self._wake_in(due - now)
                return
            reading = self._reading = self._start(camera_id)
        self._send(reading)

    def close(self) -> None:
        """Stop: no more requests, the one on its way is never delivered. The ReviewState (the
        app's, it outlives a session) is let go."""
        if self._closed:
            return
        self._closed = True
        self._wake.stop()
        self._tasks.close()
        self._reading = None
        self._in_flight = 0
        self._review.changed.disconnect(self._on_review_changed)
        self._review.loaded.disconnect(self._on_review_loaded)
        self._session.connectivity.recovered.disconnect(self.poll)

    # --- scheduling -------------------------------------------------------------------------

    def _next_due(self, now: float) -> tuple[str | None, float | None]:
        """The first camera in view whose count is due now; else (None, when the next one is)."""
        earliest: float | None = None
        for camera_id in self._visible:
            failed = self._failed.get(camera_id)
            if failed is not None:
                due = failed + self.budget.retry_after_error
            else:
                read = self._reads.get(camera_id)
                if read is None:
                    return camera_id, now
                due = read.at + (self.budget.reread_after_marks if read.stale else self.budget.refresh_after)
            if due <= now:
                return camera_id, now
            earliest = due if earliest is None else min(earliest, due)
        return None, earliest

    def _start(self, camera_id: str) -> _Reading:
        if not self._review.is_loaded(self._base_url, camera_id):
            self._review.load(self._base_url, camera_id)  # local disk: in memory before the page is
        end = self._utcnow()
        reader = page_reader(self._session.client, camera_id, end - WINDOW, end)
        return _Reading(camera_id, reader, [])

    def _send(self, reading: _Reading) -> None:
        self._in_flight += 1
        self._tokens -= 1.0
        self.requests_sent += 1
        reading.pages += 1
        self._tasks.submit(
            reading.reader.read_page,
            on_done=lambda events, reading=reading: self._on_page(reading, events),
            on_error=lambda exc, reading=reading: self._on_page_failed(reading, exc),
        )

    def _wake_in(self, seconds: float) -> None:
        # The timer runs on real time; with an injected clock a test calls poll() itself.
        msec = max(1, min(int(seconds * 1000) + 1, 3_600_000))
        if not self._wake.isActive() or self._wake.remainingTime() > msec:
            self._wake.start(msec)

    # --- results ----------------------------------------------------------------------------

    def _on_page(self, reading: _Reading, events: list[Any]) -> None:
        self._in_flight -= 1
        if self._closed:
            return
        reading.ids.extend(str(event.id) for event in events)
        if self._reading is reading:
            reviewed = self._review.reviewed_ids(self._base_url, reading.camera_id)
            unreviewed = sum(1 for event_id in reading.ids if event_id not in reviewed)
            if reading.reader.done or unreviewed > SHOWN_MAX or reading.pages >= self.budget.max_pages:
                self._reading = None
                self._finish(reading.camera_id, frozenset(reading.ids), more=not reading.reader.done)
        self.poll()

    def _on_page_failed(self, reading: _Reading, exc: BaseException) -> None:
        self._in_flight -= 1
        if self._closed:
            return
        if self._reading is reading:
            self._reading = None
        log.info("unreviewed count of camera %s failed: %s", reading.camera_id, exc)
        self._failed[reading.camera_id] = self._monotonic()
        # A rejected key signs out; no answer at all makes the session offline until `recovered`.
        # Any other failure only leaves this camera's badge empty: no banner for a badge.
        self._session.report(exc)
        self.poll()

    def _finish(self, camera_id: str, ids: frozenset[str], *, more: bool) -> None:
        self._failed.pop(camera_id, None)
        self._reads[camera_id] = _Read(ids, more, self._monotonic())
        self._reads.move_to_end(camera_id)
        while len(self._reads) > REMEMBERED_CAMERAS:
            forgotten, _ = self._reads.popitem(last=False)
            if self._counts.pop(forgotten, None) is not None:
                self.changed.emit({forgotten})
        self._recount(camera_id)

    def _recount(self, camera_id: str, *, after_marks: bool = False) -> None:
        """The count from the ids read and the reviewed ids in memory; emits when it changed."""
        read = self._reads.get(camera_id)
        if read is None or not self._review.is_loaded(self._base_url, camera_id):
            return
        reviewed = self._review.reviewed_ids(self._base_url, camera_id)
        count = UnreviewedCount(len(read.ids - reviewed), read.more)
        if after_marks and read.more and count.unreviewed <= SHOWN_MAX:
            # Marks brought a "99+" down to a lower bound ("40+"): worth reading further, soon
            # (a read that itself ends at a lower bound is not read again before its refresh).
            read.stale = True
        if self._counts.get(camera_id) != count:
            self._counts[camera_id] = count
            self.changed.emit({camera_id})

    def _on_review_changed(self, camera_id: str, _event_ids: object) -> None:
        if camera_id in self._reads:
            self._recount(camera_id, after_marks=True)
            if self._reads[camera_id].stale and camera_id in self._visible_set:
                self.poll()

    def _on_review_loaded(self, camera_id: str) -> None:
        if camera_id in self._reads:
            self._recount(camera_id)
