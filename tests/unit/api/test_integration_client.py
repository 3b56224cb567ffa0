"""IntegrationClient against httpx.MockTransport: every endpoint's exact request, every error-body
shape and status, and answers of the wrong shape."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from faceter_viewer.api import errors, rules
from faceter_viewer.api.archive import ArchiveClient
from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.api.models import (
    AudioExportRequest,
    EventGrid,
    EventType,
    NewEvent,
    SortOrder,
    VideoExportRequest,
)
from tests.helpers.api_fakes import (
    BASE_URL,
    CAMERA_ID,
    ERROR_BODIES,
    KEY,
    DroppingStream,
    RecordingTransport,
    camera_json,
    sequence,
)

PREFIX = "/integration-api"
EXPORT_ID = "9fa85f64-5717-4562-b3fc-2c963f66afa2"
START = datetime(2026, 4, 10, 8, 0, tzinfo=UTC)
EVENT_JSON = {
    "id": "7fa85f64-5717-4562-b3fc-2c963f66afa1",
    "cameraId": CAMERA_ID,
    "type": "Motion",
    "startTime": "2026-04-10T08:00:00Z",
    "endTime": "2026-04-10T08:01:00Z",
    "previewUrl": "https://example.com/event-preview.jpg",
    "mergedEventsCount": 2,
    "attributes": [{"confidence": "0.98"}],
}


@pytest.fixture
def make_client(sleeps):
    def make(handler) -> tuple[IntegrationClient, RecordingTransport]:
        transport = RecordingTransport(handler)
        return IntegrationClient(KEY, BASE_URL, transport=transport, sleep=sleeps), transport

    return make


def _json(body, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def _assert_keyed(request: httpx.Request) -> None:
    assert request.headers[rules.KEY_HEADER] == KEY
    assert "signature" not in request.url.params


# --- happy paths: the exact request of each endpoint --------------------------------------------


@pytest.mark.parametrize(("answer", "valid"), [({"isValid": True}, True), ({"isValid": False}, False)])
def test_validate_key(make_client, answer, valid):
    client, transport = make_client(sequence(_json(answer)))
    assert client.validate_key() is valid
    request = transport.last
    assert (request.method, request.url.path) == ("POST", f"{PREFIX}/v1/integration-key/validate")
    assert request.url.query == b""
    _assert_keyed(request)


def test_validate_key_answers_false_on_401(make_client):
    client, transport = make_client(sequence(httpx.Response(401)))
    assert client.validate_key() is False
    assert len(transport.requests) == 1


def test_list_cameras(make_client):
    client, transport = make_client(sequence(_json([camera_json(), camera_json(id="cam-2", location=None)])))
    cameras = client.list_cameras()
    assert [c.id for c in cameras] == [CAMERA_ID, "cam-2"]
    assert cameras[1].location is None
    request = transport.last
    assert (request.method, str(request.url)) == ("GET", f"{BASE_URL}/v1/cameras")
    _assert_keyed(request)


def test_get_camera(make_client):
    client, transport = make_client(sequence(_json(camera_json())))
    camera = client.get_camera(CAMERA_ID)
    assert camera.title == "Entrance Camera"
    assert (transport.last.method, str(transport.last.url)) == ("GET", f"{BASE_URL}/v1/cameras/{CAMERA_ID}")
    _assert_keyed(transport.last)


def test_ids_are_sent_as_one_path_segment(make_client):
    client, transport = make_client(sequence(_json(camera_json())))
    client.get_camera("../a b/c?d")
    assert transport.last.url.raw_path == b"/integration-api/v1/cameras/..%2Fa%20b%2Fc%3Fd"


def test_list_events_sends_every_filter(make_client):
    client, transport = make_client(sequence(_json({"items": [EVENT_JSON], "hasMore": True})))
    page = client.list_events(
        CAMERA_ID,
        types=[EventType.MOTION, "Human", "NewKind"],
        start=datetime(2026, 4, 1, 3, 0, tzinfo=timezone(timedelta(hours=3))),
        end=datetime(2026, 4, 10),
        merge_interval=30,
        limit=100,
        sort=SortOrder.ASC,
    )
    assert page.has_more and page.items[0].attributes == {"confidence": "0.98"}
    request = transport.last
    assert (request.method, request.url.path) == ("GET", f"{PREFIX}/v1/cameras/{CAMERA_ID}/events")
    assert request.url.params.multi_items() == [
        ("eventTypes", "Motion"),
        ("eventTypes", "Human"),
        ("eventTypes", "NewKind"),
        ("startDate", "2026-04-01T00:00:00Z"),
        ("endDate", "2026-04-10T00:00:00Z"),
        ("mergeInterval", "30"),
        ("limit", "100"),
        ("sortOrder", "Asc"),
    ]
    assert b"eventTypes=Motion&eventTypes=Human&eventTypes=NewKind" in request.url.query
    _assert_keyed(request)


def test_list_events_leaves_out_unset_filters(make_client):
    client, transport = make_client(sequence(_json({"items": [], "hasMore": False})))
    assert client.list_events(CAMERA_ID).items == []
    assert transport.last.url.params.multi_items() == [("sortOrder", "Desc")]


def test_create_event_posts_the_object_form(make_client):
    client, transport = make_client(sequence(httpx.Response(204)))
    event = NewEvent(
        start_date=START,
        end_date=START + timedelta(minutes=1),
        event_type=EventType.MOTION,
        grid=EventGrid(rows=1, cols=2, cells=[0, 1]),
        attributes=[{"confidence": "0.98"}],
    )
    assert client.create_event(CAMERA_ID, event) is None
    request = transport.last
    assert (request.method, request.url.path) == ("POST", f"{PREFIX}/v1/cameras/{CAMERA_ID}/events")
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "eventId": event.event_id,
        "startDate": "2026-04-10T08:00:00Z",
        "endDate": "2026-04-10T08:01:00Z",
        "eventType": "Motion",
        "instant": False,
        "grid": {"rows": 1, "cols": 2, "cells": [0, 1]},
        "attributes": {"confidence": "0.98"},
    }
    _assert_keyed(request)


def test_list_recordings(make_client):
    client, transport = make_client(sequence(_json([{"startDate": "2026-04-10T08:00:00Z", "durationSeconds": 300}])))
    (recording,) = client.list_recordings(CAMERA_ID)
    assert recording.start_date == START and recording.duration_seconds == 300
    assert str(transport.last.url) == f"{BASE_URL}/v1/cameras/{CAMERA_ID}/recordings"
    _assert_keyed(transport.last)


def test_download_clip(make_client, tmp_path):
    client, transport = make_client(sequence(httpx.Response(200, content=b"\x00\x00\x00\x18ftypmp42")))
    progress: list[tuple[int, int | None]] = []
    dest = client.download_clip(
        CAMERA_ID, START, 60, tmp_path / "clip.mp4", on_progress=lambda w, t: progress.append((w, t))
    )
    assert dest.read_bytes() == b"\x00\x00\x00\x18ftypmp42"
    assert progress == [(12, 12)]
    request = transport.last
    assert (request.method, request.url.path) == ("GET", f"{PREFIX}/v1/cameras/{CAMERA_ID}/archive/clip")
    assert request.url.params.multi_items() == [("startDate", "2026-04-10T08:00:00Z"), ("duration", "60")]
    _assert_keyed(request)


def test_download_clip_resumes_with_range_the_same_query_and_the_key(make_client, tmp_path, sleeps):
    clip = bytes(range(256)) * 4096  # 1 MiB

    def handler(request: httpx.Request) -> httpx.Response:
        if "Range" not in request.headers:
            return httpx.Response(
                200, headers={"Content-Length": str(len(clip))}, stream=DroppingStream([clip[:700_000]])
            )
        offset = int(request.headers["Range"].removeprefix("bytes=").removesuffix("-"))
        return httpx.Response(
            206, headers={"Content-Range": f"bytes {offset}-{len(clip) - 1}/{len(clip)}"}, content=clip[offset:]
        )

    client, transport = make_client(handler)
    dest = client.download_clip(CAMERA_ID, START, 60, tmp_path / "clip.mp4")
    assert dest.read_bytes() == clip
    assert list(tmp_path.iterdir()) == [dest]
    first, second = transport.requests
    assert second.headers["Range"] == "bytes=700000-"  # every byte that arrived before the drop was kept
    assert first.url == second.url
    _assert_keyed(second)
    assert len(sleeps.delays) == 1


def test_create_video_export(make_client):
    client, transport = make_client(sequence(_json({"exportId": EXPORT_ID, "status": "Queued"}, status=202)))
    task = client.create_video_export(
        CAMERA_ID,
        VideoExportRequest(start_date=START, duration_seconds=120, audio_enabled=True, callback_url="https://e.x/h"),
    )
    assert (task.export_id, task.status, task.is_finished) == (EXPORT_ID, "Queued", False)
    request = transport.last
    assert (request.method, request.url.path) == ("POST", f"{PREFIX}/v1/cameras/{CAMERA_ID}/archive/exports")
    assert json.loads(request.content) == {
        "startDate": "2026-04-10T08:00:00Z",
        "durationSeconds": 120,
        "audioEnabled": True,
        "callbackUrl": "https://e.x/h",
    }
    _assert_keyed(request)


def test_create_video_export_without_callback_leaves_it_out(make_client):
    client, transport = make_client(sequence(_json({"exportId": EXPORT_ID, "status": "Queued"}, status=202)))
    client.create_video_export(CAMERA_ID, VideoExportRequest(start_date=START, duration_seconds=120))
    assert "callbackUrl" not in json.loads(transport.last.content)


def test_get_video_export(make_client):
    body = {
        "exportId": EXPORT_ID,
        "status": "Completed",
        "videoUrl": "https://example.com/archive.mp4",
        "previewUrl": "https://example.com/archive-preview.jpg",
        "errorMessage": None,
        "createdAtUtc": "2026-04-10T08:00:00Z",
        "completedAtUtc": "2026-04-10T08:02:00Z",
    }
    client, transport = make_client(sequence(_json(body)))
    export = client.get_video_export(CAMERA_ID, EXPORT_ID)
    assert export.is_completed and export.file_url == "https://example.com/archive.mp4"
    assert (transport.last.method, transport.last.url.path) == (
        "GET",
        f"{PREFIX}/v1/cameras/{CAMERA_ID}/archive/exports/{EXPORT_ID}",
    )
    _assert_keyed(transport.last)


def test_create_audio_export(make_client):
    client, transport = make_client(sequence(_json({"exportId": EXPORT_ID, "status": "Queued"}, status=202)))
    client.create_audio_export(CAMERA_ID, AudioExportRequest(start_date=START, duration_seconds=120))
    request = transport.last
    assert (request.method, request.url.path) == ("POST", f"{PREFIX}/v1/cameras/{CAMERA_ID}/exports/audio")
    assert json.loads(request.content) == {"startDate": "2026-04-10T08:00:00Z", "durationSeconds": 120}
    _assert_keyed(request)


def test_get_audio_export(make_client):
    body = {"exportId": EXPORT_ID, "status": "Completed", "audioUrl": "https://example.com/audio.mp3"}
    client, transport = make_client(sequence(_json(body)))
    export = client.get_audio_export(CAMERA_ID, EXPORT_ID)
    assert export.file_url == "https://example.com/audio.mp3"
    assert transport.last.url.path == f"{PREFIX}/v1/cameras/{CAMERA_ID}/exports/audio/{EXPORT_ID}"
    _assert_keyed(transport.last)


@pytest.mark.parametrize(
    ("url", "requested", "keyed"),
    [
        ("https://api.test/integration-api/files/a.mp4", "https://api.test/integration-api/files/a.mp4", True),
        ("/integration-api/files/a.mp4", "https://api.test/integration-api/files/a.mp4", True),
        ("files/a.mp4", "https://api.test/integration-api/files/a.mp4", True),
        ("https://cdn.example.com/a.mp4?token=t", "https://cdn.example.com/a.mp4?token=t", False),
        ("http://api.test/integration-api/files/a.mp4", "http://api.test/integration-api/files/a.mp4", False),
        ("https://api.test:444/files/a.mp4", "https://api.test:444/files/a.mp4", False),
        # the default port written out is the same origin (httpx drops it from the URL it sends)
        ("https://api.test:443/integration-api/files/a.mp4", "https://api.test/integration-api/files/a.mp4", True),
    ],
)
def test_download_file_sends_the_key_only_to_the_api_origin(make_client, tmp_path, url, requested, keyed):
    client, transport = make_client(sequence(httpx.Response(200, content=b"mp4 bytes")))
    client.download_file(url, tmp_path / "a.mp4")
    assert (tmp_path / "a.mp4").read_bytes() == b"mp4 bytes"
    request = transport.last
    assert (request.method, str(request.url)) == ("GET", requested)
    assert (rules.KEY_HEADER in request.headers) is keyed


def test_download_file_redirected_off_the_api_origin_drops_the_key(make_client, tmp_path):
    def handler(request):
        if request.url.host == "api.test":
            return httpx.Response(302, headers={"Location": "https://cdn.example.com/signed/a.mp4"})
        return httpx.Response(200, content=b"mp4 bytes")

    client, transport = make_client(handler)
    client.download_file("/integration-api/files/a.mp4", tmp_path / "a.mp4")
    api, cdn = transport.requests
    assert api.headers[rules.KEY_HEADER] == KEY
    assert cdn.url.host == "cdn.example.com" and rules.KEY_HEADER not in cdn.headers


def test_a_base_url_with_trailing_slash_and_a_stripped_key(sleeps):
    transport = RecordingTransport(sequence(_json([])))
    client = IntegrationClient(f"  {KEY}\n", BASE_URL + "/", transport=transport, sleep=sleeps)
    client.list_cameras()
    assert str(transport.last.url) == f"{BASE_URL}/v1/cameras"
    assert transport.last.headers[rules.KEY_HEADER] == KEY


def test_the_default_base_url_is_production():
    assert IntegrationClient(KEY).base_url == "https://cloud.faceter.cam/integration-api"


@pytest.mark.parametrize("key", ["", "   "])
def test_an_empty_key_is_refused_before_any_request(key):
    with pytest.raises(errors.AuthenticationError):
        IntegrationClient(key, BASE_URL)


def test_the_client_is_a_context_manager(make_client):
    client, _ = make_client(sequence(_json([])))
    with client as same:
        assert same is client


def test_archive_gives_a_client_for_the_camera(make_client):
    client, _ = make_client(sequence(_json(camera_json())))
    camera = client.get_camera(CAMERA_ID)
    archive = client.archive(camera)
    assert isinstance(archive, ArchiveClient) and archive.camera is camera


# --- errors: every endpoint, every status, every body shape -------------------------------------

Call = Callable[[IntegrationClient, Path], object]

ENDPOINTS: dict[str, tuple[Call, bool]] = {
    # name: (call, idempotent)
    "validate_key": (lambda c, d: c.validate_key(), True),
    "list_cameras": (lambda c, d: c.list_cameras(), True),
    "get_camera": (lambda c, d: c.get_camera(CAMERA_ID), True),
    "list_events": (lambda c, d: c.list_events(CAMERA_ID, types=["Motion"]), True),
    "create_event": (lambda c, d: c.create_event(CAMERA_ID, NewEvent(start_date=START)), True),
    "list_recordings": (lambda c, d: c.list_recordings(CAMERA_ID), True),
    "download_clip": (lambda c, d: c.download_clip(CAMERA_ID, START, 60, d / "clip.mp4"), True),
    "create_video_export": (
        lambda c, d: c.create_video_export(CAMERA_ID, VideoExportRequest(start_date=START, duration_seconds=60)),
        False,
    ),
    "get_video_export": (lambda c, d: c.get_video_export(CAMERA_ID, EXPORT_ID), True),
    "create_audio_export": (
        lambda c, d: c.create_audio_export(CAMERA_ID, AudioExportRequest(start_date=START, duration_seconds=60)),
        False,
    ),
    "get_audio_export": (lambda c, d: c.get_audio_export(CAMERA_ID, EXPORT_ID), True),
    "download_file": (lambda c, d: c.download_file("/integration-api/files/a.mp4", d / "a.mp4"), True),
}

STATUSES = {
    400: errors.BadRequestError,
    401: errors.AuthenticationError,
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
    422: errors.BadRequestError,
    429: errors.RateLimitedError,
    500: errors.ServerError,
    502: errors.ServerError,
    503: errors.ServerError,
}


def _expected_requests(status: int, idempotent: bool) -> int:
    if status == 429 or (status >= 500 and idempotent):
        return 3
    return 1


def _check_error(make_client, tmp_path, endpoint, status, shape, sleeps):
    call, idempotent = ENDPOINTS[endpoint]
    headers, body, phrase = ERROR_BODIES[shape]
    client, transport = make_client(lambda request: httpx.Response(status, headers=headers, content=body))
    if endpoint == "validate_key" and status == 401:
        assert call(client, tmp_path) is False  # §2: a 401 there means "not valid"
        return
    with pytest.raises(errors.FaceterError) as raised:
        call(client, tmp_path)
    error = raised.value
    assert type(error) is STATUSES[status]
    assert error.status == status
    if phrase is not None:
        assert phrase in str(error)
    else:
        assert str(error) == f"{type(error).default_message} (HTTP {status})"
    assert "<html" not in str(error)
    assert len(transport.requests) == _expected_requests(status, idempotent)
    assert len(sleeps.delays) == len(transport.requests) - 1
    assert list(tmp_path.iterdir()) == []  # no file from a failed download


@pytest.mark.parametrize("status", list(STATUSES))
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_every_status_of_every_endpoint(make_client, tmp_path, endpoint, status, sleeps):
    _check_error(make_client, tmp_path, endpoint, status, "problem-details", sleeps)


@pytest.mark.parametrize("shape", list(ERROR_BODIES))
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_every_body_shape_of_every_endpoint(make_client, tmp_path, endpoint, shape, sleeps):
    _check_error(make_client, tmp_path, endpoint, 400, shape, sleeps)


@pytest.mark.parametrize("shape", list(ERROR_BODIES))
@pytest.mark.parametrize("status", list(STATUSES))
def test_every_body_shape_with_every_status(make_client, tmp_path, status, shape, sleeps):
    _check_error(make_client, tmp_path, "get_camera", status, shape, sleeps)


def test_a_404_without_the_playlist_code_is_not_no_archive(make_client):
    client, _ = make_client(sequence(_json({"status": 404, "code": "CameraNotFound", "description": "nope"}, 404)))
    with pytest.raises(errors.NotFoundError) as raised:
        client.get_camera(CAMERA_ID)
    assert not isinstance(raised.value, errors.NoArchiveError)
    assert raised.value.code == "CameraNotFound"


def test_connection_refused_becomes_a_network_error(make_client, sleeps):
    client, transport = make_client(sequence(httpx.ConnectError("[Errno 111] Connection refused")))
    with pytest.raises(errors.NetworkError) as raised:
        client.list_cameras()
    assert str(raised.value).startswith("GET /v1/cameras: cannot connect")
    assert len(transport.requests) == 3


# --- answers of the wrong shape -----------------------------------------------------------------

JSON_ENDPOINTS = {
    "validate_key": {"isValid": "perhaps"},
    "list_cameras": {"items": []},
    "get_camera": {"title": "a camera without an id"},
    "list_events": {"items": [{"id": "e1"}], "hasMore": False},
    "list_recordings": [{"durationSeconds": 300}],
    "create_video_export": {"status": "Queued"},
    "get_video_export": ["not", "an", "object"],
    "create_audio_export": "Queued",
    "get_audio_export": {"exportId": {"nested": 1}},
}


@pytest.mark.parametrize("endpoint", list(JSON_ENDPOINTS))
def test_a_body_of_the_wrong_shape_is_invalid_response(make_client, tmp_path, endpoint):
    client, transport = make_client(sequence(_json(JSON_ENDPOINTS[endpoint], status=200)))
    with pytest.raises(errors.InvalidResponseError) as raised:
        ENDPOINTS[endpoint][0](client, tmp_path)
    assert "unexpected answer" in str(raised.value)
    assert len(transport.requests) == 1  # a wrong answer is not retried


@pytest.mark.parametrize("endpoint", list(JSON_ENDPOINTS))
@pytest.mark.parametrize("body", [b"{truncated", b"", b"<html>maintenance</html>", b"null\x00"])
def test_malformed_json_is_invalid_response(make_client, tmp_path, endpoint, body):
    client, _ = make_client(sequence(httpx.Response(200, content=body)))
    with pytest.raises(errors.InvalidResponseError):
        ENDPOINTS[endpoint][0](client, tmp_path)


def test_an_event_page_with_an_unknown_type_and_fields_is_kept(make_client):
    item = {**EVENT_JSON, "type": "Drone", "altitude": 120, "attributes": {"plate": "A1"}}
    client, _ = make_client(sequence(_json({"items": [item], "hasMore": False, "total": 1})))
    page = client.list_events(CAMERA_ID)
    assert page.items[0].type == "Drone"
    assert page.items[0].model_extra == {"altitude": 120}
    assert page.items[0].attributes == {"plate": "A1"}
