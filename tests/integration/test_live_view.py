"""The player panel on the demo service: live plays, offline shows its preview, controls follow
the camera's permissions, snapshots are real PNGs, RTSP falls back to HLS. Real libvlc, real HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QTimer

from faceter_viewer.demo.media.timecode import decode_timecode
from faceter_viewer.player.vlc_backend import VlcBackend
from faceter_viewer.player.vlc_runtime import wait_for_releases
from faceter_viewer.services.session import Session
from faceter_viewer.services.tasks import TaskRunner
from faceter_viewer.services.messages import MessageLevel
from faceter_viewer.ui.player_panel import PlayerPanel
from faceter_viewer.services.camera_view import CameraView, Stream
from tests.helpers.frames import qimage_to_array

pytestmark = pytest.mark.slow


@pytest.fixture
def panel(qtbot, demo_client, tmp_path) -> Iterator[PlayerPanel]:
    runner = TaskRunner(max_workers=2)
    session = Session(demo_client, runner)
    backend = VlcBackend()
    view = PlayerPanel(CameraView(session, backend, snapshot_dir=tmp_path / "snapshots"))
    view.messages = []
    session.messages.posted.connect(lambda message: view.messages.append((message.text, message.level)))
    qtbot.addWidget(view)
    view.resize(800, 520)
    view.show()
    yield view
    view.shutdown()
    runner.shutdown()
    assert wait_for_releases(10.0)


def first(cameras, **wanted):
    return next(c for c in cameras if all(getattr(c, k) == v for k, v in wanted.items()))


def test_live_plays_and_its_time_advances_with_the_wall_clock(qtbot, panel, demo_client):
    cameras = demo_client.list_cameras()
    camera = first(cameras, is_online=True, is_audio_granted=True)
    other = next(c for c in cameras if c.is_online and c.id != camera.id)
    panel.show_camera(other)  # loads libvlc (once per process: dlopen holds the GIL briefly)
    qtbot.waitUntil(lambda: panel.video.painted_frames >= 1, timeout=20000)
    heartbeat = Heartbeat()
    try:
        start = panel.video.painted_frames
        panel.show_camera(camera)  # switching cameras: stop one stream, open another
        qtbot.waitUntil(lambda: panel.video.painted_frames >= start + 25, timeout=20000)
    finally:
        heartbeat.stop()  # a failure must not leave it ticking into the next tests
    print(f"worst GUI-thread stall while switching cameras: {heartbeat.worst_ms():.0f} ms")
    assert heartbeat.worst_ms() < 50, "the GUI thread stalled while the stream opened"
    assert panel.mode_label.text() == "● LIVE"

    frame_a = decode_timecode(qimage_to_array(panel.video.current_image()))
    wall_a = time.time()
    qtbot.wait(3000)
    frame_b = decode_timecode(qimage_to_array(panel.video.current_image()))
    wall_b = time.time()
    advanced = (frame_b - frame_a).total_seconds()
    assert abs(advanced - (wall_b - wall_a)) <= 1.0, (advanced, wall_b - wall_a)
    # live means recent: within a few HLS segments of now
    assert 0 <= wall_b - frame_b.timestamp() < 15


def test_the_painted_frame_is_the_whole_picture(qtbot, panel, demo_client, demo_service):
    """The player shows the same picture as the archive's preview: not cropped or stretched."""
    camera = first(demo_client.list_cameras(), is_online=True)
    panel.show_camera(camera)
    qtbot.waitUntil(lambda: panel.video.painted_frames >= 10, timeout=20000)
    shown = qimage_to_array(panel.video.current_image())
    at = decode_timecode(shown).timestamp()
    reference = np.asarray(Image.open(__import__("io").BytesIO(demo_client.archive(camera).preview_jpeg(at))).convert("RGB"))
    assert shown.shape == reference.shape
    difference = np.abs(shown.astype(int) - reference.astype(int)).mean()
    assert difference < 6, f"mean pixel difference {difference:.1f}: the picture is cropped or stretched"


def test_offline_camera_shows_its_preview_and_since_when(qtbot, panel, demo_client):
    camera = first(demo_client.list_cameras(), is_online=False)
    panel.show_camera(camera)
    assert "offline since" in (panel.video.message_text() or "")
    qtbot.waitUntil(lambda: not panel.video.current_image().isNull(), timeout=10000)
    assert panel.mode_label.text() == "offline"


def test_audio_controls_follow_the_permission(qtbot, panel, demo_client):
    cameras = demo_client.list_cameras()
    panel.show_camera(first(cameras, is_online=True, is_audio_granted=False))
    assert not panel.transport.mute_button.isEnabled() and not panel.transport.volume_slider.isEnabled()
    assert panel.backend.is_muted()
    panel.show_camera(first(cameras, is_online=True, is_audio_granted=True))
    assert panel.transport.mute_button.isEnabled() and panel.transport.volume_slider.isEnabled()


def test_snapshot_is_a_png_of_the_shown_frame(qtbot, panel, demo_client, tmp_path):
    camera = first(demo_client.list_cameras(), is_online=True)
    panel.show_camera(camera)
    qtbot.waitUntil(lambda: panel.video.painted_frames >= 5, timeout=20000)
    with qtbot.waitSignal(panel.view.snapshot_saved, timeout=10000) as saved:
        panel.save_snapshot()
    path = saved.args[0]
    assert path.endswith(".png") and camera.title.split()[0] in path
    with Image.open(path) as image:
        assert image.format == "PNG"
        decode_timecode(np.asarray(image.convert("RGB")))  # a real frame, not a black box
    assert not list((tmp_path / "snapshots").glob("*.part"))


def test_rtsp_falls_back_to_hls_with_a_message(qtbot, panel, demo_client):
    from faceter_viewer.player.capability import cached_capabilities

    if cached_capabilities().rtsp:
        pytest.skip("this libvlc plays RTSP")
    camera = first(demo_client.list_cameras(), is_online=True)
    panel.show_camera(camera)
    panel.transport.stream_combo.setCurrentText(Stream.RTSP)
    qtbot.waitUntil(lambda: any("RTSP" in text for text, _ in panel.messages), timeout=10000)
    assert any(level == MessageLevel.WARNING for _, level in panel.messages)
    assert panel.transport.stream_combo.currentText() == "HLS"
    assert panel.backend.url() == camera.live_hls_url


class Heartbeat:
    """A 10 ms timer on the GUI thread; its worst lateness is how long the GUI thread was busy."""

    def __init__(self) -> None:
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._last = time.monotonic()
        self._worst = 0.0
        self._timer.timeout.connect(self._on_timeout)
        self._timer.start()

    def _on_timeout(self) -> None:
        now = time.monotonic()
        self._worst = max(self._worst, (now - self._last) * 1000 - 10)
        self._last = now

    def worst_ms(self) -> float:
        return self._worst

    def stop(self) -> None:
        self._timer.stop()
