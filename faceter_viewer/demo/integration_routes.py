"""The Integration API (document 000) as the demo service answers it.

Every request must carry `X-Integration-Key` (§2): POST /v1/integration-key/validate answers
{"isValid": false} for a wrong key; everywhere else a wrong or missing key is a 401
ProblemDetails. A camera without the archive grant answers 403 for recordings, clips and video
exports; a camera without the audio grant answers 403 for audio exports; an export id of another
camera answers 403, an unknown one 404. Parameter errors are 400 ProblemDetails whose `detail`
says what is wrong.

A posted event's base64 JPEG snapshot is served (without the key, like the other previews) at
ORIGIN/demo-media/cameras/<cameraId>/events/<eventId>/snapshot.jpg, which is the event's
`previewUrl`; a posted snapshot URL is the `previewUrl` itself. objectSnapshot is served at
.../object-snapshot.jpg (the event listing has no field for it).
"""

from __future__ import annotations

import base64
import binascii
import inspect
import io
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from faceter_viewer.api import rules
from faceter_viewer.api.models import (
    AudioExport,
    AudioExportRequest,
    Event,
    EventPage,
    ExportStatus,
    ExportTask,
    KeyValidation,
    NewEvent,
    Recording,
    SortOrder,
    VideoExport,
    VideoExportRequest,
)
from faceter_viewer.demo.dataset import CameraSpec
from faceter_viewer.demo.events import DEFAULT_LIMIT, MAX_LIMIT, DemoEvent, EventQuery, Snapshot
from faceter_viewer.demo.exports import AUDIO, VIDEO, Callback, ExportJob
from faceter_viewer.demo.responses import ApiError, model_response
from faceter_viewer.demo.state import INTEGRATION_PREFIX, MAX_CLIP_SECONDS, DemoState, utc

MAX_SNAPSHOT_BYTES = 5 * 1024 * 1024
"""A posted snapshot larger than this (decoded) is refused with 400."""
SNAPSHOT_FILES = {"snapshot": "snapshot.jpg", "objectSnapshot": "object-snapshot.jpg"}


def origin(request: Request) -> str:
    """scheme://host:port as the client reached us (so URLs work whatever host name it used)."""
    return f"{request.url.scheme}://{request.url.netloc}"


def _check_key(state: DemoState, request: Request) -> None:
    key = request.headers.get(rules.KEY_HEADER)
    if not key:
        raise ApiError(401, f"The {rules.KEY_HEADER} header is missing")
    if key != state.integration_key:
        raise ApiError(401, "The integration key is not valid")


def _camera(state: DemoState, request: Request) -> CameraSpec:
    _check_key(state, request)
    camera = state.dataset.by_id.get(request.path_params["camera_id"])
    if camera is None:
        raise ApiError(404, "Camera not found")
    return camera


def _archive_camera(state: DemoState, request: Request) -> CameraSpec:
    camera = _camera(state, request)
    if not camera.archive_granted:
        raise ApiError(403, "This integration key has no archive access to this camera")
    return camera


def _datetime_param(request: Request, name: str, required: bool = False) -> datetime | None:
    text = request.query_params.get(name)
    if text is None or text == "":
        if required:
            raise ApiError(400, f"{name} is required")
        return None
    try:
        return rules.parse_api_datetime(text)
    except ValueError:
        raise ApiError(400, f"{name} is not an ISO 8601 date and time: {text!r}") from None


def _int_param(request: Request, name: str, default: int | None = None) -> int | None:
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer, got {text!r}") from None


async def _body(request: Request, model: type[BaseModel]) -> BaseModel:
    raw = await request.body()
    try:
        payload = json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, f"The request body is not valid JSON: {exc}") from None
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in error['loc']) or 'body'}: {error['msg']}" for error in exc.errors()
        ]
        raise ApiError(400, "Invalid request body: " + "; ".join(problems)) from None


# --- key and cameras ----------------------------------------------------------------------------


def validate_key(state: DemoState, request: Request) -> Response:
    key = request.headers.get(rules.KEY_HEADER)
    if not key:
        raise ApiError(401, f"The {rules.KEY_HEADER} header is missing")
    return model_response(KeyValidation(is_valid=key == state.integration_key))


def list_cameras(state: DemoState, request: Request) -> Response:
    _check_key(state, request)
    base = origin(request)
    return model_response([state.camera_model(camera, base) for camera in state.dataset.cameras])


