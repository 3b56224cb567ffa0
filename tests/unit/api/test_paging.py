"""Event paging without a cursor (api-rules §5): narrowing windows, de-duplication, stepping
past a crowded millisecond, stopping. The reader against in-memory servers; tests/unit/api/
test_event_reader_http.py has the same over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from faceter_viewer.api import rules
from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.api.models import Event, EventPage, SortOrder
from faceter_viewer.api.paging import EventReader, PageWindow, Truncation, iterate_events
from tests.helpers.api_fakes import BASE_URL, KEY, RecordingTransport

T0 = datetime(2026, 4, 10, 8, 0, tzinfo=UTC)
MS = timedelta(milliseconds=1)


def _event(n: int, minute: int | None = None) -> Event:
    return Event(id=f"e{n}", start_time=T0 + timedelta(minutes=n if minute is None else minute))


def _page(*events: Event, has_more: bool = True) -> EventPage:
    return EventPage(items=list(events), has_more=has_more)


class _Pages:
    """Answers with the given pages in turn (the last repeats), keeping the windows asked."""

    def __init__(self, *pages: EventPage) -> None:
        self.pages = list(pages)
        self.windows: list[PageWindow] = []

    def __call__(self, window: PageWindow) -> EventPage:
        self.windows.append(window)
        if len(self.windows) > 20:
            raise AssertionError("paging did not stop")
        return self.pages.pop(0) if len(self.pages) > 1 else self.pages[0]


# --- the reader's state -------------------------------------------------------------------------


def test_desc_narrows_end_to_the_oldest_start_seen():
    pages = _Pages(_page(_event(30), _event(20), _event(25)), _page(has_more=False))
    reader = EventReader(pages, sort=SortOrder.DESC, start=T0, end=T0 + timedelta(hours=1))
    assert [e.id for e in reader.read_page()] == ["e30", "e25", "e20"]  # in sort order
    assert reader.window() == PageWindow(T0, T0 + timedelta(minutes=20) + MS)  # that whole ms kept inside
    assert not reader.done and reader.seen == 3


def test_asc_narrows_start_to_the_newest_start_seen():
    pages = _Pages(_page(_event(5), _event(12), _event(9)))
    reader = EventReader(pages, sort=SortOrder.ASC, start=T0, end=T0 + timedelta(hours=1))
    reader.read_page()
    assert reader.window() == PageWindow(T0 + timedelta(minutes=12), T0 + timedelta(hours=1))


def test_sub_millisecond_bounds_are_rounded_outward():
    """§5: the bound keeps the whole boundary millisecond inside (Desc: the next whole ms; Asc:
    rounded down), and the caller's own bounds are sent rounded outward too."""
    edge = T0 + timedelta(microseconds=123_456)
    desc = EventReader(_Pages(_page(Event(id="a", start_time=edge))), end=T0 + timedelta(microseconds=999_001))
    assert desc.window().end == T0 + timedelta(milliseconds=1000)
    desc.read_page()
    assert desc.window().end == T0 + timedelta(milliseconds=124)
    asc = EventReader(_Pages(_page(Event(id="a", start_time=edge))), sort=SortOrder.ASC, start=T0 + timedelta(microseconds=5))
    assert asc.window().start == T0
    asc.read_page()
    assert asc.window().start == T0 + timedelta(milliseconds=123)


def test_desc_keeps_a_whole_millisecond_edge_inside_too():
    """A startTime read as 08:00:00.000000 may be .0000004 on the service (§4 drops the 7th
    digit): endDate = 08:00:00.000 could leave it out, so the bound is the next millisecond."""
    desc = EventReader(_Pages(_page(Event(id="a", start_time=T0))))
    desc.read_page()
    assert desc.window().end == T0 + MS


def test_events_outside_the_callers_exact_window_are_dropped():
    inside = Event(id="in", start_time=T0 + timedelta(microseconds=400))
    after = Event(id="after", start_time=T0 + timedelta(microseconds=600))  # same ms, past `end`
    reader = EventReader(_Pages(_page(after, inside, has_more=False)), end=T0 + timedelta(microseconds=500))
    assert [e.id for e in reader.read_page()] == ["in"]


