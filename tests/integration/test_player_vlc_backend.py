"""VlcBackend + VideoWidget against real libvlc playing real HLS over HTTP on 127.0.0.1.

Which frame is on screen is read from the timecode burnt into every test frame (media ms), so
"the seek landed" or "the cursor follows playback" are checked against the pictures themselves.
"""

from __future__ import annotations

import itertools
import statistics
import subprocess
import time
from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from faceter_viewer.demo.media.graph import ffmpeg_exe
from faceter_viewer.demo.media.timecode import TimecodeError, decode_epoch_ms
from faceter_viewer.player import vlc_frames
from faceter_viewer.player.backend import PlayerState
from faceter_viewer.player.video_widget import VideoWidget
from faceter_viewer.player.vlc_backend import VlcBackend
from faceter_viewer.player.vlc_runtime import wait_for_releases
from tests.integration import test_player_media
from tests.integration.test_player_media import HlsSource, image_timecode_ms

hls_server = test_player_media.hls_server  # the shared fixture, usable here
hls_source = test_player_media.hls_source  # the shared fixture, usable here
hls_video_only = test_player_media.hls_video_only  # the shared fixture, usable here

pytestmark = pytest.mark.slow
FRAME_MS = 40


@pytest.fixture
def backend(qtbot: QtBot) -> Iterator[VlcBackend]:
    player = VlcBackend()
    yield player
    player.close(wait=True)
    assert wait_for_releases(10.0)


@pytest.fixture
def widget(qtbot: QtBot, backend: VlcBackend) -> VideoWidget:
    view = VideoWidget(backend)
    qtbot.addWidget(view)
    view.resize(640, 360)
    view.show()
    return view


def painted_ms(widget: VideoWidget) -> int:
    return image_timecode_ms(widget.current_image())


class TimecodeLog:
    """(monotonic, decoded media ms, backend.position()) of every frame handed to the GUI."""

    def __init__(self, backend: VlcBackend) -> None:
        self.backend = backend
        self.rows: list[tuple[float, int, float]] = []
        backend.frame_ready.connect(self._on_frame_ready)

    def _on_frame_ready(self, image: QImage) -> None:
        self.rows.append((time.monotonic(), image_timecode_ms(image), self.backend.position()))

    def since(self, moment: float) -> list[tuple[float, int, float]]:
        return [row for row in self.rows if row[0] >= moment]


def wait_playing(qtbot: QtBot, backend: VlcBackend, widget: VideoWidget, frames: int = 1) -> None:
    start = widget.painted_frames
    qtbot.waitUntil(lambda: widget.painted_frames >= start + frames, timeout=15000)
    assert backend.state() is PlayerState.PLAYING


def test_open_paints_25_frames_of_the_real_size(
    qtbot: QtBot, backend: VlcBackend, widget: VideoWidget, hls_source: HlsSource
) -> None:
    firsts: list[float] = []
    backend.first_frame_shown.connect(firsts.append)
    backend.open(hls_source.url)
    assert backend.state() is PlayerState.OPENING

    qtbot.waitUntil(lambda: widget.painted_frames >= 25, timeout=15000)

    assert backend.state() is PlayerState.PLAYING
    assert len(firsts) == 1 and 0 < firsts[0] < 15
    # The format callback reports a padded 640x386; the frames are cropped to the real size.
    assert (backend.video_size().width(), backend.video_size().height()) == (640, 360)
    snapshot = backend.snapshot()
    assert (snapshot.width(), snapshot.height()) == (640, 360)
    rgb = snapshot.convertToFormat(QImage.Format.Format_RGB888)
    pixels = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=rgb.bytesPerLine() * 360)
    assert pixels.mean() > 40 and pixels.std() > 40  # testsrc2: bright, colourful, not black
    assert 0 <= image_timecode_ms(snapshot) <= 10_000
    assert backend.duration() == pytest.approx(hls_source.seconds, abs=0.5)
    assert backend.has_audio()
    print(f"\nfirst frame after open: {firsts[0] * 1000:.0f} ms")


def ffmpeg_frame(url: str, media_ms: int) -> np.ndarray:
    """The frame with timecode `media_ms` as the ffmpeg binary decodes it (HxWx3 RGB)."""
    raw = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-ss", f"{max(0, media_ms - 200) / 1000:.3f}",
         "-i", url, "-frames:v", "12", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        check=True, capture_output=True, timeout=60,
    ).stdout  # fmt: skip
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 360, 640, 3)
    for frame in frames:
        try:
            if decode_epoch_ms(frame) == media_ms:
                return frame
        except TimecodeError:
            continue
    raise AssertionError(f"ffmpeg did not decode the frame at {media_ms} ms")


