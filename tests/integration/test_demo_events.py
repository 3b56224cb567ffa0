"""Events of the demo service through the real client: paging, filters, merging, creation."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from faceter_viewer.api import errors
from faceter_viewer.api.models import EventType, NewEvent, SortOrder


@pytest.fixture
def camera_id(demo_service) -> str:
    return demo_service.cameras[0].id


def _all_events(client, camera_id, **kwargs):
    page = client.list_events(camera_id, limit=1000, **kwargs)
    assert not page.has_more, "the window must fit one page for this comparison"
    return page.items


def test_events_of_every_type_over_the_archive(demo_service, demo_client):
    counts: Counter[str] = Counter()
    for camera in demo_service.cameras[:4]:
        counts.update(e.type for e in demo_client.iter_events(camera.id, page_size=1000))
    assert set(counts) == {t.value for t in EventType}


def test_paging_with_has_more_brings_every_event_once(demo_client, camera_id):
    end = datetime.now(UTC)
    start = end - timedelta(hours=20)
    expected = _all_events(demo_client, camera_id, start=start, end=end)
    assert len(expected) > 120
    for sort in (SortOrder.DESC, SortOrder.ASC):
        first = demo_client.list_events(camera_id, start=start, end=end, limit=37, sort=sort)
        assert first.has_more and len(first.items) == 37
        paged = list(demo_client.iter_events(camera_id, start=start, end=end, page_size=37, sort=sort))
        ids = [e.id for e in paged]
        assert len(ids) == len(set(ids)), "no duplicates"
        assert set(ids) == {e.id for e in expected}, "all events"
        times = [e.start_time for e in paged]
        assert times == sorted(times, reverse=sort == SortOrder.DESC)


def test_default_order_is_newest_first_and_limit_is_capped(demo_client, camera_id):
    page = demo_client.list_events(camera_id, limit=5000, sort=SortOrder.NONE)
    assert len(page.items) == 1000 and page.has_more
    times = [e.start_time for e in page.items]
    assert times == sorted(times, reverse=True)
    assert times[0] <= datetime.now(UTC), "no event from the future"


def test_type_filter_with_repeated_parameters(demo_client, camera_id):
    items = _all_events(
        demo_client, camera_id, types=[EventType.FACE, EventType.LICENSE_PLATE], start=datetime.now(UTC) - timedelta(days=1)
    )
    assert items and {e.type for e in items} <= {"Face", "LicensePlate"}
    assert {e.type for e in items} == {"Face", "LicensePlate"}
    plates = [e for e in items if e.type == "LicensePlate"]
    assert all("plate" in e.attributes and "confidence" in e.attributes for e in plates)


def test_start_and_end_dates_are_inclusive(demo_client, camera_id):
    event = demo_client.list_events(camera_id, limit=50).items[-1]
    exact = demo_client.list_events(camera_id, start=event.start_time, end=event.start_time, limit=100)
    assert event.id in {e.id for e in exact.items}
    assert all(e.start_time == event.start_time for e in exact.items)


def test_merge_interval_merges_same_type_neighbours(demo_client, camera_id):
    everything = {"end": datetime.now(UTC)}  # the camera's whole stream: every group complete
    plain = _all_events(demo_client, camera_id, types=[EventType.MOTION], **everything)
    merged = _all_events(demo_client, camera_id, types=[EventType.MOTION], merge_interval=300, **everything)
    assert len(merged) < len(plain)
    assert sum(e.merged_events_count for e in merged) == len(plain)
    assert any(e.merged_events_count > 1 for e in merged)
    assert {e.id for e in merged} <= {e.id for e in plain}, "a merged event keeps its first event's id"
    for event in merged:
        assert event.end_time >= event.start_time


def test_a_merged_event_does_not_change_with_the_window(demo_client, camera_id):
    """§5 paging narrows the window page by page: a merged event must be the same in any window
    that holds its startTime (the demo merges over the whole stream)."""
    end = datetime.now(UTC)
    merged = _all_events(demo_client, camera_id, types=[EventType.MOTION], merge_interval=300, end=end)
    middle = merged[len(merged) // 2].start_time
    for start, stop in [(middle - timedelta(hours=2), middle), (middle, middle + timedelta(hours=2))]:
        window = _all_events(demo_client, camera_id, types=[EventType.MOTION], merge_interval=300, start=start, end=stop)
        expected = [e for e in merged if start <= e.start_time <= stop]
        assert window == expected  # same ids, counts, endTimes, order


def test_invalid_event_queries_are_400(demo_service, demo_client, camera_id):
    now = datetime.now(UTC)
    with pytest.raises(errors.BadRequestError, match="endDate"):
        demo_client.list_events(camera_id, start=now, end=now - timedelta(hours=1))
    with pytest.raises(errors.BadRequestError, match="limit"):
        demo_client.list_events(camera_id, limit=0)
    raw = httpx.get(
        f"{demo_service.base_url}/v1/cameras/{camera_id}/events",
        params={"sortOrder": "Sideways", "startDate": "yesterday"},
        headers={"X-Integration-Key": demo_service.integration_key},
    )
    assert raw.status_code == 400 and raw.json()["status"] == 400
    with pytest.raises(errors.NotFoundError):
        demo_client.list_events("no-such-camera")


def test_created_event_round_trip_and_no_duplicate_on_repeat(demo_client, camera_id):
    start = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)  # outside the generated archive: alone there
    event = NewEvent(
        start_date=start,
        end_date=start + timedelta(seconds=30),
        event_type=EventType.HUMAN,
        attributes={"confidence": "0.91", "zone": "door"},
    )
    demo_client.create_event(camera_id, event)
    demo_client.create_event(camera_id, event)  # a retried POST: same eventId
    found = demo_client.list_events(camera_id, start=start - timedelta(minutes=1), end=start + timedelta(minutes=1))
    assert [e.id for e in found.items] == [event.event_id]
    created = found.items[0]
    assert created.type == "Human" and created.start_time == start
    assert created.end_time == start + timedelta(seconds=30)
    assert created.attributes == {"confidence": "0.91", "zone": "door"}


def test_created_event_with_unknown_type_is_kept(demo_client, camera_id):
    start = datetime(2026, 1, 3, 0, 0, 0, tzinfo=UTC)
    demo_client.create_event(camera_id, NewEvent(start_date=start, event_type="DoorBell"))
    found = demo_client.list_events(camera_id, types=["DoorBell"], start=start, end=start)
    assert [e.type for e in found.items] == ["DoorBell"]


def _post(service, camera_id, content: bytes) -> httpx.Response:
    return httpx.post(
        f"{service.base_url}/v1/cameras/{camera_id}/events",
        content=content,
        headers={"X-Integration-Key": service.integration_key, "Content-Type": "application/json"},
    )


def test_invalid_posted_events_are_400_with_a_readable_reason(demo_service, demo_client, camera_id):
    not_json = _post(demo_service, camera_id, b"{not json")
    assert not_json.status_code == 400 and "not valid JSON" in not_json.json()["detail"]
    body = {
        "eventId": str(uuid.uuid4()),
        "startDate": "2026-04-10T08:00:00Z",
        "eventType": "Motion",
        "grid": {"rows": 3, "cols": 3, "cells": [1, 0]},
    }
    bad_grid = _post(demo_service, camera_id, json.dumps(body).encode())
    assert bad_grid.status_code == 400 and "grid" in bad_grid.json()["detail"]
    with pytest.raises(errors.BadRequestError, match="endDate"):
        start = datetime(2026, 1, 4, tzinfo=UTC)
        demo_client.create_event(camera_id, NewEvent(start_date=start, end_date=start - timedelta(seconds=1)))
    with pytest.raises(errors.NotFoundError):
        demo_client.create_event("no-such-camera", NewEvent(start_date=datetime.now(UTC)))