def test_events_already_seen_are_dropped():
    pages = _Pages(_page(_event(3), _event(2)), _page(_event(2), _event(1)))  # the bound brings e2 again
    reader = EventReader(pages)
    reader.read_page()
    assert [e.id for e in reader.read_page()] == ["e1"]


def test_stops_when_has_more_is_false():
    reader = EventReader(_Pages(_page(_event(1), has_more=False)))
    assert [e.id for e in reader.read_page()] == ["e1"]
    assert reader.done
    assert reader.read_page() == []


def test_stops_on_an_empty_page_even_if_it_says_more():
    pages = _Pages(_page(has_more=True))
    reader = EventReader(pages, end=T0)
    assert reader.read_page() == []
    assert reader.done and len(pages.windows) == 1


def test_a_page_of_nothing_new_steps_past_the_crowded_millisecond():
    """Defect (b): more events at one instant than a page holds used to end the read there."""
    crowd = [Event(id=f"t{n}", start_time=T0) for n in range(3)]
    older = _event(-5)
    pages = _Pages(
        _page(*crowd),  # page 1: the instant fills the page
        _page(*crowd),  # page 2 (endDate = T0 + 1 ms): nothing new
        _page(*crowd),  # the millisecond alone: more than a page there
        _page(*crowd),  # page 3 (endDate = T0): still the instant
        _page(older, has_more=False),  # page 4 (endDate = T0 - 1 ms)
    )
    reader = EventReader(pages)
    got = [e.id for e in reader]
    assert got == ["t0", "t1", "t2", "e-5"]
    assert [w.end for w in pages.windows] == [None, T0 + MS, T0 + MS, T0, T0 - MS]
    assert pages.windows[2].start == T0  # the check asks for that millisecond only
    assert reader.truncations == [Truncation(at=T0, shown=3)]


def test_a_full_millisecond_without_more_records_no_truncation():
    crowd = [Event(id=f"t{n}", start_time=T0) for n in range(3)]
    pages = _Pages(
        _page(*crowd), _page(*crowd), _page(*crowd, has_more=False), _page(*crowd), _page(_event(-5), has_more=False)
    )
    reader = EventReader(pages)
    assert len(list(reader)) == 4
    assert reader.truncations == []
    assert len(pages.windows) == 5  # the millisecond is asked for alone once


def test_asc_steps_past_the_crowded_millisecond_forwards():
    crowd = [Event(id=f"t{n}", start_time=T0) for n in range(3)]
    pages = _Pages(_page(*crowd), _page(*crowd), _page(*crowd), _page(_event(5), has_more=False))
    reader = EventReader(pages, sort=SortOrder.ASC)
    assert [e.id for e in reader] == ["t0", "t1", "t2", "e5"]
    assert [w.start for w in pages.windows] == [None, T0, T0, T0 + MS]
    assert pages.windows[2].end == T0 + MS
    assert reader.truncations == [Truncation(at=T0, shown=3)]


def test_stepping_never_goes_past_the_callers_start():
    crowd = [Event(id=f"t{n}", start_time=T0) for n in range(3)]
    pages = _Pages(_page(*crowd), _page(*crowd), _page(*crowd))
    reader = EventReader(pages, start=T0, end=T0 + timedelta(hours=1))
    assert len(list(reader)) == 3
    assert reader.done and len(pages.windows) == 4
    assert all(w.end >= w.start for w in pages.windows)  # never an endDate before startDate
    assert reader.truncations == [Truncation(at=T0, shown=3)]


def test_a_server_returning_the_same_page_forever_does_not_loop():
    pages = _Pages(_page(_event(2), _event(1), has_more=True))
    assert [e.id for e in EventReader(pages)] == ["e2", "e1"]
    assert len(pages.windows) == 2


