"""Event paging without a cursor (api-rules §5).

Ask with `limit`; while `hasMore` is true, ask again with the window narrowed past the last item
received (Desc: endDate = oldest startTime seen; Asc: startDate = newest startTime seen), drop
items already seen (by id), and stop when `hasMore` is false or a page brings nothing new.
The narrowed bound is inclusive on the server, so boundary events come again: de-duplication is
what makes that safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from faceter_viewer.api.enums import SortOrder
from faceter_viewer.api.models import Event, EventPage


@dataclass
class PageWindow:
    start: datetime | None
    end: datetime | None


@dataclass
class EventPager:
    """The paging state: which window to ask for next, and which ids were already seen."""

    sort: str = SortOrder.DESC
    start: datetime | None = None
    end: datetime | None = None
    seen: set[str] = field(default_factory=set)
    done: bool = False

    def window(self) -> PageWindow:
        return PageWindow(self.start, self.end)

    def accept(self, page: EventPage) -> list[Event]:
        """Take one page; return its new events (in page order) and move the window."""
        fresh = [event for event in page.items if event.id not in self.seen]
        for event in fresh:
            self.seen.add(event.id)
        if page.items:
            if self.sort == SortOrder.ASC:
                self.start = max(event.start_time for event in page.items)
            else:
                self.end = min(event.start_time for event in page.items)
        if not page.has_more or not fresh:
            self.done = True
        return fresh


def iterate_pages(
    fetch: Callable[[PageWindow], EventPage],
    pager: EventPager,
    max_items: int | None = None,
) -> Iterator[Event]:
    """Yield events across pages, each once, at most `max_items` of them."""
    count = 0
    if max_items is not None and max_items <= 0:
        return  # not even one page: the count is checked only after an event is yielded
    while not pager.done:
        for event in pager.accept(fetch(pager.window())):
            yield event
            count += 1
            if max_items is not None and count >= max_items:
                return