def get_camera(state: DemoState, request: Request) -> Response:
    return model_response(state.camera_model(_camera(state, request), origin(request)))


# --- events -------------------------------------------------------------------------------------


def event_snapshot_url(camera: CameraSpec, event_id: str, base: str, field: str = "snapshot") -> str:
    return f"{base}/demo-media/cameras/{camera.id}/events/{event_id}/{SNAPSHOT_FILES[field]}"


def _event_preview_url(event: DemoEvent, camera: CameraSpec, base: str) -> str:
    """A posted snapshot (served by us, or the URL posted), else the archive frame at the start."""
    if isinstance(event.snapshot, bytes):
        return event_snapshot_url(camera, event.id, base)
    if isinstance(event.snapshot, str):
        return event.snapshot
    return DemoState.preview_url(camera, base, event.start)


def _event_model(event: DemoEvent, camera: CameraSpec, base: str, merged: bool) -> Event:
    return Event(
        id=event.id,
        camera_id=event.camera_id,
        type=event.type,
        start_time=utc(event.start),
        end_time=utc(event.end),
        preview_url=_event_preview_url(event, camera, base),
        merged_events_count=event.merged_count if merged else None,
        attributes=event.attributes,
    )


def list_events(state: DemoState, request: Request) -> Response:
    camera = _camera(state, request)
    types = [t.strip() for value in request.query_params.getlist("eventTypes") for t in value.split(",")]
    start = _datetime_param(request, "startDate")
    end = _datetime_param(request, "endDate")
    if start and end and end < start:
        raise ApiError(400, "endDate is before startDate")
    merge = _int_param(request, "mergeInterval")
    if merge is not None and merge < 0:
        raise ApiError(400, "mergeInterval must not be negative")
    limit = _int_param(request, "limit", DEFAULT_LIMIT)
    if limit is None or limit < 1:
        raise ApiError(400, "limit must be at least 1")
    sort = request.query_params.get("sortOrder") or SortOrder.NONE
    known_orders = {order.value.lower(): order.value for order in SortOrder}
    if sort.lower() not in known_orders:
        raise ApiError(400, f"sortOrder must be one of None, Asc, Desc; got {sort!r}")
    query = EventQuery(
        types=frozenset(t for t in types if t) or None,
        start=start.timestamp() if start else None,
        end=end.timestamp() if end else None,
        merge_interval=merge or None,
        limit=min(limit, MAX_LIMIT),
        sort=known_orders[sort.lower()],
    )
    items, has_more = state.events.query(camera, query, state.now())
    base = origin(request)
    page = EventPage(items=[_event_model(e, camera, base, True) for e in items], has_more=has_more)
    return model_response(page)


async def create_event(state: DemoState, request: Request) -> Response:
    """POST /v1/cameras/{id}/events: 204, the event stored with everything posted; 400 (with
    the reason) for a body the document does not allow; the same eventId again changes nothing."""
    camera = _camera(state, request)
    new = await _body(request, NewEvent)
    assert isinstance(new, NewEvent)
    try:
        uuid.UUID(new.event_id)
    except ValueError:
        raise ApiError(400, f"eventId must be a UUID, got {new.event_id!r}") from None
    if not str(new.event_type).strip():
        raise ApiError(400, "eventType must not be empty")
    if new.end_date is not None and new.end_date < new.start_date:
        raise ApiError(400, "endDate is before startDate")
    if new.instant and new.end_date is not None and new.end_date != new.start_date:
        raise ApiError(400, "an instant event has no duration: leave endDate out (or equal to startDate)")
    start = new.start_date.timestamp()
    end = new.end_date.timestamp() if new.end_date else start
    event = DemoEvent(
        id=new.event_id,
        camera_id=camera.id,
        type=str(new.event_type),
        start=start,
        end=end,
        attributes=dict(new.attributes),
        posted=True,
        instant=new.instant or end == start,
        grid=new.grid,
        snapshot=_snapshot(new.snapshot, "snapshot"),
        object_snapshot=_snapshot(new.object_snapshot, "objectSnapshot"),
    )
    state.events.add(event)  # the same eventId twice is stored once (a retried POST is safe)
    return Response(status_code=204)


