"""Live HLS: a sliding-window playlist per camera, kept ahead of the wall clock while watched.

The live playlist lists the last LIVE_SEGMENTS complete 2-s segments before "now" (no
EXT-X-ENDLIST; EXT-X-MEDIA-SEQUENCE = first segment start / 2, so it advances by one every two
seconds). Segments are the same files, at the same signed URLs, as the archive's. The feeder
starts for a camera when its live playlist is asked for and stops when nobody has asked for
`idle_seconds`: while it runs it generates the segments about to appear, so a player never waits
for ffmpeg. liveRtspUrl points at rtsp://127.0.0.1:1/..., where nothing listens (Debian's libvlc
cannot play RTSP anyway, api-rules §20): the app must offer HLS.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from faceter_viewer.demo.archive import floor_segment
from faceter_viewer.demo.dataset import SEGMENT_SECONDS, CameraSpec
from faceter_viewer.demo.media import MediaStore

log = logging.getLogger(__name__)

LIVE_SEGMENTS = 5
AHEAD_SECONDS = 4


def live_segment_starts(now: float, count: int = LIVE_SEGMENTS) -> list[int]:
    """The last `count` segments complete at `now`, oldest first."""
    last = floor_segment(now) - SEGMENT_SECONDS
    return list(range(last - SEGMENT_SECONDS * (count - 1), last + 1, SEGMENT_SECONDS))


class LiveFeeder:
    def __init__(
        self,
        media: MediaStore,
        idle_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._media = media
        self._idle = idle_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._watched: dict[str, tuple[CameraSpec, float]] = {}  # id -> (camera, last asked, monotonic)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def watched(self) -> list[str]:
        with self._lock:
            return list(self._watched)

    def touch(self, camera: CameraSpec) -> None:
        """A live playlist was asked for: keep this camera's segments coming."""
        with self._lock:
            self._watched[camera.id] = (camera, time.monotonic())
            if self._thread is None and not self._stopping.is_set():
                self._thread = threading.Thread(target=self._loop, name="demo-live", daemon=True)
                self._thread.start()
        self._wake.set()

    def close(self) -> None:
        self._stopping.set()
        self._wake.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            now_mono = time.monotonic()
            with self._lock:
                for camera_id, (_, asked) in list(self._watched.items()):
                    if now_mono - asked > self._idle:
                        del self._watched[camera_id]
                cameras = [camera for camera, _ in self._watched.values()]
            now = self._clock()
            upcoming = range(floor_segment(now), floor_segment(now) + AHEAD_SECONDS + 1, SEGMENT_SECONDS)
            for camera in cameras:
                for start in upcoming:
                    if self._stopping.is_set():
                        return
                    try:
                        self._media.segment_path(camera.look, start)
                    except Exception as exc:  # the store is closing, or ffmpeg failed: try later
                        log.debug("live segment %s of %s: %s", start, camera.id, exc)
            self._wake.wait(0.5)
            self._wake.clear()
