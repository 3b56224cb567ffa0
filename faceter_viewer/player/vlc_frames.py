"""FrameSink: what libvlc's video and event callbacks (vlc_callbacks.py) hand to the GUI thread.

The callbacks run on libvlc's threads (decoder, vout, input) and obey two rules:

- they never call libvlc (a libvlc call from inside a callback can deadlock on the player's
  lock), and never touch Qt objects other than emitting the sink's notification;
- they only copy: the picture into a QImage, the event into a list. The GUI thread `take()`s the
  newest picture and the pending events when the queued notification arrives; pictures that came
  while the GUI was busy are dropped (counted), never queued, so a slow GUI cannot fall behind.

The sink also decides which pictures are worth showing (measured with libvlc 3.0 + HLS):

- after a seek libvlc may still show a picture or two from before it; pictures are held back
  until libvlc reports its buffer refilled (Buffering < 100 then 100) after the seek: the next
  picture is the landing one, at the seek target to within a frame (whether a picture IS a
  seek's landing is the stream machine's to say, `StreamMachine.awaiting_landing`: it also
  knows of landings the sink never held for, such as an open from 0);
- when no new picture comes - paused, or starved by the network - libvlc 3 displays the last
  one again ~13 times a second. A picture whose bytes equal the last one handed over is
  therefore dropped (memcmp), so painted frames are real frames and a stall is visible as one.
  Right after pause() libvlc still shows a frame or two: while paused, a picture is shown if
  it is new (the screen ends on libvlc's real paused frame) or a seek's landing.

libvlc's video format callback proposes a size that is NOT the picture's (640x386 for
640x360, 1920x1090 for 1920x1080: the coded size plus a few rows), and libvlc 3 SCALES the
picture into whatever size the callback returns - it does not pad. Cropping that buffer to
`video_get_size()` cuts the bottom off a stretched picture. So the callback returns the real
size once the GUI thread knows it (`set_visible_size`, from `video_get_size` after the first
frame) or has learnt it for the same proposal before (SIZE_HINTS, process-wide: the next open
of a stream of that format is exact from its first frame); until then pictures are rescaled to
the real size as they are copied (~1 ms at 640x360, ~6 ms at 1080p, outside the GIL).
"""

from __future__ import annotations

import ctypes
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from faceter_viewer.player.libvlc_events import LibvlcEvent

log = logging.getLogger(__name__)

ALIGN = 32  # libvlc wants planes and pitches aligned on 32 bytes
# Seconds after which a seek that never reported landing shows pictures anyway. Long: while the
# network stalls libvlc re-displays the picture from before the seek, which must not pass.
HOLD_TIMEOUT = 8.0

