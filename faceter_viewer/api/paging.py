"""Event paging without a cursor (api-rules §5).

The events endpoint has no cursor: a reader asks with `limit` and, while the answer says
`hasMore`, asks again with the window narrowed to where the last page ended. Bounds are sent with
millisecond precision (§4) while startTimes may be finer, and both bounds are inclusive, so:

- the narrowed bound keeps the whole boundary millisecond inside (Desc: `endDate` = the next
  whole millisecond after the oldest startTime of the page; Asc: `startDate` = the newest
  startTime rounded down), so that events later in that millisecond are asked for again instead
  of being cut off; what comes twice is dropped by `id`;
- a page of nothing new while `hasMore` means a whole page sits at the page's edge instant: the
  reader moves the bound past it (Desc: `endDate` = that millisecond, then the one before it;
  Asc: `startDate` = the next millisecond) so that older (newer) events are still read, and
  records a Truncation when that millisecond, asked for alone, holds more than a page (those
  beyond the page cannot be asked for at all);
- the caller's own bounds are sent rounded outward too, and what falls outside them is dropped,
  so the window read is exactly the one asked for.

`EventReader` is that state machine; `IntegrationClient.event_reader` builds one for a camera and
`IntegrationClient.iter_events` iterates one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from faceter_viewer.api import rules
from faceter_viewer.api.enums import SortOrder
from faceter_viewer.api.models import Event, EventPage


@dataclass(frozen=True)
class PageWindow:
    """The bounds one request is sent with (both inclusive; None: open)."""

    start: datetime | None
    end: datetime | None


PageFetch = Callable[[PageWindow], EventPage]
"""One GET of the events endpoint for a window (the filters, limit and order are fixed)."""


@dataclass(frozen=True)
class Truncation:
    """§5: one millisecond (`at`, the instant the page was cut at) holds more events than one page
    brings; `shown` of them were read, the rest cannot be asked for."""

    at: datetime
    shown: int

    def message(self) -> str:
        """What to tell the user: "more than 100 events at 03:12:07.123; showing 100" (local
        time, to the millisecond)."""
        local = self.at.astimezone()
        return f"more than {self.shown} events at {local:%H:%M:%S}.{local.microsecond // 1000:03d}; showing {self.shown}"


def paging_order(sort: str) -> str:
    """§5: the order a paged read asks for. Only Asc and Desc can be paged by narrowing the
    window; None (the service's own order) is read as Desc, the demo service's reading of it."""
    return SortOrder.ASC if sort == SortOrder.ASC else SortOrder.DESC


class EventReader:
    """One paged read of one camera's events (api-rules §5).

    `read_page()` returns the next page's NEW events (never one twice), in sort order, and [] only
    when the read is done. Not thread-safe: use it from one worker at a time.
    """

    def __init__(
        self,
        fetch: PageFetch,
        *,
        sort: str = SortOrder.DESC,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> None:
        self._fetch = fetch
        self._desc = paging_order(sort) == SortOrder.DESC
        self._start, self._end = start, end  # the caller's exact window
        # the window sent: the caller's rounded outward (§5), then narrowed page by page
        self._lower = None if start is None else rules.floor_api_time(start)
        self._upper = None if end is None else rules.ceil_api_time(end)
        self._ids: set[str] = set()
        self._checked: datetime | None = None  # the last millisecond asked for alone
        self.done = False
        self.truncations: list[Truncation] = []
        self.seen = 0  # events returned so far

    def window(self) -> PageWindow:
        """The window the next page will be asked for."""
        return PageWindow(self._lower, self._upper)

    def read_page(self) -> list[Event]:
        while not self.done:
            page = self._fetch(self.window())
            fresh = [event for event in page.items if event.id not in self._ids]
            self._ids.update(event.id for event in fresh)
            if not page.has_more or not page.items:
                self.done = True  # the end, or a page that says "more" but cannot be moved past
            elif fresh:
                self._narrow(page.items)
            else:
                self._step_past_boundary(page.items)
            wanted = [event for event in fresh if self._inside(event)]
            if wanted:
                wanted.sort(key=lambda event: event.start_time, reverse=self._desc)  # stable
                self.seen += len(wanted)
                return wanted
        return []

    def __iter__(self) -> Iterator[Event]:
        while True:
            page = self.read_page()
            if not page:
                return
            yield from page

    # --- the window -------------------------------------------------------------------------

    def _inside(self, event: Event) -> bool:
        t = event.start_time
        return (self._start is None or t >= self._start) and (self._end is None or t <= self._end)

    def _narrow(self, items: list[Event]) -> None:
        """Move the bound to where this page ended, keeping that millisecond inside (§5)."""
        if self._desc:
            upper = _end_of_millisecond(min(event.start_time for event in items))
            if self._upper is None or upper < self._upper:
                self._upper = upper
        else:
            lower = rules.floor_api_time(max(event.start_time for event in items))
            if self._lower is None or lower > self._lower:
                self._lower = lower

    def _step_past_boundary(self, items: list[Event]) -> None:
        """A page of nothing new while `hasMore`: a whole page sits at the page's edge instant
        (Desc: its oldest startTime; Asc: its newest). Move the bound past that instant (§5)."""
        bound = self._upper if self._desc else self._lower
        if bound is None or not all(
            (e.start_time <= bound) if self._desc else (e.start_time >= bound) for e in items
        ):
            # Not what a service honouring the window answers (it ignored the bounds): moving on
            # would ask for the same page forever.
            self.done = True
            return
        edge = min(e.start_time for e in items) if self._desc else max(e.start_time for e in items)
        millisecond = rules.floor_api_time(edge)
        self._record_truncation(edge, millisecond, items)
        if self._desc:
            # The edge's own millisecond first: a startTime read as 08:00:00.200000 may really be
            # .2000004 (digits past microseconds are dropped, §4), so endDate = .200 may already
            # leave it out. Only when the bound is there already, the millisecond before it.
            self._upper = millisecond if millisecond < bound else bound - rules.API_TIME_STEP
            self.done = self._lower is not None and self._upper < self._lower
        else:
            self._lower = millisecond + rules.API_TIME_STEP
            self.done = self._upper is not None and self._lower > self._upper

    def _record_truncation(self, edge: datetime, millisecond: datetime, items: list[Event]) -> None:
        """Ask for the edge's millisecond alone (both ends inclusive): `hasMore` there means it
        holds more events than one page, and those past the page cannot be asked for."""
        if millisecond == self._checked:
            return  # the same instant again (Desc may step over it in two requests)
        low, high = millisecond, millisecond + rules.API_TIME_STEP
        if self._lower is not None:
            low = max(low, self._lower)
        if self._upper is not None:
            high = min(high, self._upper)
        crowded = self._fetch(PageWindow(low, high)).has_more  # may raise: read_page asks again
        self._checked = millisecond
        if not crowded:
            return
        shown = sum(1 for e in items if rules.floor_api_time(e.start_time) == millisecond and self._inside(e))
        self.truncations.append(Truncation(at=edge, shown=shown))


def _end_of_millisecond(value: datetime) -> datetime:
    """§5: the next whole millisecond after the one holding `value`, as Desc's narrowed endDate.
    Not ceil_api_time(value): a startTime read as a whole millisecond may be a little later (§4
    drops digits past microseconds), and the bound must keep it inside."""
    return rules.floor_api_time(value) + rules.API_TIME_STEP


def iterate_events(reader: EventReader, max_items: int | None = None) -> Iterator[Event]:
    """Yield a reader's events, each once, at most `max_items` of them (no page is asked for
    beyond the one that reaches the count)."""
    if max_items is not None and max_items <= 0:
        return
    count = 0
    for event in reader:
        yield event
        count += 1
        if max_items is not None and count >= max_items:
            return
