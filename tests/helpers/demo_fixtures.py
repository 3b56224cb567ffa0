"""pytest plugin: the demo service on 127.0.0.1 for integration tests (registered in
tests/conftest.py). Media is generated into ONE temp cache per test session, so CI starts cold
and later tests of the run reuse what earlier ones made.

Fixtures:
    demo_media_store   session  the shared MediaStore (temp cache dir)
    demo_service       session  a started DemoService (seed 7, 12 cameras, export delay 0.6 s)
    demo_client        function IntegrationClient on demo_service (closed afterwards)
    fast_retry_client  function the same, retrying with ~10 ms backoff (fault tests)
    demo_faults        function demo_service.faults, cleared after the test
    make_demo_service  function factory: make_demo_service(token_ttl=2, ...) -> started
                                DemoService sharing the media store; all stopped afterwards
Helpers: decode_video_frame(source, seek=None) -> HxWx3 RGB array of one frame decoded by the
ffmpeg binary (a file path or an http URL of a segment, clip or playlist).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from faceter_viewer.api import IntegrationClient
from faceter_viewer.api.retry import RetryPolicy
from faceter_viewer.demo.faults import FaultSet
from faceter_viewer.demo.media import MediaStore
from faceter_viewer.demo.media.graph import ffmpeg_exe
from faceter_viewer.demo.service import DemoService
from tests.helpers.leak_check import threads_of_a_shared_resource

DEMO_SEED = 7
FAST_RETRY = RetryPolicy(base_delay=0.01, max_delay=0.05)


@pytest.fixture(scope="session")
def demo_media_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaStore]:
    store = MediaStore(tmp_path_factory.mktemp("demo-media"), max_cache_bytes=512 * 1024**2)
    # Its ffmpeg pool starts workers on demand and serves the whole session.
    threads_of_a_shared_resource(lambda thread: thread in store._executor._threads)
    yield store
    store.close()


@pytest.fixture(scope="session")
def demo_service(demo_media_store: MediaStore) -> Iterator[DemoService]:
    service = DemoService(seed=DEMO_SEED, export_delay=0.6, media=demo_media_store)
    service.start()
    # Its live feeder, its export worker and its callback senders start on demand and run until
    # the service stops.
    exports = service.state.exports
    threads_of_a_shared_resource(
        lambda thread: thread is service.state.live._thread
        or thread in exports._executor._threads
        or thread in exports.callbacks.threads()
    )
    yield service
    service.stop()


@pytest.fixture
def demo_client(demo_service: DemoService) -> Iterator[IntegrationClient]:
    with IntegrationClient(demo_service.integration_key, demo_service.base_url) as client:
        yield client


@pytest.fixture
def fast_retry_client(demo_service: DemoService) -> Iterator[IntegrationClient]:
    with IntegrationClient(demo_service.integration_key, demo_service.base_url, retry=FAST_RETRY) as client:
        yield client


@pytest.fixture
def demo_faults(demo_service: DemoService) -> Iterator[FaultSet]:
    demo_service.faults.clear()
    yield demo_service.faults
    demo_service.faults.clear()


@pytest.fixture
def make_demo_service(demo_media_store: MediaStore) -> Iterator[Callable[..., DemoService]]:
    services: list[DemoService] = []

    def make(**options: object) -> DemoService:
        options.setdefault("seed", DEMO_SEED)
        options.setdefault("export_delay", 0.6)
        service = DemoService(media=demo_media_store, **options)  # type: ignore[arg-type]
        services.append(service)
        return service.start()

    yield make
    for service in services:
        service.stop()


def decode_video_frame(
    source: str | Path, seek: float | None = None, width: int = 640, height: int = 360
) -> np.ndarray:
    """One frame of a video file or URL as an HxWx3 uint8 RGB array, decoded by ffmpeg."""
    args = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin"]
    if seek is not None:
        args += ["-ss", f"{seek:.3f}"]
    args += ["-i", str(source), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
    result = subprocess.run(args, capture_output=True, timeout=60, check=False)
    if result.returncode != 0 or len(result.stdout) != width * height * 3:
        raise AssertionError(
            f"ffmpeg could not decode a frame of {source}: {result.stderr.decode(errors='replace')[-500:]}"
        )
    return np.frombuffer(result.stdout, dtype=np.uint8).reshape(height, width, 3)


def recent_archive_time(service: DemoService, seconds_ago: int = 600) -> int:
    """An archived moment shortly before the service started (the last 20 minutes before its
    start are gap-free on every online camera), on a 10-s boundary and the same for the whole
    session, so tests share the media generated for it."""
    anchor = service.dataset.anchor
    return anchor - seconds_ago - (anchor - seconds_ago) % 10


def recorded_time(service: DemoService, camera_index: int, seconds_ago: int) -> int:
    """A whole second recorded by the camera, `seconds_ago` before the anchor or, when that falls
    in a gap (further back than the gap-free 20 minutes), the end of the recording before it."""
    camera = service.cameras[camera_index]
    wanted = service.dataset.anchor - seconds_ago
    for start, end in reversed(service.state.layout(camera).intervals(service.state.now())):
        if start <= wanted < end - 10:
            return int(wanted)
        if end - 10 <= wanted and end - start > 20:
            return int(end - 10)
    raise AssertionError(f"camera {camera.title} has no recording before {wanted}")


def find_gap(service: DemoService, camera_index: int = 0, min_seconds: int = 30) -> tuple[int, int]:
    """A gap of at least `min_seconds` in a camera's archive (from the service's own layout)."""
    camera = service.cameras[camera_index]
    intervals = service.state.layout(camera).intervals(service.state.now())
    for (_, end), (next_start, _) in zip(intervals, intervals[1:], strict=False):
        if next_start - end >= min_seconds:
            return end, next_start
    raise AssertionError(f"camera {camera.title} has no gap of {min_seconds} s")
