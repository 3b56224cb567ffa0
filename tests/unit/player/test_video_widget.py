"""VideoWidget offscreen: aspect-fit with black bars, painted-frame counting, the buffering
indicator and the message overlay, driven by a backend stand-in that only emits signals."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from faceter_viewer.player.backend import PlayerBackend, PlayerState
from faceter_viewer.player.video_widget import VideoWidget, aspect_fit


class SignalOnlyBackend(PlayerBackend):
    """Just the signals and state(): what the widget uses of a backend."""

    def __init__(self) -> None:
        super().__init__()
        self._state = PlayerState.IDLE

    def state(self) -> PlayerState:
        return self._state

    def go(self, state: PlayerState) -> None:
        self._state = state
        self.state_changed.emit(state)


def solid(width: int, height: int, colour: int = 0x2080F0) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(colour)
    return image


@pytest.fixture
def backend() -> SignalOnlyBackend:
    return SignalOnlyBackend()


@pytest.fixture
def widget(qtbot: QtBot, backend: SignalOnlyBackend) -> VideoWidget:
    view = VideoWidget(backend)
    qtbot.addWidget(view)
    view.resize(400, 400)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_aspect_fit_centres_the_largest_rectangle() -> None:
    assert aspect_fit(QSize(640, 360), QRect(0, 0, 400, 400)) == QRect(0, 87, 400, 225)
    assert aspect_fit(QSize(360, 640), QRect(0, 0, 400, 400)) == QRect(87, 0, 225, 400)
    assert aspect_fit(QSize(640, 360), QRect(10, 20, 1280, 720)) == QRect(10, 20, 1280, 720)
    assert aspect_fit(QSize(0, 0), QRect(0, 0, 10, 10)).isNull()


def test_frames_are_painted_aspect_fit_with_black_bars(
    qtbot: QtBot, backend: SignalOnlyBackend, widget: VideoWidget
) -> None:
    backend.frame_ready.emit(solid(640, 360))
    qtbot.waitUntil(lambda: widget.painted_frames == 1)
    shot = widget.grab().toImage()
    assert QColor(shot.pixel(200, 200)).rgb() & 0xFFFFFF == 0x2080F0  # the picture
    assert QColor(shot.pixel(200, 40)).rgb() & 0xFFFFFF == 0x000000  # bar above
    assert QColor(shot.pixel(200, 360)).rgb() & 0xFFFFFF == 0x000000  # bar below


def test_each_frame_is_counted_once_however_often_it_is_painted(
    qtbot: QtBot, backend: SignalOnlyBackend, widget: VideoWidget
) -> None:
    backend.frame_ready.emit(solid(64, 36))
    qtbot.waitUntil(lambda: widget.painted_frames == 1)
    widget.repaint()
    widget.repaint()
    assert widget.painted_frames == 1
    backend.frame_ready.emit(solid(64, 36, 0x00FF00))
    qtbot.waitUntil(lambda: widget.painted_frames == 2)


def test_first_frame_painted_is_the_new_streams_not_a_late_old_one(
    qtbot: QtBot, backend: SignalOnlyBackend, widget: VideoWidget
) -> None:
    firsts: list[int] = []
    widget.first_frame_painted.connect(lambda: firsts.append(widget.current_image().pixel(1, 1)))
    backend.frame_ready.emit(solid(64, 36, 0x111111))  # the old stream's last frame...
    backend.go(PlayerState.OPENING)  # ... is painted after open(): not announced
    qtbot.waitUntil(lambda: widget.painted_frames == 1)
    backend.go(PlayerState.OPENING)  # opened again before anything came
    backend.frame_ready.emit(solid(64, 36, 0x222222))
    backend.first_frame_shown.emit(0.2)
    qtbot.waitUntil(lambda: len(firsts) == 1)
    assert firsts[0] & 0xFFFFFF == 0x222222
    backend.frame_ready.emit(solid(64, 36, 0x333333))
    qtbot.waitUntil(lambda: widget.painted_frames == 3)
    assert len(firsts) == 1


def test_buffering_indicator_follows_the_state(
    qtbot: QtBot, backend: SignalOnlyBackend, widget: VideoWidget
) -> None:
    backend.go(PlayerState.OPENING)
    assert widget.is_buffering()
    backend.buffering_changed.emit(45.0)
    spinner_shot = widget.grab().toImage()
    centre = QColor(spinner_shot.pixel(200, 200 - 33))  # on the spinner's ring
    assert centre.lightness() > 0
    backend.go(PlayerState.PLAYING)
    assert not widget.is_buffering()
    backend.go(PlayerState.BUFFERING)
    assert widget.is_buffering()
    backend.go(PlayerState.PAUSED)
    assert not widget.is_buffering()


def test_an_error_shows_the_message_with_retry(
    qtbot: QtBot, backend: SignalOnlyBackend, widget: VideoWidget
) -> None:
    backend.error_occurred.emit("The video stream could not be played (from 10.0.0.1).")
    assert widget.message_text() == "The video stream could not be played (from 10.0.0.1)."
    assert widget.retry_button().isVisibleTo(widget)
    with qtbot.waitSignal(widget.retry_requested, timeout=1000):
        qtbot.mouseClick(widget.retry_button(), Qt.MouseButton.LeftButton)
    backend.go(PlayerState.OPENING)  # retrying hides it
    assert widget.message_text() is None
    widget.show_message("Camera offline since 10:42.")
    assert widget.message_text() == "Camera offline since 10:42."
    assert not widget.retry_button().isVisibleTo(widget)


def test_double_click_asks_for_fullscreen(qtbot: QtBot, widget: VideoWidget) -> None:
    with qtbot.waitSignal(widget.fullscreen_requested, timeout=1000):
        qtbot.mouseDClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(200, 200))


def test_switching_backends_disconnects_the_old_one(
    qtbot: QtBot, backend: SignalOnlyBackend, widget: VideoWidget
) -> None:
    other = SignalOnlyBackend()
    widget.set_backend(other)
    backend.frame_ready.emit(solid(64, 36))
    other.frame_ready.emit(solid(64, 36, 0xFF0000))
    qtbot.waitUntil(lambda: widget.painted_frames == 1)
    assert widget.current_image().pixel(1, 1) & 0xFFFFFF == 0xFF0000
    widget.set_backend(None)
    other.frame_ready.emit(solid(64, 36))
    widget.repaint()
    assert widget.painted_frames == 1


def test_loading_dims_the_previous_picture_until_the_new_streams_first_frame(
    qtbot: QtBot, backend: SignalOnlyBackend, widget: VideoWidget
) -> None:
    backend.frame_ready.emit(solid(640, 360, 0x2080F0))  # the previous camera's last frame
    qtbot.waitUntil(lambda: widget.painted_frames == 1)
    widget.show_loading("Loading Kitchen…")
    backend.go(PlayerState.OPENING)
    dimmed = widget.grab().toImage()
    picture = QColor(dimmed.pixel(60, 120))  # inside the picture, away from spinner and text
    assert picture.lightness() < QColor(0x2080F0).lightness() / 3
    text_rows = dimmed.copy(0, 240, 400, 60)
    pixels = [text_rows.pixel(x, y) for x in range(text_rows.width()) for y in range(text_rows.height())]
    bright = sum(1 for pixel in pixels if QColor(pixel).lightness() > 180)
    assert bright > 20, "the loading text is painted"
    assert widget.loading_text() == "Loading Kitchen…"
    backend.frame_ready.emit(solid(640, 360, 0x2080F0))  # a late frame of the old stream: still dim
    widget.repaint()
    assert QColor(widget.grab().toImage().pixel(60, 120)).lightness() < QColor(0x2080F0).lightness() / 3
    backend.frame_ready.emit(solid(640, 360, 0x30C040))  # the new camera's first frame
    backend.first_frame_shown.emit(0.3)
    backend.go(PlayerState.PLAYING)
    assert widget.loading_text() is None
    assert QColor(widget.grab().toImage().pixel(60, 120)).rgb() & 0xFFFFFF == 0x30C040


def test_an_error_replaces_the_loading_state(backend: SignalOnlyBackend, widget: VideoWidget) -> None:
    widget.show_loading("Loading Kitchen…")
    backend.error_occurred.emit("The video stream could not be played.")
    assert widget.loading_text() is None and widget.message_text() == "The video stream could not be played."