def rgb_array(image: QImage) -> np.ndarray:
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    raw = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=rgb.bytesPerLine() * rgb.height())
    return raw.reshape(rgb.height(), rgb.bytesPerLine())[:, : rgb.width() * 3].reshape(
        rgb.height(), rgb.width(), 3
    )


def test_frames_are_the_whole_picture_not_stretched_or_cropped(
    qtbot: QtBot,
    backend: VlcBackend,
    widget: VideoWidget,
    hls_source: HlsSource,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """libvlc's format callback proposes 640x386 for 640x360 and SCALES the picture into the
    buffer; the backend must hand over the picture as ffmpeg decodes it."""
    monkeypatch.setattr(vlc_frames, "SIZE_HINTS", {})  # as in a fresh process
    differences = []
    for _ in range(2):  # the first open learns the size, the second renders at it directly
        backend.open(hls_source.url, start_offset=3.0)
        wait_playing(qtbot, backend, widget, frames=3)
        backend.pause()
        qtbot.waitUntil(lambda: True)
        shown = backend.snapshot()
        reference = ffmpeg_frame(hls_source.url, image_timecode_ms(shown))
        differences.append(np.abs(rgb_array(shown).astype(int) - reference.astype(int)).mean())
    print(
        f"\nmean pixel difference to ffmpeg: first open {differences[0]:.2f}, second {differences[1]:.2f}"
    )
    assert differences[0] < 4 and differences[1] < 2  # stretched by 386/360 it is ~13


def test_frames_follow_the_wall_clock_and_position_follows_the_frames(
    qtbot: QtBot, backend: VlcBackend, widget: VideoWidget, hls_source: HlsSource
) -> None:
    log = TimecodeLog(backend)
    backend.open(hls_source.url)
    wait_playing(qtbot, backend, widget)
    start = time.monotonic()
    qtbot.waitUntil(
        lambda: time.monotonic() - start > 4.0 and len(log.since(start)) > 80, timeout=15000
    )

    rows = log.since(start + 0.5)
    (t0, ms0, _), (t1, ms1, _) = rows[0], rows[-1]
    assert (ms1 - ms0) / 1000 / (t1 - t0) == pytest.approx(1.0, abs=0.05)
    errors = sorted(abs(position * 1000 - ms) for _, ms, position in rows)
    p95 = errors[int(len(errors) * 0.95)]
    print(
        f"\nposition vs decoded frame over {len(rows)} frames: median {statistics.median(errors):.0f} ms,"
        f" p95 {p95:.0f} ms, max {max(errors):.0f} ms"
    )
    # position() is read when the GUI thread gets the frame, so a busy machine adds its delay.
    # libvlc drops the first frame now and then (~1 in 10 opens): one frame off, no more.
    assert statistics.median(errors) < FRAME_MS + 5 and p95 < 100


def test_open_at_an_offset_shows_that_frame_first(
    qtbot: QtBot, backend: VlcBackend, widget: VideoWidget, hls_source: HlsSource
) -> None:
    log = TimecodeLog(backend)
    backend.open(hls_source.url, start_offset=12.5)
    wait_playing(qtbot, backend, widget)
    first_ms = log.rows[0][1]
    # ":start-time" would land on the keyframe at 12.0 s; the backend lands on the frame itself.
    assert abs(first_ms - 12500) <= FRAME_MS + 20, log.rows[:3]
    assert backend.position() == pytest.approx(first_ms / 1000, abs=(FRAME_MS + 5) / 1000)


def test_seek_while_playing_lands_on_the_target(
    qtbot: QtBot, backend: VlcBackend, widget: VideoWidget, hls_source: HlsSource
) -> None:
    log = TimecodeLog(backend)
    backend.open(hls_source.url)
    wait_playing(qtbot, backend, widget, frames=5)
    for target in (30.0, 7.5, 21.3):
        sought = time.monotonic()
        backend.seek(target)
        assert backend.position() == pytest.approx(
            target, abs=0.041
        )  # the cursor goes there at once
        qtbot.waitUntil(lambda sought=sought: len(log.since(sought)) >= 3, timeout=10000)
        landed = log.since(sought)
        assert abs(landed[0][1] - target * 1000) <= FRAME_MS + 20, (target, landed[:3])
        assert all(b[1] > a[1] for a, b in itertools.pairwise(landed))  # then plays on
        print(
            f"\nseek to {target}: first frame {landed[0][1]} ms after {(landed[0][0] - sought) * 1000:.0f} ms"
        )


def test_pause_stops_frames_and_position_and_play_resumes(
    qtbot: QtBot, backend: VlcBackend, widget: VideoWidget, hls_source: HlsSource
) -> None:
    log = TimecodeLog(backend)
    backend.open(hls_source.url)
    wait_playing(qtbot, backend, widget, frames=10)
    paused = time.monotonic()
    backend.pause()
    assert backend.state() is PlayerState.PAUSED
    settle(qtbot, log)
    trailing = log.since(paused)
    assert len(trailing) <= 3, trailing
    painted = widget.painted_frames
    paused_at = backend.position()
    # It re-displays the still picture ~13 times a second while paused; none may get through.
    with qtbot.assertNotEmitted(backend.frame_ready, wait=1200):
        pass
    assert widget.painted_frames == painted
    assert backend.position() == paused_at
    assert abs(painted_ms(widget) - paused_at * 1000) <= FRAME_MS + 1, (
        painted_ms(widget),
        paused_at,
    )

    on_screen = painted_ms(widget)
    resumed = time.monotonic()
    backend.play()
    wait_playing(qtbot, backend, widget, frames=10)
    after = log.since(resumed)
    assert after[0][1] == on_screen + FRAME_MS, after[:2]  # continues with the next frame
    errors = [abs(position * 1000 - ms) for _, ms, position in after]
    assert max(errors) < 100, errors


def test_frame_step_and_seek_while_paused(
    qtbot: QtBot, backend: VlcBackend, widget: VideoWidget, hls_source: HlsSource
) -> None:
    log = TimecodeLog(backend)
    backend.open(hls_source.url, start_offset=5.0)
    wait_playing(qtbot, backend, widget, frames=5)
    backend.pause()
    settle(qtbot, log)
    shown = [painted_ms(widget)]
    for _ in range(5):
        count = len(log.rows)
        backend.frame_step()
        qtbot.waitUntil(lambda count=count: len(log.rows) > count, timeout=5000)
        with qtbot.assertNotEmitted(backend.frame_ready, wait=300):
            pass  # exactly one picture per step
        shown.append(painted_ms(widget))
        assert backend.state() is PlayerState.PAUSED
        assert abs(backend.position() * 1000 - shown[-1]) <= FRAME_MS + 1
    steps = [b - a for a, b in itertools.pairwise(shown)]
    print(f"\nframe steps (ms): {steps}")
    assert steps == [FRAME_MS] * 5

    # Resuming after steps: libvlc 3 would restart the HLS stream from 0; the backend does not.
    on_screen = painted_ms(widget)
    resumed = time.monotonic()
    backend.play()
    qtbot.waitUntil(lambda: len(log.since(resumed)) >= 10, timeout=10000)
    after = log.since(resumed)
    # The next frame, or (libvlc drops a landing frame now and then) the one after it.
    assert after[0][1] in (on_screen + FRAME_MS, on_screen + 2 * FRAME_MS), after[:2]
    assert backend.state() is PlayerState.PLAYING

    backend.pause()
    settle(qtbot, log)
    sought = time.monotonic()
    backend.seek(33.0)
    assert backend.position() == pytest.approx(33.0, abs=FRAME_MS / 1000)
    qtbot.waitUntil(lambda: len(log.since(sought)) >= 1, timeout=5000)
    settle(qtbot, log)
    assert len(log.since(sought)) <= 2  # the landing frame, maybe one more before libvlc paused
    assert 33000 <= painted_ms(widget) <= 33000 + 2 * FRAME_MS
    # The cursor is on the picture (one frame off if libvlc dropped the landing frame: paused,
    # there is no next frame to tell).
    assert abs(backend.position() * 1000 - painted_ms(widget)) <= FRAME_MS + 1
    assert backend.state() is PlayerState.PAUSED

    count, on_screen = len(log.rows), painted_ms(widget)
    backend.frame_step()
    qtbot.waitUntil(lambda: len(log.rows) > count, timeout=5000)
    # One frame on; under load the seek's "one more" frame can arrive after settle() gave up
    # waiting for it, and then the step shows the one after (seen once in CI-like load).
    assert painted_ms(widget) in (on_screen + FRAME_MS, on_screen + 2 * FRAME_MS)

    on_screen = painted_ms(widget)
    resumed = time.monotonic()
    backend.play()
    qtbot.waitUntil(lambda: len(log.since(resumed)) >= 10, timeout=10000)
    assert log.since(resumed)[0][1] in (on_screen + FRAME_MS, on_screen + 2 * FRAME_MS)
    errors = [abs(position * 1000 - ms) for _, ms, position in log.since(resumed)]
    assert statistics.median(errors) < FRAME_MS + 5


def settle(qtbot: QtBot, log: TimecodeLog, quiet: float = 0.3) -> None:
    """Wait until no frame has come for `quiet` seconds (libvlc shows a frame or two after
    pause(); the screen must end on the one it paused on)."""
    started = time.monotonic()
    qtbot.waitUntil(
        lambda: time.monotonic() - max([started] + [r[0] for r in log.rows]) > quiet, timeout=5000
    )


def test_rate_two_plays_twice_as_fast_and_position_keeps_up(
    qtbot: QtBot, backend: VlcBackend, widget: VideoWidget, hls_source: HlsSource
) -> None:
    log = TimecodeLog(backend)
    backend.open(hls_source.url)
    wait_playing(qtbot, backend, widget, frames=5)
    backend.set_rate(2.0)
    assert backend.rate() == 2.0
    start = time.monotonic()
    qtbot.waitUntil(lambda: time.monotonic() - start > 3.0, timeout=10000)
    rows = log.since(start + 1.0)
    speed = (rows[-1][1] - rows[0][1]) / 1000 / (rows[-1][0] - rows[0][0])
    errors = sorted(abs(position * 1000 - ms) for _, ms, position in rows)
    p95 = errors[int(len(errors) * 0.95)]
    print(
        f"\nrate 2: media speed {speed:.2f}x, position error p95 {p95:.0f} ms, max {errors[-1]:.0f} ms"
    )
    assert speed == pytest.approx(2.0, abs=0.2)
    assert p95 < 100
    with pytest.raises(ValueError):
        backend.set_rate(9.0)


def test_a_bad_url_reports_an_error_and_retry_reopens(
    qtbot: QtBot, backend: VlcBackend, widget: VideoWidget, hls_source: HlsSource
) -> None:
    retries: list[bool] = []
    widget.retry_requested.connect(lambda: retries.append(True))
    with qtbot.waitSignal(backend.error_occurred, timeout=10000) as error:
        backend.open("http://127.0.0.1:9/nothing/index.m3u8")  # discard port: refused
    message = error.args[0]
    assert "could not be played" in message and "127.0.0.1:9" in message
    assert backend.state() is PlayerState.ERROR
    assert widget.message_text() == message
    widget.retry_button().click()
    assert retries == [True]

    # The same backend plays again afterwards.
    backend.open(hls_source.url)
    wait_playing(qtbot, backend, widget)
    assert widget.message_text() is None


def test_a_playlist_whose_segments_are_missing_fails_cleanly(
    qtbot: QtBot, backend: VlcBackend, hls_source: HlsSource
) -> None:
    url = hls_source.url.replace("/av/", "/broken/")
    states: list[PlayerState] = []
    backend.state_changed.connect(states.append)
    backend.open(url)
    qtbot.waitUntil(
        lambda: backend.state() in (PlayerState.ERROR, PlayerState.ENDED), timeout=25000
    )
    assert PlayerState.PLAYING not in states


def test_stream_without_audio_and_the_end_of_a_vod(
    qtbot: QtBot, backend: VlcBackend, widget: VideoWidget, hls_video_only: HlsSource
) -> None:
    backend.open(hls_video_only.url, start_offset=8.5)
    wait_playing(qtbot, backend, widget)
    assert not backend.has_audio()
    qtbot.waitUntil(lambda: backend.state() is PlayerState.ENDED, timeout=10000)
    assert backend.position() == pytest.approx(hls_video_only.seconds, abs=0.5)
    assert painted_ms(widget) >= 9000

    backend.play()  # replays from the start
    qtbot.waitUntil(lambda: backend.state() is PlayerState.PLAYING, timeout=10000)
    qtbot.waitUntil(lambda: painted_ms(widget) < 2000, timeout=5000)


def test_switching_streams_never_shows_a_frame_of_the_old_one(
    qtbot: QtBot, backend: VlcBackend, widget: VideoWidget, hls_source: HlsSource
) -> None:
    log = TimecodeLog(backend)
    backend.open(hls_source.url)
    wait_playing(qtbot, backend, widget, frames=5)
    switched = time.monotonic()
    backend.open(hls_source.url, start_offset=30.0)
    qtbot.waitUntil(lambda: len(log.since(switched)) >= 10, timeout=15000)
    assert min(ms for _, ms, _ in log.since(switched)) >= 30000 - FRAME_MS


def test_stop_keeps_the_last_picture_and_goes_idle(
    qtbot: QtBot, backend: VlcBackend, widget: VideoWidget, hls_source: HlsSource
) -> None:
    backend.open(hls_source.url)
    wait_playing(qtbot, backend, widget, frames=5)
    backend.stop()
    assert backend.state() is PlayerState.IDLE
    assert not backend.snapshot().isNull()
    with qtbot.assertNotEmitted(backend.frame_ready, wait=500):
        pass
    assert wait_for_releases(10.0)


def test_four_backends_play_side_by_side_like_a_grid(qtbot: QtBot, hls_source: HlsSource) -> None:
    """Tiles of a multi-camera grid: one backend each, one shared libvlc instance; every tile
    gets its own stream's frames and a position that follows them."""
    offsets = [0.0, 8.0, 16.0, 24.0]
    backends = [VlcBackend() for _ in offsets]
    logs = [TimecodeLog(backend) for backend in backends]
    try:
        for backend, offset in zip(backends, offsets, strict=True):
            backend.open(hls_source.url, start_offset=offset, muted=True)
        qtbot.waitUntil(lambda: all(len(log.rows) >= 50 for log in logs), timeout=20000)
        for log, offset in zip(logs, offsets, strict=True):
            shown = [ms for _, ms, _ in log.rows]
            assert offset * 1000 <= shown[0] <= offset * 1000 + 2 * FRAME_MS
            assert shown == sorted(shown) and shown[-1] - shown[0] >= 49 * FRAME_MS
            errors = sorted(abs(position * 1000 - ms) for _, ms, position in log.rows[10:])
            assert errors[len(errors) // 2] < FRAME_MS + 5
    finally:
        for backend in backends:
            backend.close()
        assert wait_for_releases(10.0)


def test_a_network_stall_shows_buffering_and_holds_the_position(
    qtbot: QtBot,
    backend: VlcBackend,
    widget: VideoWidget,
    hls_server: test_player_media.StaticServer,
) -> None:
    """The server stops answering for the 4th segment (6-8 s): libvlc says nothing (no
    Buffering event mid-stream) and re-displays its last picture ~13 times a second; the
    backend drops those, turns "no picture for a while" into BUFFERING, position() stops near
    the last frame, and all recover when the segment comes."""
    release = hls_server.stall("/stalling/seg003.ts")
    log = TimecodeLog(backend)
    try:
        backend.open(f"{hls_server.origin}/stalling/index.m3u8")
        wait_playing(qtbot, backend, widget)
        qtbot.waitUntil(lambda: backend.state() is PlayerState.BUFFERING, timeout=15000)
        assert widget.is_buffering()
        last_shown = log.rows[-1][1]
        held = backend.position()
        assert held * 1000 - last_shown < 300  # stopped where the pictures stopped
        qtbot.wait(500)  # a stall is the absence of events: there is nothing to wait for
        assert backend.position() == pytest.approx(held)
    finally:
        release.set()
    stalled_rows = len(log.rows)
    qtbot.waitUntil(lambda: len(log.rows) >= stalled_rows + 100, timeout=15000)
    assert backend.state() is PlayerState.PLAYING and not widget.is_buffering()
    # libvlc may skip frames when it resumes (seen: 0.8-1.9 s); three of its time changes
    # later (~2 s) the position is back near the pictures, to the precision of libvlc's own
    # time (seen: within 0.02-0.3 s alone; a steady 0.41 s once under the full suite's load).
    errors = sorted(abs(position * 1000 - ms) for _, ms, position in log.rows[-25:])
    assert errors[len(errors) // 2] < 500, errors
