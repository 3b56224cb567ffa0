"""Event paging (api-rules §5) over real HTTP against a service that keeps 100-ns startTimes, as
.NET does: the two defects of the first paging code, and the eventId of a retried POST (§13)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.api.models import NewEvent, SortOrder
from faceter_viewer.api.paging import Truncation
from faceter_viewer.api.retry import RetryPolicy
from tests.helpers.api_fakes import KEY
from tests.helpers.events_server import EventsServer, ticks_at

T = datetime(2026, 4, 10, 8, 0, tzinfo=UTC)
FAST_RETRY = RetryPolicy(base_delay=0.01, max_delay=0.02)


@pytest.fixture
def server() -> Iterator[EventsServer]:
    with EventsServer() as running:
        yield running


@pytest.fixture
def client(server: EventsServer) -> Iterator[IntegrationClient]:
    with IntegrationClient(KEY, server.base_url, retry=FAST_RETRY) as running:
        yield running


def _ids(events) -> list[str]:
    return [e.id for e in events]


# --- defect (a): the narrowed endDate was cut to the millisecond --------------------------------


def _boundary_millisecond(server: EventsServer) -> None:
    """Page 1 (limit 3, Desc) ends at .1234567; D is later in that millisecond's first part."""
    for name, ticks in [
        ("A", 1_300_000), ("B", 1_290_000), ("C", 1_234_567), ("D", 1_234_000),
        ("E", 1_100_000), ("F", 1_000_000), ("G", 500_000),
    ]:  # fmt: skip
        server.add(name, ticks_at(T, ticks))


@pytest.mark.parametrize("sort", [SortOrder.DESC, SortOrder.ASC])
def test_an_event_later_in_the_boundary_millisecond_is_not_lost(server, client, sort):
    _boundary_millisecond(server)
    got = list(client.iter_events("cam", page_size=3, sort=sort))
    expected = ["A", "B", "C", "D", "E", "F", "G"]
    assert _ids(got) == (expected if sort == SortOrder.DESC else expected[::-1])
    if sort == SortOrder.DESC:
        # rounded UP: the whole of 08:00:00.123 stays inside (the old code sent .123Z and lost D)
        assert server.queries[1]["endDate"] == ["2026-04-10T08:00:00.124Z"]


def test_the_callers_own_bounds_keep_their_sub_millisecond_edge(server, client):
    server.add("inside", ticks_at(T, 1_234_000))
    server.add("past-end", ticks_at(T, 1_236_000))  # same millisecond, after the end asked for
    server.add("older", ticks_at(T, 0))
    end = T + timedelta(microseconds=123_500)
    got = list(client.iter_events("cam", end=end, start=T, page_size=10))
    assert _ids(got) == ["inside", "older"]
    assert server.queries[0]["endDate"] == ["2026-04-10T08:00:00.124Z"]


# --- defect (b): more events at one instant than a page ended the read --------------------------


def _crowded_instant(server: EventsServer) -> datetime:
    at = T + timedelta(milliseconds=500)
    for n in range(3):
        server.add(f"new{n}", ticks_at(T, 60 * 10**7 + n))  # a minute later
    for n in range(12):
        server.add(f"at{n:02}", ticks_at(at))
    for n in range(6):
        server.add(f"old{n}", ticks_at(T - timedelta(minutes=n + 1)))
    return at


@pytest.mark.parametrize("sort", [SortOrder.DESC, SortOrder.ASC])
def test_events_past_an_instant_holding_more_than_a_page_are_still_read(server, client, sort):
    at = _crowded_instant(server)
    got = _ids(client.iter_events("cam", page_size=5, sort=sort))
    assert len(got) == len(set(got)), "no duplicates"
    assert {f"old{n}" for n in range(6)} <= set(got), "older events are read (the old code lost them all)"
    assert {f"new{n}" for n in range(3)} <= set(got)
    assert len([i for i in got if i.startswith("at")]) == 5  # one page of the instant: all the API gives

    reader = client.event_reader("cam", page_size=5, sort=sort)
    pages = []
    while page := reader.read_page():
        pages.append(page)
    assert reader.done and reader.read_page() == []
    assert reader.seen == len(got) == sum(len(p) for p in pages)
    assert reader.truncations == [Truncation(at=at, shown=5)]
    times = [e.start_time for p in pages for e in p]
    assert times == sorted(times, reverse=sort == SortOrder.DESC), "order kept across pages"


def test_a_crowded_sub_millisecond_is_reported_once_and_passed(server, client):
    base = T + timedelta(milliseconds=200)
    for n in range(6):
        server.add(f"sub{n}", ticks_at(base, n + 1))  # six events inside 08:00:00.200
    server.add("older", ticks_at(T))
    reader = client.event_reader("cam", page_size=3)
    got = _ids(list(reader))
    assert got == ["sub5", "sub4", "sub3", "older"]
    assert [t.shown for t in reader.truncations] == [3]
    assert reader.truncations[0].at.replace(microsecond=0) == base.replace(microsecond=0)
    assert "events at " in reader.truncations[0].message()


def test_a_full_page_in_one_millisecond_is_not_called_a_truncation(server, client):
    for n in range(3):
        server.add(f"at{n}", ticks_at(T, 7_000_000))
    server.add("newer", ticks_at(T, 9_000_000))
    server.add("older", ticks_at(T, 1_000_000))
    reader = client.event_reader("cam", page_size=3)
    assert sorted(_ids(reader)) == ["at0", "at1", "at2", "newer", "older"]
    assert reader.truncations == []


def test_types_and_merge_interval_are_sent_on_every_page(server, client):
    for n in range(7):
        server.add(f"m{n}", ticks_at(T, n * 10**7), type="Motion")
        server.add(f"h{n}", ticks_at(T, n * 10**7), type="Human")
    got = list(client.iter_events("cam", types=["Motion"], merge_interval=30, page_size=2))
    assert _ids(got) == [f"m{n}" for n in reversed(range(7))]
    assert len(server.queries) >= 4
    assert all(q["eventTypes"] == ["Motion"] and q["mergeInterval"] == ["30"] for q in server.queries)


# --- §13: a retried POST carries the same eventId -----------------------------------------------


def test_a_retry_after_a_5xx_sends_the_same_event_id(server, client):
    server.post_statuses = [500, 503]  # created, but the answers were lost twice
    event = NewEvent(start_date=T, event_type="Custom", attributes={"source": "door"})
    client.create_event("cam", event)
    assert len(server.posts) == 3
    assert {post["eventId"] for post in server.posts} == {event.event_id}
    assert list(server.created) == [event.event_id]
