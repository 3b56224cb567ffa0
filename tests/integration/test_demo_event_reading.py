"""Reading the demo service's events page by page (api-rules §5) and what a POST stores: over
real HTTP, compared with the demo's own event store."""

from __future__ import annotations

import base64
import io
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PIL import Image

from faceter_viewer.api import IntegrationClient, errors
from faceter_viewer.api.models import EventGrid, EventType, NewEvent, SortOrder
from faceter_viewer.api.paging import Truncation
from faceter_viewer.demo.events import EventQuery
from faceter_viewer.demo.service import DemoService
from tests.helpers.demo_fixtures import DEMO_SEED

TYPES = [EventType.MOTION, EventType.HUMAN, EventType.VEHICLE, EventType.FACE, EventType.LICENSE_PLATE]


def _store_events(service, camera, **query):
    """What the demo itself holds for a query, every match (no limit)."""
    items, _ = service.state.events.query(camera, EventQuery(limit=10**9, **query), service.state.now())
    return items


def _read_all(reader):
    pages = []
    while page := reader.read_page():
        pages.append(page)
    assert reader.done
    return pages


@pytest.fixture(scope="module")
def week_service(demo_media_store):
    """A week of archive: over a thousand merged events whatever the time of day the run starts
    (the shared service's 3 days held 956 merged events for a run that started late in a UTC day)."""
    service = DemoService(seed=DEMO_SEED, cameras=1, archive_days=7, media=demo_media_store).start()
    yield service
    service.stop()


@pytest.mark.parametrize("sort", [SortOrder.DESC, SortOrder.ASC])
@pytest.mark.parametrize("merge", [None, 60])
def test_over_a_thousand_events_over_many_pages_none_missing_none_twice(week_service, sort, merge):
    camera = week_service.cameras[0]
    end = datetime.fromtimestamp(week_service.dataset.anchor, UTC)  # in the past: the answer is fixed
    expected = _store_events(
        week_service, camera, types=frozenset(TYPES), end=end.timestamp(), merge_interval=merge, sort=sort
    )
    assert len(expected) >= 1000
    with IntegrationClient(week_service.integration_key, week_service.base_url) as client:
        reader = client.event_reader(camera.id, types=TYPES, end=end, merge_interval=merge, page_size=50, sort=sort)
        pages = _read_all(reader)
    got = [e for page in pages for e in page]
    assert len(pages) >= 20
    assert len({e.id for e in got}) == len(got), "no duplicates"
    assert [e.id for e in got] == [e.id for e in expected], "none missing, in the demo's order"
    assert [e.merged_events_count for e in got] == [e.merged_count for e in expected]
    assert {e.type for e in got} == set(TYPES)
    assert reader.truncations == [] and reader.seen == len(expected)


@pytest.fixture
def lone_service(make_demo_service):
    """A service of its own: these tests post events that others should not see."""
    return make_demo_service(cameras=2)


@pytest.fixture
def lone_client(lone_service):
    with IntegrationClient(lone_service.integration_key, lone_service.base_url) as client:
        yield client


@pytest.mark.parametrize("sort", [SortOrder.DESC, SortOrder.ASC])
def test_an_instant_with_more_events_than_a_page(lone_service, lone_client, sort):
    camera = lone_service.cameras[0]
    instant = datetime.fromtimestamp(lone_service.dataset.anchor - 3 * 3600, UTC)
    burst = [NewEvent(start_date=instant, event_type=EventType.CUSTOM, instant=True) for _ in range(150)]
    for event in burst:
        lone_client.create_event(camera.id, event)
    window = {"start": instant - timedelta(hours=12), "end": instant + timedelta(hours=2, minutes=50)}  # before "now"
    everything = _store_events(lone_service, camera, start=window["start"].timestamp(), end=window["end"].timestamp(), sort=sort)
    ts = instant.timestamp()
    assert len([e for e in everything if e.start < ts]) > 50 and len([e for e in everything if e.start > ts]) > 20

    reader = lone_client.event_reader(camera.id, page_size=100, sort=sort, **window)
    got = [e for page in _read_all(reader) for e in page]

    burst_ids = {e.event_id for e in burst}
    # the service orders ties by id: the page at the instant holds the first 100 of them
    readable = [e for e in everything if e.id not in burst_ids] + [e for e in everything if e.id in burst_ids][:100]
    assert sorted(e.id for e in got) == sorted(e.id for e in readable)
    assert len({e.id for e in got}) == len(got)
    times = [e.start_time for e in got]
    assert times == sorted(times, reverse=sort == SortOrder.DESC)
    assert reader.truncations == [Truncation(at=instant, shown=100)]
    assert reader.truncations[0].message().startswith("more than 100 events at ")
    # iter_events reads the same (the first paging code stopped at the instant: every older
    # event (Asc: newer) was lost)
    assert [e.id for e in lone_client.iter_events(camera.id, page_size=100, sort=sort, **window)] == [e.id for e in got]


# --- what a POST stores -------------------------------------------------------------------------


def _jpeg(color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), color).save(buffer, format="JPEG")
    return buffer.getvalue()


def _listed(client, camera_id, event_id, at):
    items = client.list_events(camera_id, start=at, end=at, limit=1000).items
    return [e for e in items if e.id == event_id]


