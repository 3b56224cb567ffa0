"""The actions a StreamMachine (stream_machine.py) returns and VlcBackend carries out, in the
order given: libvlc calls on the current player, and the PlayerBackend signals. Plain frozen
dataclasses (no Qt, no libvlc), so tests compare them with ==.
"""

from __future__ import annotations

from dataclasses import dataclass

from faceter_viewer.player.player_state import PlayerState

@dataclass(frozen=True)
class Begin:
    """Release the current player (if any) and start a fresh one; once it exists (libvlc may
    still be loading), call `session_created()` and carry out what it returns, then play it."""

    start_offset: float
    paused: bool  # play only to the landing picture, then pause


@dataclass(frozen=True)
class Reopen:
    """open() the last URL again from `start_offset` (play() after ENDED, ERROR or stop)."""

    start_offset: float


@dataclass(frozen=True)
class Discard:
    """Release the current player (in the background); no more of its reports count."""


@dataclass(frozen=True)
class HoldForSeek:
    """Hide pictures until a seek that is issued later lands (sink.begin_hold(seek_pending))."""


@dataclass(frozen=True)
class IssuePendingSeek:
    """libvlc is ready: seek to `seconds` now, for the hold HoldForSeek began."""

    seconds: float


@dataclass(frozen=True)
class ReleaseHold:
    """The pending seek will not happen (live: nothing to seek in); show pictures again."""


@dataclass(frozen=True)
class SeekNow:
    """Hide pictures until it lands, then seek the playing player to `seconds`."""

    seconds: float


@dataclass(frozen=True)
class SkipRepeatsOfShown:
    """The picture on screen is where the fresh player starts: do not show it a second time."""


@dataclass(frozen=True)
class ShowFirstWhilePaused:
    """The fresh player only plays to its landing picture: the sink shows that one, paused."""


@dataclass(frozen=True)
class Pause:
    """Pause the player; the sink shows the next picture while paused if `show_next`."""

    show_next: bool


@dataclass(frozen=True)
class PausePlayer:
    """The landing picture of a paused seek arrived: pause libvlc there (the sink is paused)."""


@dataclass(frozen=True)
class Resume:
    """Unpause the sink and the player."""


@dataclass(frozen=True)
class NextFrame:
    """libvlc's next_frame()."""


@dataclass(frozen=True)
class ApplyRate:
    rate: float


@dataclass(frozen=True)
class ApplyAudio:
    """Set mute and volume on the player (libvlc forgets them set before its audio output)."""


@dataclass(frozen=True)
class RefreshAudio:
    """Ask the player whether the stream has audio (and say so if that changed)."""


@dataclass(frozen=True)
class SetState:
    """The state changed to `state` (state_changed)."""

    state: PlayerState


@dataclass(frozen=True)
class SetDuration:
    """The duration changed to `seconds` (duration_changed)."""

    seconds: float


@dataclass(frozen=True)
class EmitPosition:
    seconds: float


@dataclass(frozen=True)
class ShowFrame:
    """Hand the picture just reported to the GUI (frame_ready); it is at `media_seconds`."""

    media_seconds: float


@dataclass(frozen=True)
class EmitFirstFrame:
    """The first picture after open(), `seconds` after it was called (first_frame_shown)."""

    seconds: float


@dataclass(frozen=True)
class EmitError:
    """Playback failed (error_occurred); `message` is for the user."""

    message: str


Action = (
    Begin
    | Reopen
    | Discard
    | HoldForSeek
    | IssuePendingSeek
    | ReleaseHold
    | SeekNow
    | SkipRepeatsOfShown
    | ShowFirstWhilePaused
    | Pause
    | PausePlayer
    | Resume
    | NextFrame
    | ApplyRate
    | ApplyAudio
    | RefreshAudio
    | SetState
    | SetDuration
    | EmitPosition
    | ShowFrame
    | EmitFirstFrame
    | EmitError
)
