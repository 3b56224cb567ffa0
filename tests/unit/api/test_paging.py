"""Event paging without a cursor (api-rules §5): narrowing windows, de-duplication, stopping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from faceter_viewer.api import rules
from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.api.models import Event, EventPage, SortOrder
from faceter_viewer.api.paging import EventPager, PageWindow, iterate_pages
from tests.helpers.api_fakes import BASE_URL, KEY, RecordingTransport

T0 = datetime(2026, 4, 10, 8, 0, tzinfo=UTC)


def _event(n: int, minute: int | None = None) -> Event:
    return Event(id=f"e{n}", start_time=T0 + timedelta(minutes=n if minute is None else minute))


def _page(*events: Event, has_more: bool = True) -> EventPage:
    return EventPage(items=list(events), has_more=has_more)


# --- the pager's state --------------------------------------------------------------------------


def test_desc_narrows_end_to_the_oldest_start_seen():
    pager = EventPager(sort=SortOrder.DESC, start=T0, end=T0 + timedelta(hours=1))
    fresh = pager.accept(_page(_event(30), _event(20), _event(25)))
    assert [e.id for e in fresh] == ["e30", "e20", "e25"]
    assert pager.window() == PageWindow(T0, T0 + timedelta(minutes=20))
    assert not pager.done


def test_asc_narrows_start_to_the_newest_start_seen():
    pager = EventPager(sort=SortOrder.ASC, start=T0, end=T0 + timedelta(hours=1))
    pager.accept(_page(_event(5), _event(12), _event(9)))
    assert pager.window() == PageWindow(T0 + timedelta(minutes=12), T0 + timedelta(hours=1))


def test_events_already_seen_are_dropped():
    pager = EventPager(sort=SortOrder.DESC)
    pager.accept(_page(_event(3), _event(2)))
    fresh = pager.accept(_page(_event(2), _event(1)))  # the inclusive bound brings e2 again
    assert [e.id for e in fresh] == ["e1"]
    assert pager.seen == {"e1", "e2", "e3"}


def test_stops_when_has_more_is_false():
    pager = EventPager()
    assert [e.id for e in pager.accept(_page(_event(1), has_more=False))] == ["e1"]
    assert pager.done


def test_stops_when_a_page_brings_nothing_new():
    pager = EventPager()
    pager.accept(_page(_event(2), _event(1)))
    assert pager.accept(_page(_event(2), _event(1))) == []
    assert pager.done


def test_stops_on_an_empty_page_even_if_it_says_more():
    pager = EventPager(end=T0)
    assert pager.accept(_page(has_more=True)) == []
    assert pager.done and pager.end == T0


# --- iterate_pages ------------------------------------------------------------------------------


class _FakeServer:
    """Holds events; answers a window like the service: `limit` items, bounds inclusive."""

    def __init__(self, events: list[Event], limit: int, sort: str = SortOrder.DESC) -> None:
        self.events, self.limit, self.sort = events, limit, sort
        self.windows: list[PageWindow] = []

    def fetch(self, window: PageWindow) -> EventPage:
        self.windows.append(window)
        inside = [
            e
            for e in self.events
            if (window.start is None or e.start_time >= window.start) and (window.end is None or e.start_time <= window.end)
        ]
        inside.sort(key=lambda e: e.start_time, reverse=self.sort == SortOrder.DESC)
        return EventPage(items=inside[: self.limit], has_more=len(inside) > self.limit)


@pytest.mark.parametrize("sort", [SortOrder.DESC, SortOrder.ASC])
def test_every_event_once_across_overlapping_pages(sort):
    # several events share a start time, so pages overlap at their boundaries
    events = [_event(n, minute=n // 3) for n in range(40)]
    server = _FakeServer(events, limit=7, sort=sort)
    got = list(iterate_pages(server.fetch, EventPager(sort=sort)))
    assert sorted(e.id for e in got) == sorted(e.id for e in events)
    assert len(got) == len({e.id for e in got})
    assert len(server.windows) > 5
    if sort == SortOrder.DESC:
        ends = [w.end for w in server.windows[1:]]
        assert ends == sorted(ends, reverse=True)
    else:
        starts = [w.start for w in server.windows[1:]]
        assert starts == sorted(starts)


def test_a_server_returning_the_same_page_forever_does_not_loop():
    calls = []

    def same_page(window: PageWindow) -> EventPage:
        calls.append(window)
        if len(calls) > 10:
            raise AssertionError("paging did not stop")
        return _page(_event(2), _event(1), has_more=True)

    assert [e.id for e in iterate_pages(same_page, EventPager())] == ["e2", "e1"]
    assert len(calls) == 2


def test_a_page_of_only_boundary_duplicates_stops_paging():
    # more events at one instant than fit a page: the window cannot move past them, so stop
    events = [_event(n, minute=0) for n in range(5)]
    server = _FakeServer(events, limit=3)
    got = list(iterate_pages(server.fetch, EventPager()))
    assert len(got) == 3
    assert len(server.windows) == 2


def test_max_items_stops_early_without_asking_for_more_pages():
    server = _FakeServer([_event(n) for n in range(50)], limit=10)
    got = list(iterate_pages(server.fetch, EventPager(), max_items=15))
    assert len(got) == 15
    assert len(server.windows) == 2


def test_max_items_zero_yields_nothing():
    server = _FakeServer([_event(n) for n in range(5)], limit=10)
    assert list(iterate_pages(server.fetch, EventPager(), max_items=0)) == []


# --- through IntegrationClient against a MockTransport ------------------------------------------


def _service(events: list[Event], limit_cap: int = 1000):
    """A MockTransport handler for GET /v1/cameras/{id}/events honouring the query."""

    def handler(request: httpx.Request) -> httpx.Response:
        q = request.url.params
        start = rules.parse_api_datetime(q["startDate"]) if "startDate" in q else None
        end = rules.parse_api_datetime(q["endDate"]) if "endDate" in q else None
        types = q.get_list("eventTypes")
        inside = [
            e
            for e in events
            if (start is None or e.start_time >= start)
            and (end is None or e.start_time <= end)
            and (not types or e.type in types)
        ]
        inside.sort(key=lambda e: e.start_time, reverse=q["sortOrder"] == "Desc")
        limit = min(int(q["limit"]), limit_cap)
        body = EventPage(items=inside[:limit], has_more=len(inside) > limit).to_api()
        return httpx.Response(200, json=body)

    return handler


@pytest.mark.parametrize("sort", [SortOrder.DESC, SortOrder.ASC])
def test_iter_events_pages_through_the_service(sort):
    events = [
        Event(id=f"e{n}", type="Motion" if n % 2 else "Human", start_time=T0 + timedelta(seconds=30 * (n // 2)))
        for n in range(60)
    ]
    transport = RecordingTransport(_service(events))
    client = IntegrationClient(KEY, BASE_URL, transport=transport)
    got = list(
        client.iter_events(
            "cam", types=["Motion", "Human"], start=T0, end=T0 + timedelta(hours=1), page_size=8, sort=sort
        )
    )
    assert sorted(e.id for e in got) == sorted(e.id for e in events)
    assert len(got) == len(events)
    first, second = transport.requests[:2]
    assert first.url.params["startDate"] == "2026-04-10T08:00:00Z"
    assert first.url.params["endDate"] == "2026-04-10T09:00:00Z"
    assert first.url.params["limit"] == "8"
    assert first.url.params.get_list("eventTypes") == ["Motion", "Human"]
    assert first.url.params["sortOrder"] == str(sort)
    if sort == SortOrder.DESC:
        assert second.url.params["startDate"] == "2026-04-10T08:00:00Z"
        assert second.url.params["endDate"] == rules.format_api_datetime(min(e.start_time for e in got[:8]))
    else:
        assert second.url.params["startDate"] == rules.format_api_datetime(max(e.start_time for e in got[:8]))
        assert second.url.params["endDate"] == "2026-04-10T09:00:00Z"


def test_iter_events_with_sort_none_pages_as_desc():
    transport = RecordingTransport(_service([_event(n) for n in range(5)]))
    client = IntegrationClient(KEY, BASE_URL, transport=transport)
    assert len(list(client.iter_events("cam", page_size=2, sort=SortOrder.NONE))) == 5
    assert {r.url.params["sortOrder"] for r in transport.requests} == {"Desc"}


def test_iter_events_max_items():
    transport = RecordingTransport(_service([_event(n) for n in range(30)]))
    client = IntegrationClient(KEY, BASE_URL, transport=transport)
    assert len(list(client.iter_events("cam", page_size=10, max_items=12))) == 12
    assert len(transport.requests) == 2
