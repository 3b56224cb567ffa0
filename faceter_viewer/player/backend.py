"""What the UI may ask of a video player, whatever renders it.

A `PlayerBackend` plays one URL at a time and hands decoded frames to the GUI thread as QImages
(`frame_ready`), so any widget (one tile of a grid, the fullscreen view, a test) can paint them.
Every method is called on the GUI thread and returns at once; what takes time (opening, seeking,
buffering) is reported later through the signals. Failures never raise: they arrive as
`error_occurred(message)` with a message meant for the user, and the state becomes ERROR.

`position()` is the time into the media in seconds, interpolated with a monotonic clock between
the player's coarse updates (libvlc's own time moves about once a second), so a timeline cursor
can follow playback smoothly; it respects the rate and stands still while paused, buffering or
waiting for a seek to land. Several backends can run side by side (a multi-camera grid): nothing
here is global except the libvlc instance they share.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSize, Signal
from PySide6.QtGui import QImage

from faceter_viewer.player.player_state import PlayerState

MIN_RATE = 0.5
MAX_RATE = 8.0

__all__ = ["MAX_RATE", "MIN_RATE", "PlayerBackend", "PlayerState", "check_rate"]


class PlayerBackend(QObject):
    """The interface; `VlcBackend` (vlc_backend.py) is the implementation."""

    # The newest decoded picture, already cropped to the video size. Emitted on the GUI thread.
    frame_ready = Signal(QImage)
    # The first picture after open(): seconds since open() was called.
    first_frame_shown = Signal(float)
    state_changed = Signal(object)  # PlayerState
    # Percent 0..100 while the player fills its buffer; 100 when done.
    buffering_changed = Signal(float)
    error_occurred = Signal(str)  # a message for the user (no URL secrets in it)
    # Seconds into the media, on landing after open/seek/step and at each coarse player update;
    # poll position() for a smooth cursor.
    position_changed = Signal(float)
    duration_changed = Signal(float)  # seconds; 0 for live streams
    video_size_changed = Signal(QSize)
    has_audio_changed = Signal(bool)

    # -- opening and transport ------------------------------------------------------------------

    def open(self, url: str, *, start_offset: float = 0.0, muted: bool | None = None, paused: bool = False) -> None:
        """Play `url` (HLS, RTSP where supported, a file path), from `start_offset` seconds
        into it: the first frame shown is the one at start_offset (to within one frame).
        `muted` None keeps the current setting. `paused`: show that first frame and stay
        PAUSED there until play() (synchronized tiles land first and start together).
        Replaces whatever was open."""
        raise NotImplementedError

    def play(self) -> None:
        """Resume after pause(); re-open the last URL after stop(), ENDED or ERROR (retry)."""
        raise NotImplementedError

    def pause(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Stop and forget the stream (state IDLE). The last frame stays available to snapshot."""
        raise NotImplementedError

    def close(self, *, wait: bool = False) -> None:
        """Stop for good and free the player; `wait` blocks until it is released."""
        raise NotImplementedError

    def seek(self, seconds: float) -> None:
        """Go to `seconds` into the media; playing or paused stays so. Precise to a frame."""
        raise NotImplementedError

    def frame_step(self) -> None:
        """Pause (if playing) and show the next frame."""
        raise NotImplementedError

    def set_rate(self, rate: float) -> None:
        """Playback speed, MIN_RATE..MAX_RATE (ValueError outside)."""
        raise NotImplementedError

    def rate(self) -> float:
        raise NotImplementedError

    # -- audio ----------------------------------------------------------------------------------

    def set_muted(self, muted: bool) -> None:
        raise NotImplementedError

    def is_muted(self) -> bool:
        raise NotImplementedError

    def set_volume(self, volume: int) -> None:
        """0..100 (values outside are clamped)."""
        raise NotImplementedError

    def volume(self) -> int:
        raise NotImplementedError

    def has_audio(self) -> bool:
        """The open stream carries an audio track (known once it plays)."""
        raise NotImplementedError

    # -- what is showing ------------------------------------------------------------------------

    def state(self) -> PlayerState:
        raise NotImplementedError

    def url(self) -> str | None:
        raise NotImplementedError

    def error_message(self) -> str | None:
        """The last error's message while the state is ERROR."""
        raise NotImplementedError

    def position(self) -> float:
        """Seconds into the media, interpolated (see the module docstring)."""
        raise NotImplementedError

    def duration(self) -> float:
        """Seconds; 0 while unknown and for live streams."""
        raise NotImplementedError

    def video_size(self) -> QSize:
        """The real picture size (an invalid QSize until the first frame)."""
        raise NotImplementedError

    def snapshot(self) -> QImage:
        """A copy of the newest frame (a null QImage before the first one)."""
        raise NotImplementedError


def check_rate(rate: float) -> float:
    """The rate as a float, or ValueError when it is outside MIN_RATE..MAX_RATE."""
    value = float(rate)
    if not MIN_RATE <= value <= MAX_RATE:
        raise ValueError(f"rate must be between {MIN_RATE} and {MAX_RATE}, got {rate}")
    return value
