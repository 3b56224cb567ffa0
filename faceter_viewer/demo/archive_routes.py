"""The Archive API (document 001), live playlists and preview images of the demo service.

Every Archive API URL needs `signature` and `exp` (signing.py): expired -> 401, wrong -> 403,
unknown archive -> 404, all ProblemDetails; a camera without the archive grant -> 403.
`start`, `duration` and `time` are epoch SECONDS as decimals (§16); invalid ones -> 400.

- timeline: `[{time, duration, offset}]` in MILLISECONDS, the archive intervals clipped to
  [start, start+duration). `offset` (the document does not say what it is) is where the interval
  begins in the index.m3u8 of the same start/duration: the milliseconds of archive video before
  it in that playlist, so a player position maps to wall-clock time. 200 `[]` when none.
- index.m3u8: a VOD playlist of the archived 2-s segments overlapping the window (at most
  MAX_PLAYLIST_SECONDS long), relative signed segment URIs (same exp as the request), with
  #EXT-X-PROGRAM-DATE-TIME at the start and after each gap, and #EXT-X-DISCONTINUITY at gaps
  when `discontinuity=true`. 404 {"status","code":"PlaylistNotFound","description"} when empty.
- size: `{"size"}`: archived seconds in the window x BYTES_PER_SECOND (an estimate; segments are
  made on demand, so the real size is not known before they are).
- preview: the JPEG of the frame at `time`; 404 ProblemDetails where there is no archive.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from faceter_viewer.api import rules
from faceter_viewer.api.models import ArchiveSize, TimelineInterval
from faceter_viewer.demo.archive import floor_segment
from faceter_viewer.demo.dataset import SEGMENT_SECONDS, CameraSpec
from faceter_viewer.demo.integration_routes import origin
from faceter_viewer.demo.live import live_segment_starts
from faceter_viewer.demo.responses import HLS_MEDIA_TYPE, ApiError, code_error, model_response
from faceter_viewer.demo.signing import SignatureError
from faceter_viewer.demo.state import ARCHIVE_PREFIX, DemoState, utc

MAX_PLAYLIST_SECONDS = 86400
BYTES_PER_SECOND = 39_000  # the archive as stored: MPEG-TS segments of the demo measure 38.8–39.3 KB/s


def _signed_camera(state: DemoState, request: Request, need_grant: bool = True) -> CameraSpec:
    archive_id = request.path_params["archive_id"]
    camera = state.dataset.by_archive_id.get(archive_id)
    if camera is None:
        raise ApiError(404, "Archive not found")
    try:
        state.signer.verify(archive_id, request.query_params.get("signature"), request.query_params.get("exp"))
    except SignatureError as exc:
        raise ApiError(exc.status, exc.detail) from None
    if need_grant and not camera.archive_granted:
        raise ApiError(403, "No archive access to this camera")
    return camera


def _seconds(request: Request, name: str) -> float:
    text = request.query_params.get(name)
    if text is None or text == "":
        raise ApiError(400, f"{name} is required (Unix seconds)")
    try:
        return rules.from_archive_seconds(text).timestamp()
    except (ValueError, OverflowError, OSError):
        raise ApiError(400, f"{name} must be Unix seconds, got {text!r}") from None


def _window(request: Request) -> tuple[float, float]:
    start, duration = _seconds(request, "start"), _seconds(request, "duration")
    if duration <= 0:
        raise ApiError(400, "duration must be positive")
    return start, start + duration


def timeline(state: DemoState, request: Request) -> Response:
    camera = _signed_camera(state, request)
    start, end = _window(request)
    layout, now = state.layout(camera), state.now()
    playlist_start = floor_segment(start)
    items = []
    for a, b in layout.overlapping(start, end, now):
        offset = layout.seconds_between(playlist_start, a, now)
        items.append(
            TimelineInterval(time=round(a * 1000), duration=round((b - a) * 1000), offset=round(offset * 1000))
        )
    return model_response(items)


def playlist(state: DemoState, request: Request) -> Response:
    camera = _signed_camera(state, request)
    start, end = _window(request)
    if end - start > MAX_PLAYLIST_SECONDS:
        raise ApiError(400, f"duration must be at most {MAX_PLAYLIST_SECONDS} s for a playlist")
    discontinuity = request.query_params.get("discontinuity", "").lower() in ("true", "1")
    segments = state.layout(camera).segments(start, end, state.now())
    if not segments:
        return code_error(404, "PlaylistNotFound", "Archive playlist was not found")
    exp = request.query_params["exp"]
    signature = state.signer.sign(camera.archive_id, int(exp))
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}",
        f"#EXT-X-MEDIA-SEQUENCE:{segments[0] // SEGMENT_SECONDS}",
        "#EXT-X-PLAYLIST-TYPE:VOD",
    ]
    previous = None
    for segment in segments:
        if previous is None or segment != previous + SEGMENT_SECONDS:
            if previous is not None and discontinuity:
                lines.append("#EXT-X-DISCONTINUITY")
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{rules.format_api_datetime(utc(segment))}")
        lines.append(f"#EXTINF:{SEGMENT_SECONDS:.3f},")
        lines.append(f"segments/{segment}.ts?signature={signature}&exp={exp}")
        previous = segment
    lines.append("#EXT-X-ENDLIST")
    return Response("\n".join(lines) + "\n", media_type=HLS_MEDIA_TYPE)


def size(state: DemoState, request: Request) -> Response:
    camera = _signed_camera(state, request)
    start, end = _window(request)
    seconds = state.layout(camera).seconds_between(start, end, state.now())
    return model_response(ArchiveSize(size=math.floor(seconds * BYTES_PER_SECOND)))


def preview(state: DemoState, request: Request) -> Response:
    camera = _signed_camera(state, request)
    t = _seconds(request, "time")
    if not state.layout(camera).contains(t, state.now()):
        raise ApiError(404, "Preview not found")
    return Response(state.preview_jpeg(camera, t), media_type="image/jpeg")


def segment(state: DemoState, request: Request) -> Response:
    # Live playlists of cameras without the archive grant use these URLs too (signed by us).
    camera = _signed_camera(state, request, need_grant=False)
    start = request.path_params["start"]
    if start % SEGMENT_SECONDS or not state.layout(camera).contains(start, state.now()):
        raise ApiError(404, "Segment not found")
    path = state.media.segment_path(camera.look, start)
    return FileResponse(path, media_type="video/mp2t")


def live_playlist(state: DemoState, request: Request) -> Response:
    camera = state.dataset.by_id.get(request.path_params["camera_id"])
    if camera is None:
        raise ApiError(404, "Camera not found")
    if not camera.is_online:
        raise ApiError(404, "The camera is offline: no live stream")
    state.live.touch(camera)
    starts = live_segment_starts(state.now())
    base = origin(request)
    token = state.signer.issue(camera.archive_id)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}",
        f"#EXT-X-MEDIA-SEQUENCE:{starts[0] // SEGMENT_SECONDS}",
        f"#EXT-X-PROGRAM-DATE-TIME:{rules.format_api_datetime(utc(starts[0]))}",
    ]
    for start in starts:
        url = state.signed_archive_url(camera, base, f"segments/{start}.ts", exp=token.exp)
        lines += [f"#EXTINF:{SEGMENT_SECONDS:.3f},", url]
    return Response("\n".join(lines) + "\n", media_type=HLS_MEDIA_TYPE, headers={"Cache-Control": "no-cache"})


def public_preview(state: DemoState, request: Request) -> Response:
    """previewUrl of cameras (the newest frame) and of events (?time=)."""
    camera = state.dataset.by_id.get(request.path_params["camera_id"])
    if camera is None:
        raise ApiError(404, "Camera not found")
    t = _seconds(request, "time") if "time" in request.query_params else state.latest_frame_time(camera)
    if not state.layout(camera).contains(t, state.now()):
        raise ApiError(404, "Preview not found")
    return Response(state.preview_jpeg(camera, t), media_type="image/jpeg")


def routes(state: DemoState) -> list[Route]:
    def bind(handler: Callable) -> Callable:
        def endpoint(request: Request) -> Response:
            return handler(state, request)

        return endpoint

    archive = ARCHIVE_PREFIX + "/archives/{archive_id}"
    return [
        Route(archive + "/timeline", bind(timeline), methods=["GET"]),
        Route(archive + "/index.m3u8", bind(playlist), methods=["GET"]),
        Route(archive + "/size", bind(size), methods=["GET"]),
        Route(archive + "/preview", bind(preview), methods=["GET"]),
        Route(archive + "/segments/{start:int}.ts", bind(segment), methods=["GET"]),
        Route("/live/{camera_id}/index.m3u8", bind(live_playlist), methods=["GET"]),
        Route("/demo-media/cameras/{camera_id}/preview.jpg", bind(public_preview), methods=["GET"]),
    ]
