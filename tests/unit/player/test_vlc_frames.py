"""FrameSink, driven the way libvlc's threads drive it (format, lock, write pixels, display,
events), without libvlc: which pictures reach the GUI thread, at what size."""

from __future__ import annotations

import ctypes

import pytest
from PySide6.QtGui import QImage

from faceter_viewer.player import vlc_frames
from faceter_viewer.player.libvlc_events import LibvlcEvent
from faceter_viewer.player.vlc_frames import FrameSink, images_equal


class Harness:
    """A FrameSink plus a stand-in for libvlc's decoder writing into its buffer."""

    def __init__(self, width: int = 64, height: int = 40) -> None:
        self.notifications = 0
        self.sink = FrameSink(self._notify)
        self.width, self.height, self.pitch, _ = self.sink.on_format(width, height)

    def _notify(self) -> None:
        self.notifications += 1

    def display(self, value: int) -> None:
        """libvlc decodes a picture filled with `value` and displays it."""
        address = self.sink.on_lock()
        ctypes.memset(address, value, self.pitch * self.height)
        self.sink.on_display()

    def taken_values(self) -> list[int]:
        frame = self.sink.take().frame
        return [] if frame is None else [frame.image.pixel(1, 1) & 0xFF]


@pytest.fixture(autouse=True)
def fresh_size_hints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vlc_frames, "SIZE_HINTS", {})


def test_pictures_are_copied_and_only_the_newest_waits_for_the_gui() -> None:
    h = Harness()
    h.display(10)
    h.display(20)
    taken = h.sink.take()
    assert taken.frame is not None and taken.frame.image.pixel(1, 1) & 0xFF == 20
    assert taken.frame.skipped == 1 and h.sink.superseded == 1
    assert h.notifications == 1  # one queued notification until the GUI takes
    h.display(30)  # overwriting the buffer must not change the copy handed over
    assert taken.frame.image.pixel(1, 1) & 0xFF == 20
    assert h.notifications == 2


def test_buffer_is_aligned_and_events_are_collected() -> None:
    h = Harness(width=50, height=30)
    assert h.sink.on_lock() % vlc_frames.ALIGN == 0 and h.pitch % vlc_frames.ALIGN == 0
    h.sink.on_event(LibvlcEvent.PLAYING, 0.0)
    h.sink.on_event(LibvlcEvent.BUFFERING, 40.0)
    h.sink.on_event(LibvlcEvent.BUFFERING, 100.0)
    h.sink.on_event(LibvlcEvent.TIME, 1020.0)
    taken = h.sink.take()
    assert taken.events == [(LibvlcEvent.PLAYING, 0.0)]
    assert taken.buffering == 100.0  # only the newest
    assert taken.time_ms is not None and taken.time_ms[0] == 1020.0


def test_a_seek_holds_pictures_until_the_new_streams_picture_lands() -> None:
    """Measured HLS sequence: Buffering 0, ESAdded, an old picture, Buffering 0..100, format
    callbacks of the new decoder, then the landing picture."""
    h = Harness()
    h.display(1)
    h.sink.take()
    h.sink.begin_hold()
    h.sink.on_event(LibvlcEvent.BUFFERING, 0.0)
    h.sink.on_event(LibvlcEvent.ES_ADDED, 0.0)
    h.display(2)  # from before the seek
    h.sink.on_event(LibvlcEvent.BUFFERING, 0.0)
    h.sink.on_event(LibvlcEvent.BUFFERING, 100.0)
    h.display(3)  # still the old decoder's format: not the landing
    assert h.taken_values() == []
    h.sink.on_format(64, 40)  # the new decoder's vout
    h.display(4)
    taken = h.sink.take()
    assert taken.frame is not None  # the first picture after the hold
    assert taken.frame.image.pixel(1, 1) & 0xFF == 4
    h.display(5)
    assert h.taken_values() == [5]


def test_a_pending_seek_holds_everything_and_reports_the_first_held_picture() -> None:
    h = Harness()
    h.sink.begin_hold(seek_pending=True)
    h.sink.on_event(LibvlcEvent.BUFFERING, 0.0)
    h.sink.on_event(LibvlcEvent.BUFFERING, 100.0)  # the start-up's buffering, not the seek's
    h.display(1)
    h.display(2)
    taken = h.sink.take()
    assert taken.frame is None
    assert (LibvlcEvent.HELD, 0.0) in taken.events  # once
    h.sink.seek_issued()
    h.sink.on_event(LibvlcEvent.BUFFERING, 0.0)
    h.sink.on_event(LibvlcEvent.BUFFERING, 100.0)
    h.display(3)
    assert h.taken_values() == [3]