def test_truncation_message_is_in_local_time_to_the_millisecond(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Kolkata")  # +05:30, no daylight saving
    time.tzset()
    try:
        at = datetime(2026, 4, 10, 21, 42, 7, 123_900, tzinfo=UTC)
        assert Truncation(at=at, shown=100).message() == "more than 100 events at 03:12:07.123; showing 100"
    finally:
        monkeypatch.undo()
        time.tzset()


# --- iterate_events -----------------------------------------------------------------------------


class _FakeServer:
    """Holds events; answers a window like the service: `limit` items, bounds inclusive, ties
    in a fixed order."""

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
        inside.sort(key=lambda e: (e.start_time, e.id), reverse=self.sort == SortOrder.DESC)
        return EventPage(items=inside[: self.limit], has_more=len(inside) > self.limit)


@pytest.mark.parametrize("sort", [SortOrder.DESC, SortOrder.ASC])
def test_every_event_once_across_overlapping_pages(sort):
    # several events share a start time, so pages overlap at their boundaries
    events = [_event(n, minute=n // 3) for n in range(40)]
    server = _FakeServer(events, limit=7, sort=sort)
    got = list(iterate_events(EventReader(server.fetch, sort=sort)))
    assert sorted(e.id for e in got) == sorted(e.id for e in events)
    assert len(got) == len({e.id for e in got})
    assert len(server.windows) > 5
    if sort == SortOrder.DESC:
        ends = [w.end for w in server.windows[1:]]
        assert ends == sorted(ends, reverse=True)
    else:
        starts = [w.start for w in server.windows[1:]]
        assert starts == sorted(starts)


@pytest.mark.parametrize("sort", [SortOrder.DESC, SortOrder.ASC])
def test_an_instant_holding_more_than_a_page_is_reported_and_passed(sort):
    before = [_event(n, minute=n) for n in range(1, 6)]
    crowd = [Event(id=f"t{n:02}", start_time=T0 + timedelta(minutes=10)) for n in range(8)]
    after = [_event(n, minute=n) for n in range(20, 26)]
    server = _FakeServer(before + crowd + after, limit=3, sort=sort)
    reader = EventReader(server.fetch, sort=sort)
    got = list(iterate_events(reader))
    ids = {e.id for e in got}
    assert len(got) == len(ids)
    assert ids >= {e.id for e in before + after}, "nothing on either side of the instant is lost"
    assert len(ids & {e.id for e in crowd}) == 3
    assert reader.truncations == [Truncation(at=T0 + timedelta(minutes=10), shown=3)]
    times = [e.start_time for e in got]
    assert times == sorted(times, reverse=sort == SortOrder.DESC)


def test_max_items_stops_early_without_asking_for_more_pages():
    server = _FakeServer([_event(n) for n in range(50)], limit=10)
    got = list(iterate_events(EventReader(server.fetch), max_items=15))
    assert len(got) == 15
    assert len(server.windows) == 2


def test_max_items_zero_yields_nothing():
    server = _FakeServer([_event(n) for n in range(5)], limit=10)
    assert list(iterate_events(EventReader(server.fetch), max_items=0)) == []
    assert server.windows == []


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
        oldest = min(e.start_time for e in got[:8])
        assert second.url.params["endDate"] == rules.format_api_datetime(oldest + timedelta(milliseconds=1))
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


def test_a_failed_request_can_be_asked_again_without_losing_the_truncation():
    crowd = [Event(id=f"t{n}", start_time=T0) for n in range(3)]
    answers: list[EventPage | Exception] = [
        _page(*crowd), _page(*crowd), ConnectionError("the check failed"),
        _page(*crowd), _page(*crowd), _page(*crowd), _page(_event(-5), has_more=False),
    ]  # fmt: skip

    def fetch(window: PageWindow) -> EventPage:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    reader = EventReader(fetch)
    assert len(reader.read_page()) == 3
    with pytest.raises(ConnectionError):
        reader.read_page()
    assert [e.id for e in reader.read_page()] == ["e-5"]  # asked again: the same page, then on
    assert reader.truncations == [Truncation(at=T0, shown=3)]
    assert reader.done and answers == []