def _snapshot(value: str | None, field: str) -> Snapshot | None:
    """`snapshot`/`objectSnapshot` ("base64-or-url" in the document): an http(s) URL is kept as
    it is; anything else must be a base64 JPEG (a `data:image/jpeg;base64,` prefix allowed)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.lower().startswith(("http://", "https://")):
        return text
    if text.lower().startswith("data:"):
        header, _, text = text.partition(",")
        if ";base64" not in header.lower():
            raise ApiError(400, f"{field}: a data URL must be base64")
    try:
        data = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, f"{field} is neither base64 nor an http(s) URL") from None
    if len(data) > MAX_SNAPSHOT_BYTES:
        raise ApiError(400, f"{field} is larger than {MAX_SNAPSHOT_BYTES // (1024 * 1024)} MB")
    if not _is_jpeg(data):
        raise ApiError(400, f"{field} is not a JPEG image")
    return data


def _is_jpeg(data: bytes) -> bool:
    from PIL import Image  # the demo's only use of Pillow: not paid for at start-up

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "JPEG":
                return False
            image.verify()
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for a damaged image
        return False
    return True


def event_snapshot(state: DemoState, request: Request, field: str) -> Response:
    """A posted event's snapshot (previewUrl) or objectSnapshot, as posted (image/jpeg)."""
    camera = state.dataset.by_id.get(request.path_params["camera_id"])
    if camera is None:
        raise ApiError(404, "Camera not found")
    event = state.events.posted_event(camera.id, request.path_params["event_id"])
    data = getattr(event, "snapshot" if field == "snapshot" else "object_snapshot", None) if event else None
    if not isinstance(data, bytes):
        raise ApiError(404, "This event has no such snapshot")
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "max-age=86400"})


# --- recordings and clips -----------------------------------------------------------------------


def list_recordings(state: DemoState, request: Request) -> Response:
    camera = _archive_camera(state, request)
    recordings = [
        Recording(start_date=utc(a), duration_seconds=b - a) for a, b in state.layout(camera).intervals(state.now())
    ]
    body = [r.to_api() for r in recordings]
    for item in body:  # the document says integer; the model's float would print "300.0"
        seconds = item.get("durationSeconds")
        if isinstance(seconds, float) and seconds.is_integer():
            item["durationSeconds"] = int(seconds)
    return Response(json.dumps(body), media_type="application/json")


def _archived_range(state: DemoState, camera: CameraSpec, start: float, duration: float) -> tuple[float, float] | None:
    """[start, start+duration) shrunk to where archive exists (gaps inside are kept), or None."""
    parts = state.layout(camera).overlapping(start, start + duration, state.now())
    if not parts:
        return None
    return parts[0][0], parts[-1][1] - parts[0][0]


def get_clip(state: DemoState, request: Request) -> Response:
    camera = _archive_camera(state, request)
    start = _datetime_param(request, "startDate", required=True)
    duration = _int_param(request, "duration")
    if duration is None or not 0 < duration <= MAX_CLIP_SECONDS:
        raise ApiError(400, f"duration must be 1..{MAX_CLIP_SECONDS} seconds")
    assert start is not None
    archived = _archived_range(state, camera, start.timestamp(), duration)
    if archived is None:
        raise ApiError(404, "There is no archive in the requested range")
    path = state.clip_file(camera, *archived)
    stamp = utc(archived[0]).strftime("%Y%m%dT%H%M%SZ")
    return FileResponse(path, media_type="video/mp4", filename=f"clip-{stamp}-{duration}s.mp4")


# --- exports ------------------------------------------------------------------------------------


async def create_export(state: DemoState, request: Request, kind: str) -> Response:
    camera = _archive_camera(state, request)
    if kind == AUDIO and not camera.audio_granted:
        raise ApiError(403, "This integration key has no audio access to this camera")
    body = await _body(request, VideoExportRequest if kind == VIDEO else AudioExportRequest)
    assert isinstance(body, VideoExportRequest | AudioExportRequest)
    duration = body.duration_seconds
    if duration > MAX_CLIP_SECONDS:
        raise ApiError(400, f"durationSeconds must be at most {MAX_CLIP_SECONDS}")
    archived = _archived_range(state, camera, body.start_date.timestamp(), duration)
    start, length = archived if archived else (None, float(duration))
    base = origin(request)
    callback = None
    if body.callback_url:
        # The body a GET would answer, with URLs on the host this client reached us by.
        callback = Callback(body.callback_url, lambda job: _export_body(camera, job, base))
    job = state.exports.create(
        kind, camera.id, camera.look, start, length, "There is no archive in the requested range",
        audio=body.audio_enabled if isinstance(body, VideoExportRequest) else True,
        callback=callback,
    )  # fmt: skip
    task = ExportTask(export_id=job.id, status=job.status).to_api()
    return _json_response(_with_error_message(task, job), status=202)