_memcmp = (ctypes.cdll.msvcrt if sys.platform == "win32" else ctypes.CDLL(None)).memcmp
_memcmp.argtypes = (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
_memcmp.restype = ctypes.c_int

# libvlc's proposed buffer size -> the real picture size, learnt by any sink of this process.
SIZE_HINTS: dict[tuple[int, int], tuple[int, int]] = {}
_SIZE_HINTS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Frame:
    image: QImage  # cropped to the visible size when it was known
    shown_at: float  # time.monotonic() when libvlc displayed it
    trailing: bool = False  # a new picture libvlc showed just after pause()
    skipped: int = 0  # pictures handed over before this one that the GUI never took


@dataclass
class Taken:
    """What the GUI thread collects per notification."""

    frame: Frame | None
    events: list[tuple[LibvlcEvent, float]]
    buffering: float | None  # the newest Buffering percentage, if any came
    time_ms: tuple[float, float] | None  # (libvlc time in ms, monotonic when reported)


class FrameSink:
    """State shared by libvlc's threads and the GUI thread, guarded by one lock."""

    def __init__(self, notify: Callable[[], None]) -> None:
        self._lock = threading.Lock()
        self._notify = notify  # emits a queued signal to the GUI thread
        self._alive = True
        self._notified = False
        # The picture buffer libvlc decodes into (owned here, reallocated on format changes).
        self._buffer: ctypes.Array[ctypes.c_ubyte] | None = None
        self._address = 0
        self._offset = 0
        self._width = self._height = self._pitch = 0
        self._target: tuple[int, int] | None = None  # the real picture size, when known
        self._proposals: set[tuple[int, int]] = set()  # sizes libvlc proposed to this sink
        self.format_serial = 0
        # Which pictures to show.
        self._paused = False
        self._allowance = 0  # pictures to show while paused whatever they are
        self._check_landing = False  # drop a landing picture equal to the last one shown
        self._last_image: QImage | None = None  # the last picture handed over
        self._holding = False
        self._awaiting_seek = False
        self._held_reported = False  # the first picture held for a pending seek was reported
        self._hold_refilling = False  # libvlc reported Buffering < 100 since the seek
        self._hold_refilled = False  # ... and then 100
        self._hold_new_streams = False  # ES were re-created since the seek (HLS does that)
        self._hold_format_serial = 0
        self._hold_started = 0.0
        # What waits for the GUI thread.
        self._frame: Frame | None = None
        self._events: list[tuple[LibvlcEvent, float]] = []
        self._buffering: float | None = None
        self._time: tuple[float, float] | None = None
        # Counters (diagnostics and tests).
        self.displayed = 0  # display callbacks
        self.delivered = 0  # pictures handed to the GUI thread
        self.superseded = 0  # delivered pictures replaced before the GUI took them
        self.repeats = 0  # libvlc's re-displays of the last picture, dropped

    # -- GUI thread -----------------------------------------------------------------------------

    def close(self) -> None:
        """No more notifications; callbacks still running become no-ops."""
        with self._lock:
            self._alive = False

    def take(self) -> Taken:
        with self._lock:
            taken = Taken(self._frame, self._events, self._buffering, self._time)
            self._frame, self._events, self._buffering, self._time = None, [], None, None
            self._notified = False
        return taken

    def set_paused(self, paused: bool, *, show_next: bool = False) -> None:
        """While paused only some pictures are shown: the next one (`show_next`, when nothing
        was shown yet), a seek's landing, and pictures that differ from the last one shown
        (libvlc still shows a frame or two after pause(), and one per next_frame())."""
        with self._lock:
            self._paused = paused
            self._allowance = 1 if show_next else 0

    def skip_repeats_of(self, image: QImage) -> None:
        """`image` is on screen already (a new player resuming after the paused one): a picture
        equal to it is not shown again, even as a seek's landing."""
        with self._lock:
            self._last_image, self._check_landing = image, True

    def begin_hold(self, *, seek_pending: bool = False) -> None:
        """Hide pictures until a seek lands. Call just BEFORE asking libvlc to seek, or with
        `seek_pending` when the seek will be issued later (then call `seek_issued`)."""
        with self._lock:
            self._hold_locked(awaiting_seek=seek_pending)
            self._allowance = 0  # while paused, the landing picture is the one shown

    def seek_issued(self) -> None:
        """The seek a `begin_hold(seek_pending=True)` waited for was issued now: only the
        buffering that follows counts, and pictures until its landing stay hidden."""
        with self._lock:
            self._hold_locked(awaiting_seek=False)

    def release_hold(self) -> None:
        """The awaited seek will not happen (the stream cannot seek): show pictures again."""
        with self._lock:
            self._holding = self._awaiting_seek = False

    def _hold_locked(self, *, awaiting_seek: bool) -> None:
        self._holding = True
        self._awaiting_seek = awaiting_seek
        self._hold_refilling = self._hold_refilled = self._hold_new_streams = False
        self._hold_format_serial = self.format_serial
        self._hold_started = time.monotonic()
        self._frame = None  # a picture from before the seek must not be shown late

    def set_visible_size(self, width: int, height: int) -> None:
        """The picture's real size (GUI thread, from video_get_size): buffers get this size
        from the next format callback on, and pictures already decoded are rescaled to it."""
        if width <= 0 or height <= 0:
            return
        with self._lock:
            self._target = (width, height)
            proposals = list(self._proposals)
        with _SIZE_HINTS_LOCK:
            for proposal in proposals:
                SIZE_HINTS[proposal] = (width, height)

    def has_visible_size(self) -> bool:
        return self._target is not None

    # -- libvlc threads -------------------------------------------------------------------------

    def on_format(self, width: int, height: int) -> tuple[int, int, int, int]:
        """libvlc proposes width x height: choose the buffer size and allocate it.
        Returns (width, height, pitch, lines) for RV32."""
        with _SIZE_HINTS_LOCK:
            hint = SIZE_HINTS.get((width, height))
        with self._lock:
            self._proposals.add((width, height))
            if self._target is not None and self._target[0] != width:
                self._target = None  # the stream changed resolution: ask the GUI again
            target = self._target or hint
        if target is not None:
            width, height = target
        pitch = (width * 4 + ALIGN - 1) // ALIGN * ALIGN
        buffer = (ctypes.c_ubyte * (pitch * height + ALIGN))()
        address = ctypes.addressof(buffer)
        offset = (-address) % ALIGN
        with self._lock:
            self._buffer, self._address, self._offset = buffer, address + offset, offset
            self._width, self._height, self._pitch = width, height, pitch
            self.format_serial += 1
        return width, height, pitch, height

    def on_lock(self) -> int:
        return self._address

    def on_display(self) -> None:
        now = time.monotonic()
        with self._lock:
            if not self._alive or self._buffer is None:
                return
            self.displayed += 1
            hold_ended = False  # this picture ends a hold: the one to show, even while paused
            if self._holding:
                if self._awaiting_seek and not self._held_reported:
                    # The first picture of a stream whose seek waits for it: tell the GUI.
                    self._held_reported = True
                    self._events.append((LibvlcEvent.HELD, 0.0))
                    self._notify_locked()
                if not self._landed_locked(now):
                    return
                self._holding, hold_ended = False, True
            forced = hold_ended
            if hold_ended:
                self._allowance = 0
            elif self._paused and self._allowance > 0:
                self._allowance -= 1
                forced = True
            reference = None if forced and not self._check_landing else self._last_image
            address, buffer, offset = self._address, self._buffer, self._offset
            width, height, pitch = self._width, self._height, self._pitch
            target = self._target
            paused = self._paused
        # Outside the lock: libvlc does not reuse the buffer until this call returns.
        # libvlc displays the last picture again ~13 times a second when no new one comes
        # (paused, or starved by the network): that is not a frame. It is dropped, so painted
        # frames are real ones and the clock and the stall watchdog see the stall.
        rescale = target is not None and target != (width, height)
        if (
            not rescale
            and reference is not None
            and raw_equals(address, pitch, width, height, reference)
        ):
            self.repeats += 1
            return
        if paused and not forced and reference is None:
            return  # paused before anything was shown: only the allowed picture
        view = memoryview(buffer).cast("B")[offset : offset + pitch * height]
        image = QImage(view, width, height, pitch, QImage.Format.Format_RGB32)
        if rescale:
            assert target is not None
            # libvlc stretched the picture into the size it proposed: undo that.
            image = image.scaled(
                target[0],
                target[1],
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            if reference is not None and images_equal(image, reference):
                self.repeats += 1
                return
        else:
            image = image.copy()
        with self._lock:
            if not self._alive:
                return
            self._check_landing = False
            skipped = 0
            if self._frame is not None:
                self.superseded += 1
                skipped = self._frame.skipped + 1
            self._frame = Frame(image, now, paused and not forced, skipped)
            self._last_image = image
            self.delivered += 1
            self._notify_locked()

    def on_event(self, kind: LibvlcEvent, value: float) -> None:
        with self._lock:
            if not self._alive:
                return
            if kind is LibvlcEvent.BUFFERING:
                self._buffering = value
                if self._holding and not self._awaiting_seek:
                    if value < 100.0:
                        self._hold_refilling = True
                    elif self._hold_refilling:
                        self._hold_refilled = True
            elif kind is LibvlcEvent.TIME:
                self._time = (value, time.monotonic())
            else:
                if kind is LibvlcEvent.ES_ADDED and self._holding and not self._awaiting_seek:
                    self._hold_new_streams = True
                self._events.append((kind, value))
            self._notify_locked()

    def _landed_locked(self, now: float) -> bool:
        """Is the picture being displayed the first one after the seek?

        Measured sequence of an HLS seek: Buffering 0, ESAdded (the demuxer restarts), maybe a
        picture from BEFORE the seek, Buffering 0..100, video format callback(s) for the new
        decoder, then the landing picture. A picture in the old format is never the landing.
        """
        if self._awaiting_seek:
            return False
        if self._hold_refilled and (
            not self._hold_new_streams or self.format_serial != self._hold_format_serial
        ):
            return True
        if now - self._hold_started >= HOLD_TIMEOUT:
            log.info("a seek did not report landing within %.1f s; showing pictures", HOLD_TIMEOUT)
            return True
        return False

    def _notify_locked(self) -> None:
        if not self._notified:
            self._notified = True
            self._notify()


def images_equal(image: QImage, other: QImage) -> bool:
    address = np.frombuffer(image.constBits(), dtype=np.uint8).ctypes.data
    return raw_equals(address, image.bytesPerLine(), image.width(), image.height(), other)


def raw_equals(address: int, pitch: int, width: int, height: int, image: QImage) -> bool:
    """Are the RV32 pixels at `address` (rows `pitch` bytes apart) those of `image`?

    memcmp (GIL released by ctypes) stops at the first difference, so a new frame costs next to
    nothing and a repeat one pass over the picture (~1 ms at 1080p); a CRC of every frame would
    cost ~2 ms at 1080p whether repeated or not.
    """
    if (
        image.width() != width
        or image.height() != height
        or image.format() != QImage.Format.Format_RGB32
    ):
        return False
    bits = np.frombuffer(image.constBits(), dtype=np.uint8)  # no copy: the image's own pixels
    other = bits.ctypes.data
    line = image.bytesPerLine()
    if line == pitch:
        return _memcmp(address, other, pitch * height) == 0
    row_bytes = width * 4
    return all(
        _memcmp(address + row * pitch, other + row * line, row_bytes) == 0 for row in range(height)
    )