def test_a_posted_event_keeps_everything_and_serves_its_snapshot(lone_service, lone_client):
    camera = lone_service.cameras[0]
    start = datetime(2026, 2, 1, 10, 0, 0, 250_000, tzinfo=UTC)
    jpeg, crop = _jpeg(), _jpeg((10, 200, 10))
    event = NewEvent(
        start_date=start,
        end_date=start + timedelta(seconds=42),
        event_type=EventType.LICENSE_PLATE,
        grid=EventGrid(rows=3, cols=3, cells=[1, 0, 0, 1, 1, 0, 0, 0, 1]),
        attributes={"plate": "A123BC", "confidence": "0.97"},
        snapshot=base64.b64encode(jpeg).decode(),
        object_snapshot="data:image/jpeg;base64," + base64.b64encode(crop).decode(),
    )
    lone_client.create_event(camera.id, event)
    [listed] = _listed(lone_client, camera.id, event.event_id, start)
    assert listed.type == "LicensePlate"
    assert listed.start_time == start and listed.end_time == start + timedelta(seconds=42)
    assert listed.attributes == {"plate": "A123BC", "confidence": "0.97"}
    assert listed.preview_url.endswith(f"/events/{event.event_id}/snapshot.jpg")

    answer = httpx.get(listed.preview_url)  # a real JPEG route, like the other previews (no key)
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
    assert answer.content == jpeg
    assert lone_client.fetch_bytes(listed.preview_url) == jpeg
    crop_url = listed.preview_url.replace("snapshot.jpg", "object-snapshot.jpg")
    assert httpx.get(crop_url).content == crop

    stored = lone_service.state.events.posted_event(camera.id, event.event_id)
    assert stored.grid == event.grid and not stored.instant


def test_an_instant_event_and_a_snapshot_url(lone_service, lone_client):
    camera = lone_service.cameras[0]
    start = datetime(2026, 2, 1, 11, 0, tzinfo=UTC)
    event = NewEvent(start_date=start, instant=True, snapshot="https://example.com/snap.jpg")
    lone_client.create_event(camera.id, event)
    [listed] = _listed(lone_client, camera.id, event.event_id, start)
    assert listed.type == "Custom" and listed.end_time == start
    assert listed.preview_url == "https://example.com/snap.jpg"
    assert lone_service.state.events.posted_event(camera.id, event.event_id).instant
    no_snapshot = NewEvent(start_date=start + timedelta(seconds=1))
    lone_client.create_event(camera.id, no_snapshot)
    [plain] = _listed(lone_client, camera.id, no_snapshot.event_id, start + timedelta(seconds=1))
    assert "/preview.jpg?time=" in plain.preview_url  # the archive frame, as generated events have
    missing = httpx.get(lone_service.origin + f"/demo-media/cameras/{camera.id}/events/{no_snapshot.event_id}/snapshot.jpg")
    assert missing.status_code == 404 and missing.json()["status"] == 404


def test_posting_a_stored_event_id_again_changes_nothing(lone_service, lone_client):
    camera = lone_service.cameras[0]
    start = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
    first = NewEvent(start_date=start, event_type=EventType.HUMAN, attributes={"try": "1"})
    again = NewEvent(event_id=first.event_id, start_date=start, event_type=EventType.PET, attributes={"try": "2"})
    lone_client.create_event(camera.id, first)
    lone_client.create_event(camera.id, first)
    lone_client.create_event(camera.id, again)
    [listed] = _listed(lone_client, camera.id, first.event_id, start)
    assert listed.type == "Human" and listed.attributes == {"try": "1"}


def _post(service, camera_id, body) -> httpx.Response:
    return httpx.post(
        f"{service.base_url}/v1/cameras/{camera_id}/events",
        content=json.dumps(body).encode(),
        headers={"X-Integration-Key": service.integration_key, "Content-Type": "application/json"},
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"eventId": "not-a-uuid"}, "eventId must be a UUID"),
        ({"eventType": " "}, "eventType must not be empty"),
        ({"instant": True, "endDate": "2026-04-10T08:00:05Z"}, "instant event"),
        ({"snapshot": "@@@ not base64 @@@"}, "snapshot is neither base64"),
        ({"snapshot": base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 40).decode()}, "snapshot is not a JPEG"),
        ({"objectSnapshot": base64.b64encode(b"\xff\xd8\xff broken").decode()}, "objectSnapshot is not a JPEG"),
        ({"startDate": "tomorrow"}, "startDate"),
        ({"grid": {"rows": 2, "cols": 2, "cells": [1]}}, "grid"),
    ],
)
def test_invalid_posts_are_400_with_the_reason_and_store_nothing(lone_service, change, reason):
    camera = lone_service.cameras[0]
    body = {"eventId": str(uuid.uuid4()), "startDate": "2026-04-10T08:00:00Z", "eventType": "Motion", **change}
    answer = _post(lone_service, camera.id, body)
    assert answer.status_code == 400
    problem = answer.json()
    assert problem["status"] == 400 and reason in problem["detail"]
    assert lone_service.state.events.posted_event(camera.id, body["eventId"]) is None


def test_an_unknown_camera_is_404(lone_client):
    with pytest.raises(errors.NotFoundError):
        lone_client.create_event("no-such-camera", NewEvent(start_date=datetime.now(UTC)))
