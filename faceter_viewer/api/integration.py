"""The Integration API client (API document 000, api-rules §1-§13)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from faceter_viewer.api import errors, rules
from faceter_viewer.api.archive import ArchiveClient
from faceter_viewer.api.enums import SortOrder
from faceter_viewer.api.http import HttpSession, ProgressCallback
from faceter_viewer.api.models import (
    AudioExport,
    AudioExportRequest,
    Camera,
    Event,
    EventPage,
    ExportTask,
    KeyValidation,
    NewEvent,
    Recording,
    VideoExport,
    VideoExportRequest,
)
from faceter_viewer.api.paging import EventReader, PageWindow, iterate_events, paging_order
from faceter_viewer.api.redaction import register_secret
from faceter_viewer.api.retry import RetryPolicy

M = TypeVar("M", bound=BaseModel)


class IntegrationClient:
    """Synchronous; use it from worker threads. Thread-safe (httpx.Client is)."""

    def __init__(
        self,
        key: str,
        base_url: str = rules.PRODUCTION_BASE_URL,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if not key or not key.strip():
            raise errors.AuthenticationError("No integration key was given")
        key = key.strip()
        register_secret(key)
        self.base_url = base_url.rstrip("/")
        extra: dict[str, Any] = {"sleep": sleep} if sleep else {}
        self._http = HttpSession(
            base_url=self.base_url,
            headers={rules.KEY_HEADER: key},
            transport=transport,
            retry=retry,
            **extra,
        )
        # The Archive API and export file URLs may live on other hosts: they get a session that
        # never carries the key (§15).
        self._public_http = HttpSession(transport=transport, retry=retry, **extra)

    def close(self) -> None:
        self._http.close()
        self._public_http.close()

    def __enter__(self) -> IntegrationClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- key and cameras --------------------------------------------------------------------

    def validate_key(self) -> bool:
        """POST /v1/integration-key/validate. A 401 is "not valid" too (§2)."""
        try:
            body = self._http.send_json("POST", "/v1/integration-key/validate")
        except errors.AuthenticationError:
            return False
        return self._parse(KeyValidation, body, "POST /v1/integration-key/validate").is_valid

    def list_cameras(self) -> list[Camera]:
        return self._get_list(Camera, "/v1/cameras")

    def get_camera(self, camera_id: str) -> Camera:
        path = f"/v1/cameras/{_segment(camera_id)}"
        return self._parse(Camera, self._http.send_json("GET", path), f"GET {path}")

    # --- events -----------------------------------------------------------------------------

    def list_events(
        self,
        camera_id: str,
        *,
        types: Iterable[str] = (),
        start: datetime | None = None,
        end: datetime | None = None,
        merge_interval: int | None = None,
        limit: int | None = None,
        sort: str = SortOrder.DESC,
    ) -> EventPage:
        """One page of GET /v1/cameras/{id}/events."""
        path = f"/v1/cameras/{_segment(camera_id)}/events"
        params = rules.query_params(
            {
                "eventTypes": _type_list(types),
                "startDate": start,
                "endDate": end,
                "mergeInterval": merge_interval,
                "limit": limit,
                "sortOrder": str(sort),
            }
        )
        return self._parse(EventPage, self._http.send_json("GET", path, params=params), f"GET {path}")

    def event_reader(
        self,
        camera_id: str,
        *,
        types: Iterable[str] = (),
        start: datetime | None = None,
        end: datetime | None = None,
        merge_interval: int | None = None,
        page_size: int = 100,
        sort: str = SortOrder.DESC,
    ) -> EventReader:
        """One paged read of the window's events, a page per `read_page()` (§5). Asks nothing
        until the first read. `sort` None is read as Desc (paging.paging_order)."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        types = _type_list(types)
        sort = paging_order(sort)

        def fetch(window: PageWindow) -> EventPage:
            return self.list_events(
                camera_id,
                types=types,
                start=window.start,
                end=window.end,
                merge_interval=merge_interval,
                limit=page_size,
                sort=sort,
            )

        return EventReader(fetch, sort=sort, start=start, end=end)

    def iter_events(
        self,
        camera_id: str,
        *,
        types: Iterable[str] = (),
        start: datetime | None = None,
        end: datetime | None = None,
        merge_interval: int | None = None,
        page_size: int = 100,
        max_items: int | None = None,
        sort: str = SortOrder.DESC,
    ) -> Iterator[Event]:
        """Every event of the window across pages, each once, at most `max_items` (§5). Events
        beyond a page at one millisecond cannot be read; event_reader() reports those."""
        reader = self.event_reader(
            camera_id,
            types=types,
            start=start,
            end=end,
            merge_interval=merge_interval,
            page_size=page_size,
            sort=sort,
        )
        return iterate_events(reader, max_items)

    def create_event(self, camera_id: str, event: NewEvent) -> None:
        """POST /v1/cameras/{id}/events (204). Retried safely: the body carries its eventId."""
        path = f"/v1/cameras/{_segment(camera_id)}/events"
        self._http.send("POST", path, json=event.to_api(), idempotent=True)

    # --- recordings and clips ---------------------------------------------------------------

    def list_recordings(self, camera_id: str) -> list[Recording]:
        return self._get_list(Recording, f"/v1/cameras/{_segment(camera_id)}/recordings")

    def download_clip(
        self,
        camera_id: str,
        start: datetime,
        duration_seconds: int,
        dest: Path,
        on_progress: ProgressCallback | None = None,
        cancelled: Callable[[], bool] | None = None,
        *,
        resume: bool = False,
        verify: Callable[[Path], None] | None = None,
    ) -> Path:
        """GET /v1/cameras/{id}/archive/clip streamed to `dest` (appears only complete and
        verified; `resume` and `verify` as in HttpSession.download, api-rules §11)."""
        path = f"/v1/cameras/{_segment(camera_id)}/archive/clip"
        params = rules.query_params({"startDate": start, "duration": int(duration_seconds)})
        return self._http.download(
            path, dest, params=params, on_progress=on_progress, cancelled=cancelled, resume=resume, verify=verify
        )

    # --- exports ----------------------------------------------------------------------------

    def create_video_export(self, camera_id: str, request: VideoExportRequest) -> ExportTask:
        path = f"/v1/cameras/{_segment(camera_id)}/archive/exports"
        body = self._http.send_json("POST", path, json=request.to_api(), idempotent=False)
        return self._parse(ExportTask, body, f"POST {path}")

    def get_video_export(self, camera_id: str, export_id: str) -> VideoExport:
        path = f"/v1/cameras/{_segment(camera_id)}/archive/exports/{_segment(export_id)}"
        return self._parse(VideoExport, self._http.send_json("GET", path), f"GET {path}")

    def create_audio_export(self, camera_id: str, request: AudioExportRequest) -> ExportTask:
        path = f"/v1/cameras/{_segment(camera_id)}/exports/audio"
        body = self._http.send_json("POST", path, json=request.to_api(), idempotent=False)
        return self._parse(ExportTask, body, f"POST {path}")

    def get_audio_export(self, camera_id: str, export_id: str) -> AudioExport:
        path = f"/v1/cameras/{_segment(camera_id)}/exports/audio/{_segment(export_id)}"
        return self._parse(AudioExport, self._http.send_json("GET", path), f"GET {path}")

    def download_file(
        self,
        url: str,
        dest: Path,
        on_progress: ProgressCallback | None = None,
        cancelled: Callable[[], bool] | None = None,
        *,
        resume: bool = False,
        verify: Callable[[Path], None] | None = None,
    ) -> Path:
        """Download an export's videoUrl/audioUrl (`resume` and `verify` as in
        HttpSession.download, api-rules §11). The key is sent only to the API's own origin."""
        session, absolute = self._session_for(url)
        return session.download(
            absolute, dest, on_progress=on_progress, cancelled=cancelled, resume=resume, verify=verify
        )

    def fetch_bytes(self, url: str) -> bytes:
        """GET a small file the API points at (a camera's or event's previewUrl). The key is sent
        only to the API's own origin."""
        session, absolute = self._session_for(url)
        return session.send("GET", absolute).content

    def _session_for(self, url: str) -> tuple[HttpSession, str]:
        """The absolute URL, and the session to fetch it with: the keyed one only on the API's
        own origin (§21), the key-less one anywhere else."""
        absolute = str(httpx.URL(self.base_url + "/").join(url))
        return (self._http if rules.same_origin(absolute, self.base_url) else self._public_http), absolute

    # --- archive ----------------------------------------------------------------------------

    def archive(self, camera: Camera) -> ArchiveClient:
        """An Archive API client for one camera; it refreshes its token through get_camera."""
        return ArchiveClient(camera, self._public_http, refresh_camera=lambda: self.get_camera(camera.id))

    # --- parsing ----------------------------------------------------------------------------

    def _get_list(self, model: type[M], path: str) -> list[M]:
        body = self._http.send_json("GET", path)
        what = f"GET {path}"
        if not isinstance(body, list):
            raise errors.InvalidResponseError(f"{what}: unexpected answer (body: not a list)")
        return [_validate(model, item, what, at=str(index)) for index, item in enumerate(body)]

    @staticmethod
    def _parse(model: type[M], body: Any, what: str) -> M:
        return _validate(model, body, what)


def _validate(model: type[M], body: Any, what: str, *, at: str = "") -> M:
    """Turn a body (or item `at` of a list body) into a model; a body of the wrong shape is an
    InvalidResponseError naming where the first problem is."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        problems = exc.errors()
        loc, msg = (problems[0]["loc"], problems[0]["msg"]) if problems else ((), "invalid")
        where = ".".join(str(part) for part in (at, *loc) if part != "") or "body"
        raise errors.InvalidResponseError(f"{what}: unexpected answer ({where}: {msg})") from None


def _type_list(types: Iterable[str] | str) -> list[str]:
    """Event types as a list; a single type given as a string is one type, not its letters."""
    return [types] if isinstance(types, str) else list(types)


def _segment(value: str) -> str:
    """An id as one path segment (ids come from the user on the CLI)."""
    return quote(str(value), safe="")

