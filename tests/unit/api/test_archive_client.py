"""ArchiveClient against httpx.MockTransport: signed URLs in both forms (§14, §15), time units (§16),
no-archive answers (§17, §19), token refresh (§18), and never the integration key."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from faceter_viewer.api import errors, rules
from faceter_viewer.api.archive import ArchiveClient
from faceter_viewer.api.http import HttpSession
from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.api.models import Camera
from tests.helpers.api_fakes import (
    CAMERA_ID,
    ERROR_BODIES,
    KEY,
    SIGNATURE,
    RecordingTransport,
    camera_json,
    sequence,
)

T0 = 1_800_000_000.0  # the fake clock's start, in Unix seconds
START = datetime(2024, 4, 10, 10, 40, 0, 500000, tzinfo=UTC)  # 1712745600.5
JPEG = b"\xff\xd8\xff\xe0 a jpeg \xff\xd9"
PLAYLIST = "#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:6.000,\nsegment1.ts\n#EXTINF:6.000,\nsegment2.ts\n"
PLAYLIST_NOT_FOUND = {"status": 404, "code": "PlaylistNotFound", "description": "Archive playlist was not found"}
PREVIEW_NOT_FOUND = {
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "detail": "Preview not found",
    "instance": f"/archives/{CAMERA_ID}/preview",
}


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _camera(signature: str = SIGNATURE, exp: float = T0 + 3600, **overrides) -> Camera:
    return Camera.model_validate(
        camera_json(archiveApiToken={"signature": signature, "exp": int(exp)}, **overrides)
    )


class Refresher:
    """Stands in for IntegrationClient.get_camera: hands out cameras with new signatures."""

    def __init__(self, clock: FakeClock, lifetime: float = 3600, **overrides) -> None:
        self.clock, self.lifetime, self.overrides = clock, lifetime, overrides
        self.calls = 0

    def __call__(self) -> Camera:
        self.calls += 1
        return _camera(f"sig-renewed-{self.calls}", self.clock.now + self.lifetime, **self.overrides)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_archive(sleeps, clock):
    def make(handler, camera: Camera | None = None, refresher: Refresher | None = None):
        transport = RecordingTransport(handler)
        refresher = refresher or Refresher(clock)
        client = ArchiveClient(
            camera or _camera(), HttpSession(transport=transport, sleep=sleeps), refresh_camera=refresher, clock=clock
        )
        return client, transport, refresher

    return make


def _signed(request: httpx.Request, signature: str = SIGNATURE, exp: float = T0 + 3600) -> None:
    assert request.url.params["signature"] == signature
    assert request.url.params["exp"] == str(int(exp))
    assert rules.KEY_HEADER not in request.headers


# --- happy paths --------------------------------------------------------------------------------


def test_timeline(make_archive):
    body = [{"time": 1712745600000, "duration": 60000, "offset": 0}, {"time": 1712745720000, "duration": 5000}]
    archive, transport, _ = make_archive(sequence(httpx.Response(200, json=body)))
    intervals = archive.timeline(START, START + timedelta(minutes=10))
    assert [(i.start, i.end) for i in intervals] == [
        (datetime(2024, 4, 10, 10, 40, tzinfo=UTC), datetime(2024, 4, 10, 10, 41, tzinfo=UTC)),
        (datetime(2024, 4, 10, 10, 42, tzinfo=UTC), datetime(2024, 4, 10, 10, 42, 5, tzinfo=UTC)),
    ]
    request = transport.last
    assert (request.method, request.url.host, request.url.path) == ("GET", "archive.test", f"/archives/{CAMERA_ID}/timeline")
    assert request.url.params.multi_items() == [
        ("start", "1712745600.5"),
        ("duration", "600"),
        ("signature", SIGNATURE),
        ("exp", str(int(T0 + 3600))),
    ]
    _signed(request)


def test_timeline_accepts_epoch_seconds(make_archive):
    archive, transport, _ = make_archive(sequence(httpx.Response(200, json=[])))
    assert archive.timeline(1712745600, 1712745660.25) == []
    assert transport.last.url.params["start"] == "1712745600"
    assert transport.last.url.params["duration"] == "60.25"


@pytest.mark.parametrize("discontinuity", [False, True])
def test_fetch_playlist(make_archive, discontinuity):
    archive, transport, _ = make_archive(
        sequence(httpx.Response(200, text=PLAYLIST, headers={"content-type": "application/vnd.apple.mpegurl"}))
    )
    assert archive.fetch_playlist(START, 120, discontinuity=discontinuity) == PLAYLIST
    request = transport.last
    assert request.url.path == f"/archives/{CAMERA_ID}/index.m3u8"
    expected = [("start", "1712745600.5"), ("duration", "120")]
    if discontinuity:
        expected.append(("discontinuity", "true"))
    assert request.url.params.multi_items()[: len(expected)] == expected
    assert "discontinuity" in request.url.params if discontinuity else "discontinuity" not in request.url.params
    _signed(request)


def test_playlist_url_is_signed_for_the_player(make_archive):
    archive, transport, _ = make_archive(sequence(httpx.Response(500)))
    url = httpx.URL(archive.playlist_url(START, 3600, discontinuity=True))
    assert (url.scheme, url.host, url.path) == ("https", "archive.test", f"/archives/{CAMERA_ID}/index.m3u8")
    assert url.params.multi_items() == [
        ("start", "1712745600.5"),
        ("duration", "3600"),
        ("discontinuity", "true"),
        ("signature", SIGNATURE),
        ("exp", str(int(T0 + 3600))),
    ]
    assert transport.requests == []  # building the URL sends nothing


def test_size(make_archive):
    archive, transport, _ = make_archive(sequence(httpx.Response(200, json={"size": 10485760})))
    assert archive.size(START, 60) == 10485760
    assert transport.last.url.path == f"/archives/{CAMERA_ID}/size"
    assert transport.last.url.params["duration"] == "60"
    _signed(transport.last)


def test_preview_jpeg(make_archive):
    archive, transport, _ = make_archive(sequence(httpx.Response(200, content=JPEG, headers={"content-type": "image/jpeg"})))
    assert archive.preview_jpeg(START) == JPEG
    request = transport.last
    assert request.url.path == f"/archives/{CAMERA_ID}/preview"
    assert request.url.params.multi_items()[0] == ("time", "1712745600.5")
    assert "start" not in request.url.params and "duration" not in request.url.params
    _signed(request)


# --- both forms of archiveApiUrl (§14) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("archive_api_url", "path", "extra_params"),
    [
        ("https://archive.test", f"/archives/{CAMERA_ID}/timeline", []),
        ("https://archive.test/", f"/archives/{CAMERA_ID}/timeline", []),
        ("https://archive.test/api", f"/api/archives/{CAMERA_ID}/timeline", []),
        ("https://archive.test/archives/arch-7", "/archives/arch-7/timeline", []),
        ("https://archive.test/archives/arch-7/", "/archives/arch-7/timeline", []),
        ("https://archive.test/archives/arch-7?tenant=t1", "/archives/arch-7/timeline", [("tenant", "t1")]),
        ("https://archive.test/?tenant=t1", f"/archives/{CAMERA_ID}/timeline", [("tenant", "t1")]),
    ],
)
def test_both_url_forms_are_signed(make_archive, archive_api_url, path, extra_params):
    archive, transport, _ = make_archive(
        sequence(httpx.Response(200, json=[])), camera=_camera(archiveApiUrl=archive_api_url)
    )
    archive.timeline(START, START + timedelta(seconds=60))
    request = transport.last
    assert request.url.path == path
    assert request.url.params.multi_items() == extra_params + [
        ("start", "1712745600.5"),
        ("duration", "60"),
        ("signature", SIGNATURE),
        ("exp", str(int(T0 + 3600))),
    ]


# --- no archive, errors, wrong answers ----------------------------------------------------------


def test_playlist_not_found_is_no_archive(make_archive, sleeps):
    archive, transport, refresher = make_archive(sequence(httpx.Response(404, json=PLAYLIST_NOT_FOUND)))
    with pytest.raises(errors.NoArchiveError) as raised:
        archive.fetch_playlist(START, 60)
    assert raised.value.code == "PlaylistNotFound"
    assert "Archive playlist was not found" in str(raised.value)
    assert len(transport.requests) == 1 and sleeps.delays == [] and refresher.calls == 0


@pytest.mark.parametrize("body", [PREVIEW_NOT_FOUND, None], ids=["problem-details", "empty"])
def test_preview_404_is_no_archive(make_archive, body):
    response = httpx.Response(404, json=body) if body else httpx.Response(404)
    archive, transport, _ = make_archive(sequence(response))
    with pytest.raises(errors.NoArchiveError) as raised:
        archive.preview_jpeg(START)
    assert raised.value.status == 404
    assert len(transport.requests) == 1


def test_a_timeline_404_without_the_code_stays_not_found(make_archive):
    archive, _, _ = make_archive(sequence(httpx.Response(404, json=PREVIEW_NOT_FOUND)))
    with pytest.raises(errors.NotFoundError) as raised:
        archive.timeline(START, START + timedelta(seconds=60))
    assert not isinstance(raised.value, errors.NoArchiveError)


METHODS = {
    "timeline": lambda a: a.timeline(START, START + timedelta(seconds=60)),
    "index.m3u8": lambda a: a.fetch_playlist(START, 60),
    "size": lambda a: a.size(START, 60),
    "preview": lambda a: a.preview_jpeg(START),
}

STATUSES = {
    400: errors.BadRequestError,
    404: errors.NotFoundError,
    422: errors.BadRequestError,
    429: errors.RateLimitedError,
    500: errors.ServerError,
    502: errors.ServerError,
    503: errors.ServerError,
}


@pytest.mark.parametrize("shape", list(ERROR_BODIES))
@pytest.mark.parametrize("status", list(STATUSES))
@pytest.mark.parametrize("method", list(METHODS))
def test_errors_of_every_method_status_and_body_shape(make_archive, sleeps, method, status, shape):
    headers, body, phrase = ERROR_BODIES[shape]
    archive, transport, refresher = make_archive(lambda r: httpx.Response(status, headers=headers, content=body))
    with pytest.raises(errors.FaceterError) as raised:
        METHODS[method](archive)
    expected = errors.NoArchiveError if (status == 404 and method == "preview") else STATUSES[status]
    assert type(raised.value) is expected
    assert raised.value.status == status
    if phrase is not None:
        assert phrase in str(raised.value)
    assert len(transport.requests) == (3 if status in (429, 500, 502, 503) else 1)
    assert len(sleeps.delays) == len(transport.requests) - 1
    assert refresher.calls == 0
    assert all(rules.KEY_HEADER not in r.headers for r in transport.requests)
    assert {r.url.path for r in transport.requests} == {f"/archives/{CAMERA_ID}/{method}"}


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("timeline", b"{not json"),
        ("timeline", b'{"time": 1}'),  # an object, not a list
        ("timeline", b'[{"duration": 5}]'),  # an interval without its time
        ("timeline", b'[{"time": "soon"}]'),
        ("timeline", b""),
        ("size", b"[]"),
        ("size", b'{"size": "big"}'),
        ("size", b"<html>proxy</html>"),
        ("preview", b""),
    ],
)
def test_answers_of_the_wrong_shape_are_invalid_response(make_archive, method, body):
    archive, transport, _ = make_archive(sequence(httpx.Response(200, content=body)))
    with pytest.raises(errors.InvalidResponseError) as raised:
        METHODS[method](archive)
    assert raised.value.status == 200
    assert len(transport.requests) == 1


def test_a_camera_without_archive_access_is_refused_without_a_request(sleeps, clock):
    transport = RecordingTransport(sequence(httpx.Response(200, json=[])))
    session = HttpSession(transport=transport, sleep=sleeps)
    for camera in (
        _camera(isArchiveGranted=False),
        _camera(archiveApiUrl=None),
        Camera.model_validate(camera_json(archiveApiToken=None)),
    ):
        with pytest.raises(errors.PermissionDeniedError):
            ArchiveClient(camera, session, refresh_camera=Refresher(clock), clock=clock)
    assert transport.requests == []


# --- token refresh (§18) ------------------------------------------------------------------------


def test_a_fresh_token_is_used_as_is(make_archive, clock):
    archive, transport, refresher = make_archive(sequence(httpx.Response(200, json=[])))
    clock.now = T0 + 3600 - 721  # a one-hour token: refresh below 720 s (20 %)
    archive.timeline(START, START + timedelta(seconds=60))
    assert refresher.calls == 0
    _signed(transport.last)


def test_a_token_nearing_its_end_is_refreshed_before_the_call(make_archive, clock):
    archive, transport, refresher = make_archive(
        lambda r: httpx.Response(200, json={"size": 1} if r.url.path.endswith("/size") else [])
    )
    clock.now = T0 + 3600 - 719
    archive.timeline(START, START + timedelta(seconds=60))
    assert refresher.calls == 1
    _signed(transport.last, "sig-renewed-1", clock.now + 3600)
    assert archive.camera.archive_api_token.signature == "sig-renewed-1"
    # the new token is good for a while: no second refresh
    archive.size(START, 60)
    assert refresher.calls == 1
    _signed(transport.last, "sig-renewed-1", clock.now + 3600)


def test_a_call_renews_a_short_token_only_when_it_would_not_outlive_the_call(make_archive, clock):
    """§18's 60-s floor is for URLs handed out for later; a call sent now renews below 20 % (or
    3 s): a 30-s token is not refreshed on every call (issue 9: 23 refreshes in 75 s)."""
    camera = _camera(exp=T0 + 100)  # 20 % is 20 s
    archive, transport, refresher = make_archive(sequence(httpx.Response(200, json=[])), camera=camera)
    clock.now = T0 + 79  # 21 s left
    archive.timeline(START, START + timedelta(seconds=60))
    assert refresher.calls == 0
    clock.now = T0 + 81  # 19 s left
    archive.timeline(START, START + timedelta(seconds=60))
    assert refresher.calls == 1
    _signed(transport.last, "sig-renewed-1", clock.now + 3600)


def test_a_url_handed_out_keeps_the_60_s_floor(make_archive, clock):
    camera = _camera(exp=T0 + 100)
    archive, _, refresher = make_archive(sequence(httpx.Response(200)), camera=camera)
    clock.now = T0 + 41  # 59 s left: fine for a call, not for a URL a player keeps
    assert httpx.URL(archive.playlist_url(START, 60)).params["signature"] == "sig-renewed-1"
    assert refresher.calls == 1


def test_playlist_url_refreshes_a_stale_token_too(make_archive, clock):
    archive, _, refresher = make_archive(sequence(httpx.Response(200)))
    clock.now = T0 + 3600 + 10  # already expired
    url = httpx.URL(archive.playlist_url(START, 60))
    assert refresher.calls == 1
    assert url.params["signature"] == "sig-renewed-1"


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_call_refreshes_once_and_uses_the_new_signature(make_archive, status):
    archive, transport, refresher = make_archive(sequence(httpx.Response(status), httpx.Response(200, content=JPEG)))
    assert archive.preview_jpeg(START) == JPEG
    assert refresher.calls == 1
    first, second = transport.requests
    _signed(first)
    _signed(second, "sig-renewed-1", T0 + 3600)
    assert first.url.params["time"] == second.url.params["time"] == "1712745600.5"
    assert first.url.path == second.url.path


@pytest.mark.parametrize(("status", "cls"), [(401, errors.AuthenticationError), (403, errors.PermissionDeniedError)])
def test_a_call_refused_twice_gives_up(make_archive, sleeps, status, cls):
    archive, transport, refresher = make_archive(sequence(httpx.Response(status, json=PREVIEW_NOT_FOUND | {"status": status})))
    with pytest.raises(cls) as raised:
        archive.timeline(START, START + timedelta(seconds=60))
    assert raised.value.status == status
    assert refresher.calls == 1
    assert len(transport.requests) == 2
    assert sleeps.delays == []


def test_a_refresh_that_loses_archive_access_is_refused(make_archive, clock):
    refresher = Refresher(clock, isArchiveGranted=False)
    archive, transport, _ = make_archive(sequence(httpx.Response(401)), refresher=refresher)
    with pytest.raises(errors.PermissionDeniedError):
        archive.size(START, 60)
    assert len(transport.requests) == 1


# --- through IntegrationClient ------------------------------------------------------------------


def test_integration_client_archive_refreshes_through_get_camera_and_never_sends_the_key(sleeps):
    """The demo serves both APIs from one origin: even there the Archive API gets no key."""
    import time

    origin = "http://127.0.0.1:8765"
    state = {"archive_calls": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == f"/integration-api/v1/cameras/{CAMERA_ID}":
            body = camera_json(
                archiveApiUrl=f"{origin}/archive-api",
                archiveApiToken={"signature": "sig-from-refresh", "exp": int(time.time()) + 3600},
            )
            return httpx.Response(200, json=body)
        state["archive_calls"] += 1
        if state["archive_calls"] == 1:
            return httpx.Response(401, json={"status": 401, "code": "SignatureExpired", "description": "expired"})
        return httpx.Response(200, json={"size": 42})

    transport = RecordingTransport(handler)
    client = IntegrationClient(KEY, f"{origin}/integration-api", transport=transport, sleep=sleeps)
    camera = Camera.model_validate(
        camera_json(
            archiveApiUrl=f"{origin}/archive-api",
            archiveApiToken={"signature": "sig-old-1234", "exp": int(time.time()) + 3600},
        )
    )
    assert client.archive(camera).size(START, 60) == 42
    first, refresh, second = transport.requests
    assert first.url.path == second.url.path == f"/archive-api/archives/{CAMERA_ID}/size"
    assert first.url.params["signature"] == "sig-old-1234"
    assert second.url.params["signature"] == "sig-from-refresh"
    assert rules.KEY_HEADER not in first.headers and rules.KEY_HEADER not in second.headers
    assert refresh.method == "GET" and refresh.headers[rules.KEY_HEADER] == KEY
    assert "signature" not in refresh.url.params
    assert json.loads(second.url.params["exp"]) > time.time()
