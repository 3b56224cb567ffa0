"""The Archive API client for one camera (API document 001, api-rules §14-§19)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from faceter_viewer.api import errors, rules
from faceter_viewer.api.http import HttpSession
from faceter_viewer.api.models import ArchiveSize, Camera, TimelineInterval
from faceter_viewer.api.redaction import register_secret

log = logging.getLogger("faceter_viewer.api.archive")

_TIMELINE = TypeAdapter(list[TimelineInterval])

T = TypeVar("T")

SIGNATURE_MARGIN_SECONDS = 3.0
"""§18's 60-s floor is for URLs handed to someone who uses them later; a signature for a request
sent NOW only has to outlive that request: it is renewed when less than max(3 s, 20 % of the
token's lifetime) remains (a 401 on a retry still refreshes once). With a 30-s token the 60-s
floor made every call a refresh."""


class ArchiveClient:
    """Signed Archive API calls for one camera. The token is refreshed (through `refresh_camera`,
    i.e. GET /v1/cameras/{id}) before it runs out, and once more on a 401/403 (§18).
    Thread-safe: workers may share it."""

    def __init__(
        self,
        camera: Camera,
        http: HttpSession,
        refresh_camera: Callable[[], Camera],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._http = http
        self._refresh_camera = refresh_camera
        self._clock = clock
        self._lock = threading.Lock()
        self._refresh_lock = threading.Lock()  # one refresh at a time: concurrent 401s share it
        self._camera = camera
        self._received_at = clock()
        self._check_access(camera)

    # --- the token --------------------------------------------------------------------------

    @property
    def camera(self) -> Camera:
        return self._camera

    @property
    def token_expires_at(self) -> float:
        token = self._camera.archive_api_token
        assert token is not None  # _check_access refuses a camera without one
        return float(token.exp)

    def refresh(self) -> Camera:
        """Fetch the camera again for a new token, whatever the old one's age."""
        camera = self._refresh_camera()
        self._check_access(camera)
        with self._lock:
            self._camera = camera
            self._received_at = self._clock()
        log.debug("archive token refreshed for camera %s; expires at %s", camera.id, self.token_expires_at)
        return camera

    def _fresh_camera(self) -> Camera:
        with self._lock:
            camera, received_at = self._camera, self._received_at
        token = camera.archive_api_token
        assert token is not None
        if rules.token_refresh_due(token.exp, received_at, self._clock()):
            return self.refresh()
        return camera

    def _camera_for_request(self) -> Camera:
        """The camera whose token signs a request sent now (see SIGNATURE_MARGIN_SECONDS)."""
        with self._lock:
            camera, received_at = self._camera, self._received_at
        token = camera.archive_api_token
        assert token is not None
        lifetime = max(0.0, token.exp - received_at)
        if token.exp - self._clock() < max(SIGNATURE_MARGIN_SECONDS, 0.2 * lifetime):
            return self._refresh_replacing(camera)
        return camera

    def _refresh_replacing(self, stale: Camera) -> Camera:
        """Refresh, unless another thread already replaced `stale` while this one waited."""
        with self._refresh_lock:
            with self._lock:
                current = self._camera
            if current is not stale:
                return current
            return self.refresh()

    @staticmethod
    def _check_access(camera: Camera) -> None:
        if not camera.is_archive_granted:
            raise errors.PermissionDeniedError(f"No archive access for camera “{camera.title}”", status=403)
        if not camera.archive_api_url or camera.archive_api_token is None:
            raise errors.PermissionDeniedError(f"Camera “{camera.title}” has no Archive API address or token")
        register_secret(camera.archive_api_token.signature)

    # --- URLs -------------------------------------------------------------------------------

    def method_url(self, method: str, params: list[tuple[str, str]] | None = None) -> str:
        """The signed URL of an Archive API method (§14, §15), with a token fresh enough to use."""
        camera = self._fresh_camera()
        return self._signed_url(camera, method, params or [])

    @staticmethod
    def _signed_url(camera: Camera, method: str, params: list[tuple[str, str]]) -> str:
        token = camera.archive_api_token
        assert token is not None and camera.archive_api_url
        url = httpx.URL(rules.archive_method_url(camera.archive_api_url, camera.id, method))
        return str(url.copy_merge_params(tuple(params + rules.archive_auth_params(token.signature, token.exp))))

    def unsigned_method_url(self, method: str) -> str:
        """A method's URL without a signature: the base a playlist's relative URIs resolve on."""
        camera = self._camera
        assert camera.archive_api_url
        return rules.archive_method_url(camera.archive_api_url, camera.id, method)

    def playlist_url(self, start: datetime | float, duration: float, *, discontinuity: bool = False) -> str:
        """The signed `index.m3u8` URL for the player."""
        return self.method_url("index.m3u8", self._range(start, duration, discontinuity))

    # --- calls ------------------------------------------------------------------------------

    def _get(self, method: str, params: list[tuple[str, str]]) -> httpx.Response:
        """GET a method; on 401/403 refresh the token once and try again (§18)."""
        camera = self._camera_for_request()
        try:
            return self._http.send("GET", self._signed_url(camera, method, params))
        except (errors.AuthenticationError, errors.PermissionDeniedError):
            log.debug("archive %s refused; refreshing the token once", method)
            camera = self._refresh_replacing(camera)
            return self._http.send("GET", self._signed_url(camera, method, params))

    def get_signed(self, url: str) -> httpx.Response:
        """GET an Archive API resource named by a playlist (a segment) with the CURRENT token:
        whatever signature the URL carried is replaced, so a URL read from a playlist long ago
        still works (§17, §18). Refreshed only when the token would not outlive this request,
        and once after a 401/403. A URL on another origin than the Archive API keeps its own
        signature (it is not ours to sign) and is sent as it is."""
        camera = self._archive_camera_or_none(url)
        if camera is None:
            return self._http.send("GET", url)
        try:
            return self._http.send("GET", _resigned(url, camera))
        except (errors.AuthenticationError, errors.PermissionDeniedError):
            log.debug("archive resource refused; refreshing the token once")
            camera = self._refresh_replacing(camera)
            return self._http.send("GET", _resigned(url, camera))

    def _archive_camera_or_none(self, url: str) -> Camera | None:
        if not rules.same_origin(url, self._camera.archive_api_url or ""):
            return None
        return self._camera_for_request()

    def timeline(self, start: datetime | float, end: datetime | float) -> list[TimelineInterval]:
        """Intervals where archive exists in [start, end)."""
        duration = _seconds(end) - _seconds(start)
        response = self._get("timeline", self._range(start, duration))
        return self._parse(_TIMELINE.validate_python, response, "timeline")

    def fetch_playlist(self, start: datetime | float, duration: float, *, discontinuity: bool = False) -> str:
        """The playlist text; NoArchiveError when there is no archive in the range (§17)."""
        response = self._get("index.m3u8", self._range(start, duration, discontinuity))
        return response.text

    def size(self, start: datetime | float, duration: float) -> int:
        response = self._get("size", self._range(start, duration))
        return self._parse(ArchiveSize.model_validate, response, "size").size

    def preview_jpeg(self, time_: datetime | float) -> bytes:
        """The JPEG at a moment; NoArchiveError when there is no frame there (§19)."""
        try:
            response = self._get("preview", [("time", rules.to_archive_seconds(time_))])
        except errors.NoArchiveError:
            raise
        except errors.NotFoundError as exc:
            raise errors.NoArchiveError(exc.message, status=404) from None
        if not response.content:
            raise errors.InvalidResponseError("preview: the answer is empty", status=response.status_code)
        return response.content

    @staticmethod
    def _range(start: datetime | float, duration: float, discontinuity: bool | None = None) -> list[tuple[str, str]]:
        params = [("start", rules.to_archive_seconds(start)), ("duration", rules.to_archive_seconds(duration))]
        if discontinuity:
            params.append(("discontinuity", "true"))
        return params

    @staticmethod
    def _parse(validate: Callable[[Any], T], response: httpx.Response, what: str) -> T:
        """The JSON body through `validate`; unreadable JSON or the wrong shape is an
        InvalidResponseError."""
        try:
            return validate(response.json())
        except (ValueError, ValidationError):
            raise errors.InvalidResponseError(
                f"Archive API {what}: unexpected answer", status=response.status_code
            ) from None


def _resigned(url: str, camera: Camera) -> str:
    """`url` with its `signature`/`exp` replaced by the camera's current token (§15)."""
    token = camera.archive_api_token
    assert token is not None
    parsed = httpx.URL(url)
    kept = [(k, v) for k, v in parsed.params.multi_items() if k not in ("signature", "exp")]
    params = kept + rules.archive_auth_params(token.signature, token.exp)
    return str(parsed.copy_with(params=httpx.QueryParams(tuple(params))))


def _seconds(value: datetime | float) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)
