"""Live that keeps up: the view-model re-opens a live stream that failed or froze, the header
says so meanwhile, and the failure's message goes when video flows again.

The fast tests script the player (tests/helpers/fake_backend.py) against the demo service over
real HTTP; the slow one plays a minute of live through real libvlc with 30 % of the live
playlist and segment requests refused, and reads the age of the picture on screen from its
burnt-in timecode (demo/media/timecode.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer

from faceter_viewer.demo.media.timecode import TimecodeError, decode_timecode
from faceter_viewer.services.camera_view import CameraView
from faceter_viewer.services.live_keeper import LiveState
from faceter_viewer.services.messages import MessageLevel
from faceter_viewer.services.session import Session
from faceter_viewer.services.tasks import TaskRunner
from faceter_viewer.ui.message_bar import MessageBar
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.frames import qimage_to_array

# Live playlists are /live/{id}/index.m3u8; their segments are the archive's signed segment URLs.
LIVE_FAULTS = "error_rate=/live/**:0.3;error_rate=/segments/*:0.3"
MAX_AGE = 15.0  # seconds: older than this is not "live"


@pytest.fixture
def session(demo_client) -> Iterator[Session]:
    runner = TaskRunner(max_workers=2)
    session = Session(demo_client, runner)
    yield session
    session.close()
    runner.shutdown()


@pytest.fixture
def bar(qtbot, session) -> MessageBar:
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.listen(session.messages)
    return bar


def reconnects(states: list[LiveState]) -> int:
    return sum(1 for a, b in zip([LiveState.IDLE, *states], states, strict=False) if b is LiveState.RECONNECTING and a is not b)


def online_camera(client):
    return next(c for c in client.list_cameras() if c.is_online)


def test_a_failed_live_stream_reopens_and_its_message_goes_when_video_flows(qtbot, session, bar, demo_client):
    backend = FakeBackend()
    view = CameraView(session, backend)
    try:
        camera = online_camera(demo_client)
        view.set_camera(camera)
        assert backend.last_opened.url == camera.live_hls_url
        backend.show_first_frame()
        assert view.playback.live_health.label == "● LIVE"

        backend.fail("The video stream could not be played (from 127.0.0.1). Check the connection and retry.")
        # Posted once the service answered the connectivity probe (it is the stream, not the service).
        qtbot.waitUntil(lambda: bool(bar.messages()), timeout=5000)
        assert [level for level, _ in bar.messages()] == [MessageLevel.ERROR]
        assert bar.messages()[0][1].startswith(f"Cannot play {camera.title}")
        assert view.playback.live_health.state is LiveState.RECONNECTING
        qtbot.waitUntil(lambda: len(backend.opened) == 2, timeout=5000)  # by itself, after ~1 s
        assert backend.last_opened.url == camera.live_hls_url
        assert bar.messages(), "the message went before video flowed"

        backend.show_first_frame()
        assert bar.messages() == []
        assert view.playback.live_health.label == "● LIVE"
    finally:
        view.close()


def test_retry_reopens_at_once_and_archive_stops_the_reconnects(qtbot, session, bar, demo_client):
    backend = FakeBackend()
    view = CameraView(session, backend)
    try:
        view.set_camera(online_camera(demo_client))
        backend.show_first_frame()
        for _ in range(3):  # the next automatic re-open would wait 8 s
            backend.fail()
            opened = len(backend.opened)
            qtbot.waitUntil(lambda opened=opened: len(backend.opened) > opened, timeout=10000)
        backend.fail()
        bar.rows()[0].action_button.click()  # Retry: the user's request skips the backoff
        assert len(backend.opened) == 5
        assert view.playback.live_health.label == "connecting…"

        backend.fail()
        view.playback.stop()  # leaving live (the archive, another camera) ends the reconnects
        qtbot.wait(1500)
        assert len(backend.opened) == 5
    finally:
        view.close()


@pytest.mark.slow
def test_a_minute_of_live_with_30_percent_of_its_requests_refused_stays_live(
    qtbot, demo_client, demo_faults, tmp_path
):
    from faceter_viewer.player.vlc_backend import VlcBackend
    from faceter_viewer.player.vlc_runtime import wait_for_releases
    from faceter_viewer.ui.player_panel import PlayerPanel

    runner = TaskRunner(max_workers=2)
    session = Session(demo_client, runner)
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.listen(session.messages)
    panel = PlayerPanel(CameraView(session, VlcBackend(), snapshot_dir=tmp_path))
    qtbot.addWidget(panel)
    panel.resize(800, 520)
    panel.show()
    samples: list[float] = []  # the age of the picture on screen, every 250 ms
    live_over: list[float] = []  # the age of each picture shown under "● LIVE"
    states: list[LiveState] = []

    def age_of(image) -> float | None:
        try:
            return time.time() - decode_timecode(qimage_to_array(image)).timestamp()
        except TimecodeError:
            return None

    def on_frame(image) -> None:
        age = age_of(image)
        if age is not None and panel.mode_label.text() == "● LIVE":
            live_over.append(age)

    def on_sample() -> None:
        image = panel.video.current_image()
        age = None if image.isNull() else age_of(image)
        if age is None:
            return
        samples.append(age)
        if panel.mode_label.text() == "● LIVE":
            live_over.append(age)

    sampler = QTimer()
    sampler.setInterval(250)
    sampler.timeout.connect(on_sample)
    try:
        panel.view.playback.live_health_changed.connect(lambda health: states.append(health.state))
        panel.backend.frame_ready.connect(on_frame)
        panel.show_camera(online_camera(demo_client))
        qtbot.waitUntil(lambda: panel.video.painted_frames >= 1, timeout=30000)
        demo_faults.add_spec(LIVE_FAULTS)
        sampler.start()
        qtbot.wait(60_000)
        sampler.stop()
        fired = demo_faults.fired["error_rate"]
        demo_faults.clear()

        fresh = sum(age <= MAX_AGE for age in samples) / len(samples)
        ordered = sorted(samples)
        print(
            f"frame age: median {ordered[len(ordered) // 2]:.1f} s, p95 {ordered[int(len(ordered) * 0.95)]:.1f} s, "
            f"≤ {MAX_AGE:.0f} s in {fresh:.0%} of {len(samples)} samples; {fired} requests refused, "
            f"{reconnects(states)} losses of the stream"
        )
        assert fired > 10, "the faults never hit the stream: this run tested nothing"
        assert reconnects(states) >= 1, "the stream never had to be re-opened"
        assert fresh >= 0.8
        too_old = [age for age in live_over if age > MAX_AGE]
        assert not too_old, f"“● LIVE” over pictures {max(too_old):.1f} s old"

        # The faults are gone: live plays again by itself and no failure message is left.
        qtbot.waitUntil(lambda: panel.mode_label.text() == "● LIVE", timeout=30000)
        assert not [text for _, text in bar.messages() if text.startswith("Cannot play")]
    finally:
        sampler.stop()
        panel.shutdown()
        session.close()
        runner.shutdown()
        assert wait_for_releases(10.0)
