"""The pydantic models: the documents' examples, api-rules §4/§6/§7 tolerance, and fuzzing with
Hypothesis (only pydantic.ValidationError may leave model_validate)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from faceter_viewer.api import models
from tests.helpers.api_fakes import CAMERA_ID, SIGNATURE, camera_json

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


# --- the documents' examples --------------------------------------------------------------------


def test_camera_from_the_document_example():
    camera = models.Camera.model_validate(camera_json())
    assert camera.id == CAMERA_ID
    assert camera.device_id == "1fa85f64-5717-4562-b3fc-2c963f66afb1"
    assert camera.archive_api_token == models.ArchiveApiToken(signature=SIGNATURE, exp=1712745600)
    assert camera.archive_days == 30
    assert camera.platform == models.CameraPlatform.EMBEDDED
    assert camera.last_online_date == datetime(2026, 4, 10, 9, 0, tzinfo=UTC)
    assert camera.temp_access_expiry_date == datetime(2026, 4, 20, 9, 0, tzinfo=UTC)
    assert camera.location is not None and camera.location.title == "Main Office"
    assert camera.location.room is not None and camera.location.room.title == "Hall"
    assert camera.is_archive_granted and camera.is_audio_granted and camera.is_owner
    assert camera.has_archive_access


def test_camera_to_api_writes_the_wire_names_back():
    data = models.Camera.model_validate(camera_json()).to_api()
    assert data == camera_json()


def test_event_page_from_the_document_example():
    page = models.EventPage.model_validate({"items": [EVENT_JSON], "hasMore": False})
    (event,) = page.items
    assert event.type == models.EventType.MOTION
    assert event.start_time == datetime(2026, 4, 10, 8, 0, tzinfo=UTC)
    assert event.merged_events_count == 2
    assert event.attributes == {"confidence": "0.98"}
    assert page.has_more is False
    start = datetime(2026, 4, 10, 8, 0, tzinfo=UTC).timestamp()
    assert (event.start_timestamp, event.end_timestamp) == (start, start + 60)
    assert event.model_copy(update={"end_time": None}).end_timestamp is None


def test_recording_export_and_archive_bodies_from_the_documents():
    (rec,) = [models.Recording.model_validate(r) for r in [{"startDate": "2026-04-10T08:00:00Z", "durationSeconds": 300}]]
    assert rec.duration_seconds == 300 and rec.start_date.hour == 8
    start = datetime(2026, 4, 10, 8, tzinfo=UTC).timestamp()
    assert (rec.start_timestamp, rec.end_timestamp) == (start, start + 300)

    video = models.VideoExport.model_validate(
        {
            "exportId": "9fa85f64-5717-4562-b3fc-2c963f66afa2",
            "status": "Completed",
            "videoUrl": "https://example.com/archive.mp4",
            "previewUrl": "https://example.com/archive-preview.jpg",
            "errorMessage": None,
            "createdAtUtc": "2026-04-10T08:00:00Z",
            "completedAtUtc": "2026-04-10T08:02:00Z",
        }
    )
    assert video.is_finished and video.is_completed
    assert video.file_url == "https://example.com/archive.mp4"
    assert video.completed_at_utc == datetime(2026, 4, 10, 8, 2, tzinfo=UTC)

    audio = models.AudioExport.model_validate(
        {"exportId": "a", "status": "Completed", "audioUrl": "https://example.com/audio.mp3"}
    )
    assert audio.file_url == "https://example.com/audio.mp3"

    queued = models.ExportTask.model_validate({"exportId": "9f", "status": "Queued"})
    assert not queued.is_finished and queued.file_url is None

    failed = models.VideoExport.model_validate({"exportId": "9f", "status": "Failed", "errorMessage": "disk full"})
    assert failed.is_finished and not failed.is_completed and failed.error_message == "disk full"

    (interval,) = [models.TimelineInterval.model_validate(i) for i in [{"time": 1712745600000, "duration": 60000, "offset": 0}]]
    assert interval.start == datetime(2024, 4, 10, 10, 40, tzinfo=UTC)
    assert interval.end == datetime(2024, 4, 10, 10, 41, tzinfo=UTC)
    # Past api/, times are epoch seconds: the §16 milliseconds are converted here and only here.
    assert (interval.start_timestamp, interval.end_timestamp) == (1712745600.0, 1712745660.0)
    odd = models.TimelineInterval.model_validate({"time": 1712745600123, "duration": 1877})
    assert (odd.start_timestamp, odd.end_timestamp) == (1712745600.123, 1712745602.0)

    assert models.ArchiveSize.model_validate({"size": 10485760}).size == 10485760
    assert models.KeyValidation.model_validate({"isValid": True}).is_valid is True


def test_error_bodies():
    problem = models.ProblemDetails.model_validate(
        {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "Preview not found", "instance": "/p"}
    )
    assert (problem.status, problem.detail) == (404, "Preview not found")
    code = models.ErrorCodeBody.model_validate({"status": 404, "code": "PlaylistNotFound", "description": "gone"})
    assert (code.code, code.description) == ("PlaylistNotFound", "gone")
    assert models.ErrorCodeBody.model_validate({"message": "also read"}).description == "also read"


# --- §4 datetimes in models ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-10T08:00:00.1234567Z", datetime(2026, 4, 10, 8, 0, 0, 123456, tzinfo=UTC)),
        ("2026-04-10T11:00:00+03:00", datetime(2026, 4, 10, 8, 0, tzinfo=UTC)),
        ("2026-04-10T11:00:00.1234567+03:00", datetime(2026, 4, 10, 8, 0, 0, 123456, tzinfo=UTC)),
        ("2026-04-10T08:00:00", datetime(2026, 4, 10, 8, 0, tzinfo=UTC)),  # naive → UTC
    ],
)
def test_event_times_in_any_iso_form_become_aware_utc(text, expected):
    event = models.Event.model_validate({**EVENT_JSON, "startTime": text})
    assert event.start_time == expected
    assert event.start_time.utcoffset().total_seconds() == 0
    assert event.to_api()["startTime"] == expected.strftime("%Y-%m-%dT%H:%M:%S") + (
        f".{expected.microsecond // 1000:03d}Z" if expected.microsecond else "Z"
    )


def test_naive_datetime_given_in_python_is_utc():
    request = models.VideoExportRequest(start_date=datetime(2026, 4, 10, 8, 0), duration_seconds=60)
    assert request.start_date.tzinfo is not None
    assert request.to_api()["startDate"] == "2026-04-10T08:00:00Z"


# --- §6 attributes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "attributes",
    [[{"confidence": "0.98"}, {"plate": "A123BC"}], {"confidence": "0.98", "plate": "A123BC"}],
    ids=["list-form", "object-form"],
)
def test_attributes_in_either_form_become_a_dict(attributes):
    expected = {"confidence": "0.98", "plate": "A123BC"}
    assert models.Event.model_validate({**EVENT_JSON, "attributes": attributes}).attributes == expected
    new = models.NewEvent.model_validate({"startDate": "2026-04-10T08:00:00Z", "attributes": attributes})
    assert new.attributes == expected


def test_event_dumps_attributes_as_the_get_list_and_new_event_as_the_post_object():
    event = models.Event.model_validate({**EVENT_JSON, "attributes": {"confidence": "0.98", "plate": "A1"}})
    assert event.to_api()["attributes"] == [{"confidence": "0.98"}, {"plate": "A1"}]
    assert event.model_dump()["attributes"] == {"confidence": "0.98", "plate": "A1"}  # Python stays a dict

    new = models.NewEvent(start_date=datetime(2026, 4, 10, 8, tzinfo=UTC), attributes=[{"confidence": "0.98"}])
    assert new.to_api()["attributes"] == {"confidence": "0.98"}

    # and each form reads back to the same model
    assert models.Event.model_validate(event.to_api()) == event
    assert models.NewEvent.model_validate(new.to_api()) == new


def test_attributes_missing_or_null_are_empty_and_bad_entries_are_validation_errors():
    without = {k: v for k, v in EVENT_JSON.items() if k != "attributes"}
    assert models.Event.model_validate(without).attributes == {}
    assert models.Event.model_validate({**EVENT_JSON, "attributes": None}).attributes == {}
    with pytest.raises(ValidationError):
        models.Event.model_validate({**EVENT_JSON, "attributes": ["confidence"]})


def test_new_event_body_matches_the_post_example():
    new = models.NewEvent(
        start_date=datetime(2026, 4, 10, 8, tzinfo=UTC),
        end_date=datetime(2026, 4, 10, 8, 1, tzinfo=UTC),
        event_type=models.EventType.MOTION,
        grid=models.EventGrid(rows=3, cols=3, cells=[1, 0, 0, 1, 1, 0, 0, 0, 1]),
        attributes={"confidence": "0.98"},
        snapshot="base64-or-url",
    )
    body = new.to_api()
    assert body == {
        "eventId": new.event_id,
        "startDate": "2026-04-10T08:00:00Z",
        "endDate": "2026-04-10T08:01:00Z",
        "eventType": "Motion",
        "instant": False,
        "grid": {"rows": 3, "cols": 3, "cells": [1, 0, 0, 1, 1, 0, 0, 0, 1]},
        "attributes": {"confidence": "0.98"},
        "snapshot": "base64-or-url",
    }
    json.dumps(body)  # really JSON


def test_new_events_get_distinct_client_ids():
    start = datetime(2026, 4, 10, 8, tzinfo=UTC)
    assert models.NewEvent(start_date=start).event_id != models.NewEvent(start_date=start).event_id


@pytest.mark.parametrize(
    "grid",
    [{"rows": 2, "cols": 2, "cells": [1, 0, 1]}, {"rows": 0, "cols": 3, "cells": []}, {"rows": 1, "cols": 1}],
)
def test_a_grid_must_fill_rows_by_cols(grid):
    with pytest.raises(ValidationError):
        models.EventGrid.model_validate(grid)


def test_export_requests_need_a_positive_duration():
    with pytest.raises(ValidationError):
        models.VideoExportRequest(start_date=datetime(2026, 4, 10, tzinfo=UTC), duration_seconds=0)
    body = models.AudioExportRequest(start_date=datetime(2026, 4, 10, tzinfo=UTC), duration_seconds=120).to_api()
    assert body == {"startDate": "2026-04-10T00:00:00Z", "durationSeconds": 120}


# --- §7 tolerance -------------------------------------------------------------------------------


def test_unknown_enum_values_are_kept_as_text():
    camera = models.Camera.model_validate(camera_json(platform="Satellite"))
    assert camera.platform == "Satellite"
    event = models.Event.model_validate({**EVENT_JSON, "type": "Drone"})
    assert event.type == "Drone"
    export = models.VideoExport.model_validate({"exportId": "e", "status": "Transcoding"})
    assert export.status == "Transcoding" and not export.is_finished
    assert models.Camera.model_validate(camera_json(platform="Embedded")).platform == models.CameraPlatform.EMBEDDED


def test_missing_and_null_optionals():
    minimal = models.Camera.model_validate({"id": "cam-1"})
    assert minimal.location is None and minimal.archive_api_token is None and minimal.preview_url is None
    assert not minimal.has_archive_access

    no_location = models.Camera.model_validate(camera_json(location=None, previewUrl=None, tempAccessExpiryDate=None))
    assert no_location.location is None and no_location.preview_url is None
    assert no_location.temp_access_expiry_date is None

    no_room = models.Camera.model_validate(camera_json(location={"id": "loc-1", "title": "Office", "room": None}))
    assert no_room.location is not None and no_room.location.room is None

    bare_location = models.Camera.model_validate(camera_json(location={"title": "Office"}))
    assert bare_location.location.id is None and bare_location.location.room is None

    event = models.Event.model_validate({"id": "e1", "startTime": "2026-04-10T08:00:00Z", "endTime": None})
    assert event.end_time is None and event.preview_url is None and event.camera_id is None


def test_unknown_fields_are_kept_and_written_back():
    camera = models.Camera.model_validate(
        camera_json(newField={"nested": [1, 2]}, location={"title": "Office", "floor": 3})
    )
    assert camera.model_extra == {"newField": {"nested": [1, 2]}}
    assert camera.location.model_extra == {"floor": 3}
    data = camera.to_api()
    assert data["newField"] == {"nested": [1, 2]}
    assert data["location"]["floor"] == 3
    page = models.EventPage.model_validate({"items": [], "hasMore": False, "nextCursor": "x"})
    assert page.model_extra == {"nextCursor": "x"}


@pytest.mark.parametrize(
    ("model", "body"),
    [
        (models.Camera, {"title": "no id"}),
        (models.Camera, camera_json(archiveApiToken={"signature": "s"})),
        (models.Event, {"id": "e1"}),
        (models.Event, {**EVENT_JSON, "startTime": "last tuesday"}),
        (models.EventPage, {"items": "nope"}),
        (models.EventPage, {"items": [{"id": "e"}]}),
        (models.TimelineInterval, {"duration": 5}),
        (models.ExportTask, {"status": "Queued"}),
        (models.KeyValidation, {"isValid": "perhaps"}),
        (models.Camera, []),
        (models.Camera, "camera"),
        (models.Camera, None),
    ],
)
def test_wrong_shapes_are_validation_errors(model, body):
    with pytest.raises(ValidationError):
        model.model_validate(body)


# --- Hypothesis: any JSON document, only ValidationError may escape ---------------------------
#
# Each example is a valid document of the model (from the documents' examples) mutated by one
# Hypothesis-drawn byte string: fields dropped, replaced by odd JSON values, nested values mutated,
# stray fields added; now and then the whole document is replaced by some other JSON value. One
# `binary` draw per example keeps 1,000 examples per model fast while Hypothesis can still shrink.

ODD_VALUES: list = [
    None, True, False, 0, -1, 1, 3, 1.5, -0.0, 1e-05, 10**20, -(10**20), 10**400, 1e300, -1e300,
    1712745600, 1712745600000, "", "x", "Motion", "Drone", "Completed", "Failed", "Queued", "Embedded",
    "2026-04-10T08:00:00Z", "2026-04-10T08:00:00.1234567+03:00", "2026-04-10T08:00:00",
    "0001-01-01T00:00:00+03:00", "9999-12-31T23:59:59-03:00", "2026-02-30T00:00:00Z", "1e400",
    "true", "null", "Ж😀\x00", [], {}, [None], [1, 2], ["a"], [{}], [{"a": "1"}], [{"a": 1, "b": None}],
    {"a": "1"}, {"a": {"b": []}}, [[{"a": "1"}]], {"signature": 5}, {"rows": 1, "cols": 1, "cells": [0]},
]  # fmt: skip
STRAY_KEYS = ["unexpectedExtra", "nested", "x-new-field", "", "Ω"]


class _Bytes:
    """Successive bytes of the drawn string as choices (0 once used up: keep everything)."""

    def __init__(self, data: bytes) -> None:
        self._data, self._at = data, 0

    def __call__(self) -> int:
        self._at += 1
        return self._data[self._at - 1] if self._at <= len(self._data) else 0


def _odd(pick: _Bytes):
    b = pick()
    if b < 32:  # some text made of the next bytes
        return bytes(pick() for _ in range(b % 6)).decode("latin-1")
    return ODD_VALUES[b % len(ODD_VALUES)]


def _mutate(value, pick: _Bytes):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            b = pick()
            if b < 170:
                out[key] = _mutate(item, pick)
            elif b < 200:
                continue  # dropped
            else:
                out[key] = _odd(pick)
        if pick() > 230:
            out[STRAY_KEYS[pick() % len(STRAY_KEYS)]] = _odd(pick)
        return out
    if isinstance(value, list):
        items = [_mutate(item, pick) for item in value if pick() < 225]
        if pick() > 235:
            items.insert(pick() % (len(items) + 1), _odd(pick))
        return items
    return value if pick() < 215 else _odd(pick)


VALID_DOCUMENTS = {
    models.KeyValidation: [{"isValid": True}, {"isValid": False}],
    models.ArchiveApiToken: [{"signature": "3a1a3cfc", "exp": 1761376683}],
    models.Room: [{"id": "room-1", "title": "Hall"}],
    models.Location: [{"id": "loc-1", "title": "Main Office", "room": {"id": "room-1", "title": "Hall"}}],
    models.Camera: [camera_json(), {"id": "cam-2", "location": None}],
    models.Event: [EVENT_JSON, {**EVENT_JSON, "attributes": {"a": "1", "b": "2"}}],
    models.EventPage: [{"items": [EVENT_JSON, {**EVENT_JSON, "id": "e2", "type": "Human"}], "hasMore": True}],
    models.EventGrid: [{"rows": 3, "cols": 3, "cells": [1, 0, 0, 1, 1, 0, 0, 0, 1]}, {"rows": 1, "cols": 2, "cells": [0, 1]}],
    models.NewEvent: [
        {
            "eventId": "7fa85f64-5717-4562-b3fc-2c963f66afa1",
            "startDate": "2026-04-10T08:00:00Z",
            "endDate": "2026-04-10T08:01:00Z",
            "eventType": "Motion",
            "instant": False,
            "grid": {"rows": 3, "cols": 3, "cells": [1, 0, 0, 1, 1, 0, 0, 0, 1]},
            "attributes": {"confidence": "0.98"},
            "snapshot": "base64-or-url",
            "objectSnapshot": "base64-or-url",
        }
    ],
    models.Recording: [{"startDate": "2026-04-10T08:00:00Z", "durationSeconds": 300}],
    models.VideoExportRequest: [
        {"startDate": "2026-04-10T08:00:00Z", "durationSeconds": 120, "audioEnabled": True, "callbackUrl": "https://e.x/h"}
    ],
    models.AudioExportRequest: [{"startDate": "2026-04-10T08:00:00Z", "durationSeconds": 120, "callbackUrl": "https://e.x/h"}],
    models.ExportTask: [{"exportId": "9fa85f64", "status": "Queued"}],
    models.VideoExport: [
        {
            "exportId": "9fa85f64",
            "status": "Completed",
            "videoUrl": "https://example.com/archive.mp4",
            "previewUrl": "https://example.com/archive-preview.jpg",
            "errorMessage": None,
            "createdAtUtc": "2026-04-10T08:00:00Z",
            "completedAtUtc": "2026-04-10T08:02:00Z",
        }
    ],
    models.AudioExport: [
        {"exportId": "afa8", "status": "Completed", "audioUrl": "https://e.x/a.mp3", "createdAtUtc": "2026-04-10T08:00:00Z"}
    ],
    models.TimelineInterval: [{"time": 1712745600000, "duration": 60000, "offset": 0}],
    models.ArchiveSize: [{"size": 10485760}],
    models.ProblemDetails: [
        {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "Preview not found", "instance": "/p"}
    ],
    models.ErrorCodeBody: [{"status": 404, "code": "PlaylistNotFound", "description": "Archive playlist was not found"}],
}


def _document(model, data: bytes):
    pick = _Bytes(data)
    if pick() < 20:
        return _odd(pick)
    bases = VALID_DOCUMENTS[model]
    return _mutate(bases[pick() % len(bases)], pick)


def test_every_model_has_valid_documents_to_mutate():
    assert set(VALID_DOCUMENTS) == {
        value for value in vars(models).values()
        if isinstance(value, type) and issubclass(value, models.ApiModel) and value is not models.ApiModel
    }  # fmt: skip
    for model, documents in VALID_DOCUMENTS.items():
        for document in documents:
            model.model_validate(document)


@pytest.mark.parametrize("model", list(VALID_DOCUMENTS), ids=lambda m: m.__name__)
def test_any_json_document_validates_or_raises_only_validation_error(model):
    outcomes = {"valid": 0, "invalid": 0}

    @settings(max_examples=1000, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.binary(min_size=0, max_size=160))
    def check(data):
        document = json.loads(json.dumps(_document(model, data)))  # a JSON document, as sent
        try:
            instance = model.model_validate(document)
        except ValidationError:
            outcomes["invalid"] += 1
            return
        outcomes["valid"] += 1
        # whatever validated can be written back as JSON, and that JSON validates again
        model.model_validate(json.loads(json.dumps(instance.to_api())))

    check()
    assert outcomes["valid"] + outcomes["invalid"] >= 1000
    # the documents really mix both kinds, or the test would prove little
    assert outcomes["valid"] >= 50 and outcomes["invalid"] >= 50, outcomes


def test_a_non_finite_duration_is_rejected_not_written_back_as_null():
    import pytest as _pytest
    from pydantic import ValidationError as _ValidationError

    from faceter_viewer.api.models import Recording

    with _pytest.raises(_ValidationError):
        Recording.model_validate({"startDate": "2026-01-01T00:00:00Z", "durationSeconds": float("inf")})