def _export_model(camera: CameraSpec, job: ExportJob, base: str) -> VideoExport | AudioExport:
    done = job.status == ExportStatus.COMPLETED and job.file is not None
    file_url = f"{base}/demo-files/exports/{job.file.name}" if done and job.file else None
    common = dict(
        export_id=job.id,
        status=job.status,
        error_message=job.error,
        created_at_utc=utc(job.created_at),
        completed_at_utc=utc(job.completed_at) if job.completed_at else None,
    )
    if job.kind == VIDEO:
        return VideoExport(**common, video_url=file_url, preview_url=DemoState.preview_url(camera, base, job.start))
    return AudioExport(**common, audio_url=file_url)


def _with_error_message(body: dict[str, Any], job: ExportJob) -> dict[str, Any]:
    """`errorMessage` is always there: null until the export failed, as the service answers
    (the models' dump leaves out what is None)."""
    return {**body, "errorMessage": job.error}


def _export_body(camera: CameraSpec, job: ExportJob, base: str) -> dict[str, Any]:
    """The status JSON of an export: GET's body, and what a callbackUrl receives."""
    return _with_error_message(_export_model(camera, job, base).to_api(), job)


def _json_response(body: dict[str, Any], status: int = 200) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status_code=status, media_type="application/json")


def get_export(state: DemoState, request: Request, kind: str) -> Response:
    camera = _archive_camera(state, request)
    if kind == AUDIO and not camera.audio_granted:
        raise ApiError(403, "This integration key has no audio access to this camera")
    job = state.exports.get(request.path_params["export_id"])
    if job is None or job.kind != kind:
        raise ApiError(404, "Export not found")
    if job.camera_id != camera.id:
        raise ApiError(403, "This export belongs to another camera")
    return _json_response(_export_body(camera, job, origin(request)))


def export_file(state: DemoState, request: Request) -> Response:
    name = request.path_params["name"]
    path = state.exports.file_for(name)
    if path is None:
        raise ApiError(404, "No such export file")
    media_type = "video/mp4" if path.suffix == ".mp4" else ("audio/mpeg" if path.suffix == ".mp3" else "audio/mp4")
    return FileResponse(path, media_type=media_type, filename=name)


def routes(state: DemoState) -> list[Route]:
    def bind(handler: Callable, *args: object) -> Callable:
        # Sync handlers run in starlette's thread pool (they may wait for ffmpeg).
        if inspect.iscoroutinefunction(handler):

            async def endpoint(request: Request) -> Response:
                return await handler(state, request, *args)

        else:

            def endpoint(request: Request) -> Response:
                return handler(state, request, *args)

        return endpoint

    v1 = INTEGRATION_PREFIX + "/v1"
    cam = v1 + "/cameras/{camera_id}"
    return [
        Route(v1 + "/integration-key/validate", bind(validate_key), methods=["POST"]),
        Route(v1 + "/cameras", bind(list_cameras), methods=["GET"]),
        Route(cam, bind(get_camera), methods=["GET"]),
        Route(cam + "/events", bind(list_events), methods=["GET"]),
        Route(cam + "/events", bind(create_event), methods=["POST"]),
        Route(cam + "/recordings", bind(list_recordings), methods=["GET"]),
        Route(cam + "/archive/clip", bind(get_clip), methods=["GET"]),
        Route(cam + "/archive/exports", bind(create_export, VIDEO), methods=["POST"]),
        Route(cam + "/archive/exports/{export_id}", bind(get_export, VIDEO), methods=["GET"]),
        Route(cam + "/exports/audio", bind(create_export, AUDIO), methods=["POST"]),
        Route(cam + "/exports/audio/{export_id}", bind(get_export, AUDIO), methods=["GET"]),
        Route("/demo-files/exports/{name}", bind(export_file), methods=["GET"]),
        *(
            Route(f"/demo-media/cameras/{{camera_id}}/events/{{event_id}}/{name}", bind(event_snapshot, field), methods=["GET"])
            for field, name in SNAPSHOT_FILES.items()
        ),
    ]
