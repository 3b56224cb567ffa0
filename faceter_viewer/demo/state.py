"""What the demo service's routes share: dataset, archives, events, tokens, media, exports.

URL layout of the service (ORIGIN = http://127.0.0.1:PORT):

    ORIGIN/integration-api/v1/...                     Integration API (document 000)
    ORIGIN/archive-api/archives/<archiveId>/<method>  Archive API (document 001): timeline,
                                                      index.m3u8, size, preview, segments/<s>.ts
    ORIGIN/live/<cameraId>/index.m3u8                 liveHlsUrl (sliding window, live.py)
    ORIGIN/demo-media/cameras/<cameraId>/preview.jpg  previewUrl of cameras and events (?time=)
    ORIGIN/demo-files/exports/<exportId>.<ext>        videoUrl / audioUrl of finished exports

archiveApiUrl is ORIGIN/archive-api (archive id = camera id) for even-numbered cameras and
ORIGIN/archive-api/archives/<archiveId> (another id) for odd-numbered ones: api-rules §14.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from faceter_viewer.api import rules
from faceter_viewer.api.models import Camera, Location, Room
from faceter_viewer.demo.archive import ArchiveLayout
from faceter_viewer.demo.dataset import CameraSpec, Dataset
from faceter_viewer.demo.events import EventStore
from faceter_viewer.demo.exports import ExportManager
from faceter_viewer.demo.faults import FaultSet
from faceter_viewer.demo.live import LiveFeeder
from faceter_viewer.demo.media import MediaStore
from faceter_viewer.demo.signing import ArchiveSigner

INTEGRATION_PREFIX = "/integration-api"
ARCHIVE_PREFIX = "/archive-api"
MAX_CLIP_SECONDS = rules.MAX_EXPORT_SECONDS  # api-rules §22: the demo refuses what the app would not ask
_CLIPS_KEPT = 16
_PREVIEWS_KEPT = 256


def utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class DemoState:
    def __init__(
        self,
        *,
        dataset: Dataset,
        media: MediaStore,
        signer: ArchiveSigner,
        faults: FaultSet,
        integration_key: str,
        work_dir: Path,
        export_delay: float,
        live_idle_seconds: float,
        export_failure_rate: float = 0.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.dataset = dataset
        self.media = media
        self.signer = signer
        self.faults = faults
        self.integration_key = integration_key
        self.clock = clock
        self.work_dir = work_dir
        self._layouts: dict[str, ArchiveLayout] = {}
        self._layout_lock = threading.Lock()
        self.events = EventStore(self.layout, dataset.anchor)
        self.exports = ExportManager(
            media, work_dir / "exports", export_delay, clock, failure_rate=export_failure_rate, seed=dataset.seed
        )
        self.live = LiveFeeder(media, live_idle_seconds, clock)
        self.requests: deque[tuple[str, str]] = deque(maxlen=20000)  # (method, path)
        # (path, Range, If-Range) of each request that asked for part of a file, as the client
        # sent it (before any fault): tests check that a download really resumed.
        self.range_requests: deque[tuple[str, str, str | None]] = deque(maxlen=2000)
        self.request_counts: Counter[str] = Counter()  # path -> count
        self._clip_locks: dict[Path, threading.Lock] = {}
        self._clips: OrderedDict[Path, None] = OrderedDict()
        self._previews: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._media_lock = threading.Lock()

    def now(self) -> float:
        return self.clock()

    def layout(self, camera: CameraSpec) -> ArchiveLayout:
        with self._layout_lock:
            layout = self._layouts.get(camera.id)
        if layout is None:
            layout = ArchiveLayout.for_camera(camera, self.dataset.anchor)
            with self._layout_lock:
                self._layouts[camera.id] = layout
        return layout

    def record_request(self, method: str, path: str, range_: str | None = None, if_range: str | None = None) -> None:
        self.requests.append((method, path))
        self.request_counts[path] += 1
        if range_ is not None:
            self.range_requests.append((path, range_, if_range))

    # --- URLs ---------------------------------------------------------------------------------

    @staticmethod
    def archive_api_url(camera: CameraSpec, origin: str) -> str:
        base = origin + ARCHIVE_PREFIX
        return base if camera.bare_archive_url else f"{base}/archives/{camera.archive_id}"

    def signed_archive_url(self, camera: CameraSpec, origin: str, method: str, exp: int | None = None) -> str:
        """An absolute Archive API URL signed for `exp` (default: a fresh token's)."""
        if exp is None:
            exp = self.signer.issue(camera.archive_id).exp
        url = rules.archive_method_url(self.archive_api_url(camera, origin), camera.id, method)
        return f"{url}?{urlencode(rules.archive_auth_params(self.signer.sign(camera.archive_id, exp), exp))}"

    @staticmethod
    def preview_url(camera: CameraSpec, origin: str, time_: float | None = None) -> str:
        url = f"{origin}/demo-media/cameras/{camera.id}/preview.jpg"
        return url if time_ is None else f"{url}?time={rules.to_archive_seconds(time_)}"

    # --- models -------------------------------------------------------------------------------

    def camera_model(self, camera: CameraSpec, origin: str) -> Camera:
        """GET /v1/cameras/{id}: a fresh archive token each time (§18)."""
        now = self.now()
        granted = camera.archive_granted
        location = None
        if camera.location is not None:
            room = Room(id=camera.room.id, title=camera.room.title) if camera.room else None
            location = Location(id=camera.location.id, title=camera.location.title, room=room)
        return Camera(
            id=camera.id,
            device_id=camera.device_id,
            title=camera.title,
            preview_url=self.preview_url(camera, origin),
            archive_api_token=self.signer.issue(camera.archive_id) if granted else None,
            archive_api_url=self.archive_api_url(camera, origin) if granted else None,
            archive_days=camera.archive_days,
            live_rtsp_url=f"rtsp://127.0.0.1:1/live/{camera.id}",
            live_hls_url=f"{origin}/live/{camera.id}/index.m3u8",
            is_online=camera.is_online,
            last_online_date=utc(int(now) if camera.is_online else camera.last_online),  # type: ignore[arg-type]
            camera_model=camera.camera_model,
            platform=camera.platform,
            serial_number=camera.serial_number,
            firmware_version=camera.firmware_version,
            application_version=camera.application_version,
            is_owner=camera.is_owner,
            is_full_access=camera.is_full_access,
            is_archive_granted=granted,
            is_audio_granted=camera.audio_granted,
            temp_access_expiry_date=utc(camera.temp_access_expiry) if camera.temp_access_expiry else None,
            location=location,
        )

    # --- media --------------------------------------------------------------------------------

    def latest_frame_time(self, camera: CameraSpec) -> float:
        """The newest archived moment (a camera's preview shows it)."""
        return self.layout(camera).last_end(self.now()) - self.media.frame_ms / 1000

    def preview_jpeg(self, camera: CameraSpec, t: float) -> bytes:
        """The frame at t, remembered for repeated asks (timelines ask for the same thumbnails)."""
        key = (camera.id, self.media.frame_start_ms(t))
        with self._media_lock:
            cached = self._previews.get(key)
            if cached is not None:
                self._previews.move_to_end(key)
                return cached
        jpeg = self.media.preview_jpeg(camera.look, t)
        with self._media_lock:
            self._previews[key] = jpeg
            while len(self._previews) > _PREVIEWS_KEPT:
                self._previews.popitem(last=False)
        return jpeg

    def clip_file(self, camera: CameraSpec, start: float, duration: float) -> Path:
        """The MP4 of [start, start+duration), made once and kept (a resumed download asks again)."""
        path = self.work_dir / "clips" / f"{camera.id}_{round(start * 1000)}_{round(duration * 1000)}.mp4"
        with self._media_lock:
            lock = self._clip_locks.setdefault(path, threading.Lock())
        with lock:
            if not path.exists():
                self.media.write_clip(camera.look, start, duration, path)
            with self._media_lock:
                self._clips[path] = None
                self._clips.move_to_end(path)
                while len(self._clips) > _CLIPS_KEPT:
                    old, _ = self._clips.popitem(last=False)
                    old.unlink(missing_ok=True)
                    self._clip_locks.pop(old, None)
        return path

    def close(self) -> None:
        self.live.close()
        self.exports.close()