def test_a_hold_gives_up_after_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    h = Harness()
    h.sink.begin_hold()
    h.display(1)
    assert h.taken_values() == []
    monkeypatch.setattr(vlc_frames, "HOLD_TIMEOUT", 0.0)
    h.display(2)
    assert h.taken_values() == [2]


def test_while_paused_only_new_pictures_pass_and_repeats_never() -> None:
    h = Harness()
    h.display(1)
    h.sink.take()
    h.sink.set_paused(True)
    h.display(1)  # libvlc re-displays the paused picture ~13 times a second
    h.display(1)
    assert h.taken_values() == []
    h.display(2)  # one more frame libvlc showed after pause(), or a next_frame()
    taken = h.sink.take()
    assert taken.frame is not None and taken.frame.trailing
    h.display(2)
    assert h.taken_values() == []
    h.sink.set_paused(False)
    h.display(2)  # resuming: the paused picture once more is not a new frame
    h.display(3)
    assert h.taken_values() == [3]


def test_a_paused_seek_shows_its_landing_picture() -> None:
    h = Harness()
    h.display(1)
    h.sink.take()
    h.sink.set_paused(True)
    h.sink.begin_hold()
    h.sink.on_event(LibvlcEvent.BUFFERING, 0.0)
    h.sink.on_event(LibvlcEvent.BUFFERING, 100.0)
    h.display(7)
    assert h.taken_values() == [7]
    h.display(7)
    assert h.taken_values() == []


def test_skip_repeats_of_hides_the_picture_already_on_screen_even_as_landing() -> None:
    screen = Harness()
    screen.display(5)
    on_screen = screen.sink.take().frame
    assert on_screen is not None
    h = Harness()
    h.sink.skip_repeats_of(on_screen.image)
    h.display(5)
    assert h.taken_values() == []
    h.display(6)
    h.display(6)  # once a new one came, pictures are no longer compared
    assert h.taken_values() == [6]


def test_pictures_are_rescaled_to_the_real_size_and_the_size_is_learnt() -> None:
    """libvlc proposes 640x386 for a 640x360 stream and stretches the picture into it."""
    h = Harness(width=64, height=44)
    h.sink.set_visible_size(64, 40)
    h.display(9)
    frame = h.sink.take().frame
    assert frame is not None and (frame.image.width(), frame.image.height()) == (64, 40)
    assert vlc_frames.SIZE_HINTS[(64, 44)] == (64, 40)
    later = Harness(width=64, height=44)  # the next stream of that format: exact buffers
    assert (later.width, later.height) == (64, 40)


def test_a_resolution_change_forgets_the_size() -> None:
    h = Harness(width=64, height=44)
    h.sink.set_visible_size(64, 40)
    assert h.sink.has_visible_size()
    h.sink.on_format(128, 72)
    assert not h.sink.has_visible_size()


def test_a_closed_sink_hands_nothing_over() -> None:
    h = Harness()
    h.sink.close()
    h.display(1)
    h.sink.on_event(LibvlcEvent.PLAYING, 0.0)
    taken = h.sink.take()
    assert taken.frame is None and taken.events == [] and h.notifications == 0


def test_images_equal_compares_every_pixel() -> None:
    a = QImage(10, 6, QImage.Format.Format_RGB32)  # 40-byte rows: not a multiple of 32
    a.fill(0x112233)
    assert images_equal(a, a.copy())
    different = a.copy()
    different.setPixel(9, 5, 0x445566)  # the very last pixel
    assert not images_equal(a, different)
    assert not images_equal(a, a.scaled(5, 6))


def test_repeated_pictures_are_not_frames_while_playing_either() -> None:
    """Starved by the network, libvlc re-displays the last picture ~13 times a second."""
    h = Harness()
    h.display(1)
    assert h.taken_values() == [1]
    h.display(1)
    h.display(1)
    assert h.taken_values() == [] and h.sink.repeats == 2
    h.display(2)
    assert h.taken_values() == [2]


def test_repeats_are_recognised_while_pictures_are_being_rescaled() -> None:
    h = Harness(width=64, height=44)
    h.display(1)
    h.sink.take()
    h.sink.set_visible_size(64, 40)  # known only after the first frame: this vout rescales
    h.display(2)
    assert h.taken_values() == [2]
    h.display(2)
    assert h.taken_values() == [] and h.sink.repeats == 1
