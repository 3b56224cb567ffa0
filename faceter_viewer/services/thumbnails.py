"""Hover and scrub previews from the Archive API `preview` method (api-rules §19).

The timeline snaps the pointer to its bucket grid (core/timeline/thumbnail_grid.py) and calls
`request(camera, bucket_time)` on every move. This service turns that stream into as few
requests as possible and never shows a stale picture:

- The NEWEST request wins. At most `max_in_flight` (2) fetches run at once; while they are busy,
  only the newest request waits (an older waiting one is dropped before it starts). A fetch
  that was superseded while it ran still fills the cache, but its picture is never emitted:
  only the result for the current request is.
- Two caches, both bounded in bytes (core/lru_cache.py), sharing `cache_bytes`: decoded QImages
  (half the budget; a hit is emitted synchronously, inside `request()`), and the JPEG bytes
  (the other half; about 20 times more pictures fit, a hit is decoded on a worker and emitted a
  few ms later, without asking the server).
- JPEG decoding (QImage.fromData) runs on the worker threads, never on the GUI thread.
- A 404 (errors.NoArchiveError) is a gap, not a failure: `thumbnail_missing`, remembered for a
  minute so hovering over a gap does not ask again and again.

Signals (always on the GUI thread):
    thumbnail_ready(camera_id, bucket_time, QImage)   the picture for the current request; the
        image also carries its time as text "faceter.time" (the request's bucket time; the server
        shows the frame containing it, i.e. the time floored to the frame, 40 ms at 25 fps)
    thumbnail_missing(camera_id, bucket_time)         no archive there: show a placeholder
    thumbnail_failed(camera_id, bucket_time, message) anything else (no access, network, ...)
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from faceter_viewer.api import errors
from faceter_viewer.api.archive import ArchiveClient
from faceter_viewer.api.models import Camera
from faceter_viewer.core.lru_cache import LruCache
from faceter_viewer.services.explain import NO_ARCHIVE_ACCESS, explain
from faceter_viewer.services.session import Session

log = logging.getLogger("faceter_viewer.services.thumbnails")

MiB = 1024 * 1024
DEFAULT_CACHE_BYTES = 64 * MiB
MISSING_TTL_SECONDS = 60.0  # a gap near the live edge may fill; older gaps stay gaps
_MISSING_KEPT = 4096
IMAGE_TIME_KEY = "faceter.time"

ThumbKey = tuple[str, int]  # (camera id, bucket time in integer milliseconds)


def thumbnail_key(camera_id: str, bucket_time: float) -> ThumbKey:
    # Milliseconds, so that 1712745600.1 and 1712745600.1000001 are the same bucket.
    return camera_id, round(bucket_time * 1000)


def image_time(image: QImage) -> float | None:
    """The bucket time a thumbnail carries (None for an image this service did not make)."""
    text = image.text(IMAGE_TIME_KEY)
    return float(text) if text else None


@dataclass
class _Job:
    camera: Camera
    key: ThumbKey
    bucket_time: float
    jpeg: bytes | None  # already cached: decode only


class ThumbnailService(QObject):
    thumbnail_ready = Signal(str, float, QImage)
    thumbnail_missing = Signal(str, float)
    thumbnail_failed = Signal(str, float, str)

    def __init__(
        self,
        session: Session,
        parent: QObject | None = None,
        max_in_flight: int = 2,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
    ) -> None:
        super().__init__(parent)
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self._session = session
        self._max_in_flight = max_in_flight
        self._tasks = session.tasks()  # on the session's shared pool; max_in_flight is ours to keep
        image_budget = cache_bytes // 2
        self._images: LruCache[ThumbKey, QImage] = LruCache(image_budget)
        self._jpegs: LruCache[ThumbKey, bytes] = LruCache(cache_bytes - image_budget)
        self._missing: LruCache[ThumbKey, float] = LruCache(_MISSING_KEPT)  # key -> expiry (monotonic)
        self._current: tuple[ThumbKey, float] | None = None  # (key, the caller's bucket time)
        self._pending: _Job | None = None
        self._in_flight: set[ThumbKey] = set()
        self.fetches_started = 0  # jobs started (server requests plus decode-only jobs)
        self.requests_dropped = 0  # waiting requests superseded before they started

    # --- public -------------------------------------------------------------------------------

    def request(self, camera: Camera, bucket_time: float) -> None:
        """Ask for the picture at `bucket_time` (already snapped to the caller's grid). It becomes
        the current request: nothing older is emitted from now on. A decoded-cache hit emits
        `thumbnail_ready` synchronously, before this call returns; anything else later."""
        key = thumbnail_key(camera.id, bucket_time)
        self._current = (key, bucket_time)
        image = self._images.get(key)
        if image is not None:
            self._drop_pending()
            self.thumbnail_ready.emit(camera.id, bucket_time, image)
            return
        if self._known_missing(key):
            self._drop_pending()
            self.thumbnail_missing.emit(camera.id, bucket_time)
            return
        if key in self._in_flight:
            self._drop_pending()  # the running fetch is for this very picture: it will be emitted
            return
        job = _Job(camera, key, bucket_time, self._jpegs.get(key))
        if len(self._in_flight) < self._max_in_flight:
            self._drop_pending()
            self._start(job)
        elif self._pending is None or self._pending.key != key:
            self._drop_pending()  # the older waiting request never starts
            self._pending = job

    def cancel(self) -> None:
        """Forget the current request (the pointer left the timeline): a waiting one never
        starts, running ones still fill the cache but emit nothing."""
        self._current = None
        self._drop_pending()

    def cached_image(self, camera_id: str, bucket_time: float) -> QImage | None:
        """A decoded picture if cached (no statistics, no request)."""
        return self._images.peek(thumbnail_key(camera_id, bucket_time))

    def clear_cache(self) -> None:
        self._images.clear()
        self._jpegs.clear()
        self._missing.clear()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    @property
    def has_pending(self) -> bool:
        return self._pending is not None

    def stats(self) -> dict[str, object]:
        return {
            "images": self._images.stats,
            "jpegs": self._jpegs.stats,
            "fetches_started": self.fetches_started,
            "requests_dropped": self.requests_dropped,
            "in_flight": len(self._in_flight),
        }

    def close(self) -> None:
        """Cancel this service's fetches (results of running ones are dropped). Call before
        dropping the service."""
        self.cancel()
        self._tasks.close()
        self._in_flight.clear()

    # --- jobs ---------------------------------------------------------------------------------

    def _drop_pending(self) -> None:
        if self._pending is not None:
            self.requests_dropped += 1
            self._pending = None

    def _is_current(self, key: ThumbKey) -> bool:
        return self._current is not None and self._current[0] == key

    def _known_missing(self, key: ThumbKey) -> bool:
        expiry = self._missing.get(key)
        if expiry is None:
            return False
        if expiry < time.monotonic():
            self._missing.pop(key)
            return False
        return True

    def _start(self, job: _Job) -> None:
        try:
            archive = self._session.archive(job.camera)
        except errors.FaceterError as exc:  # no archive grant: nothing to fetch, say why
            self._emit_failure(job, exc)
            return
        self._in_flight.add(job.key)
        self.fetches_started += 1
        self._tasks.submit(
            _load_thumbnail,
            archive,
            job.bucket_time,
            job.jpeg,
            on_done=lambda result, job=job: self._on_job_done(job, result),
            on_error=lambda exc, job=job: self._on_job_failed(job, exc),
        )

    def _start_pending(self) -> None:
        while self._pending is not None and len(self._in_flight) < self._max_in_flight:
            job, self._pending = self._pending, None
            if job.key in self._in_flight:
                continue  # already on its way; it is current, so it will be emitted
            image = self._images.peek(job.key)
            if image is not None:  # a superseded fetch brought it meanwhile
                if self._is_current(job.key):
                    self.thumbnail_ready.emit(job.camera.id, self._current[1], image)  # type: ignore[index]
                continue
            self._start(job)

    def _on_job_done(self, job: _Job, result: tuple[bytes, QImage]) -> None:
        self._in_flight.discard(job.key)
        jpeg, image = result
        self._jpegs.put(job.key, jpeg, len(jpeg))
        self._images.put(job.key, image, image.sizeInBytes())
        if self._is_current(job.key):
            self.thumbnail_ready.emit(job.camera.id, self._current[1], image)  # type: ignore[index]
        self._start_pending()

    def _on_job_failed(self, job: _Job, exc: BaseException) -> None:
        self._in_flight.discard(job.key)
        if isinstance(exc, errors.NoArchiveError):
            self._missing.put(job.key, time.monotonic() + MISSING_TTL_SECONDS, size=1)
            if self._is_current(job.key):
                self.thumbnail_missing.emit(job.camera.id, self._current[1])  # type: ignore[index]
        else:
            log.info("preview at %s for camera %s failed: %s", job.bucket_time, job.camera.id, exc)
            self._emit_failure(job, exc)
        self._start_pending()

    def _emit_failure(self, job: _Job, exc: BaseException) -> None:
        if self._is_current(job.key):
            message = thumbnail_error_message(exc)
            self.thumbnail_failed.emit(job.camera.id, self._current[1], message)  # type: ignore[index]


def _load_thumbnail(archive: ArchiveClient, bucket_time: float, jpeg: bytes | None) -> tuple[bytes, QImage]:
    """On a worker: fetch the JPEG (unless cached) and decode it there."""
    if jpeg is None:
        jpeg = archive.preview_jpeg(bucket_time)
    image = QImage.fromData(jpeg, "JPG")
    if image.isNull():
        raise errors.InvalidResponseError("preview: the answer is not a JPEG image")
    image.setText(IMAGE_TIME_KEY, repr(float(bucket_time)))
    return jpeg, image


def thumbnail_error_message(exc: BaseException) -> str:
    """Why there is no preview, under "no preview" in the popup: in the user's words."""
    if isinstance(exc, errors.PermissionDeniedError):
        return NO_ARCHIVE_ACCESS
    return explain(exc, "load the preview").reason
