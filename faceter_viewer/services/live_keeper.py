"""Live that keeps up: notices when the live picture stops moving and re-opens the stream itself.

libvlc gives up on a live HLS stream quietly: a refused playlist or first segment ENDs it, a
refused segment mid-stream freezes the picture (the StreamMachine turns a second without a
picture into BUFFERING, libvlc itself says nothing), and a stall it recovers from leaves the
picture as many seconds behind as it stood still (HLS resumes where it stopped, not at the
live edge). `LiveKeeper` watches the backend while the PlaybackController plays live and
re-opens the stream (the controller's `reopen` callback) when

- the player ENDs or fails (ERROR): after a backoff delay (1, 2, 4, 8, then 15 s), reset as
  soon as pictures flow again;
- the picture has not moved for `stall_seconds` (a stall libvlc does not end by itself), or a
  (re-)open showed nothing within `open_seconds`;
- stalls it recovered from added up to `catch_up_seconds` of lag: a re-open starts at the
  live edge again.

What it knows is `health` (LiveHealth): whether the picture moves, since when it stands still
(the local time of the last picture that moved) and whether a re-open is under way. The header
shows its `label`, so "● LIVE" is never written over a frozen picture. The delay behind real
time is not shown: neither libvlc nor a camera's frames tell it (a bare python-vlc player
starts a few segments behind the edge, how many depends on the playlist), so no number is
better than a guessed one.

Time comes from injected clocks (monotonic for durations, wall for what the user reads), and
`tick()` is public, so the unit tests drive every sequence without waiting.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from faceter_viewer.player.backend import PlayerBackend, PlayerState

log = logging.getLogger("faceter_viewer.services.live_keeper")

BACKOFF_SECONDS = (1.0, 2.0, 4.0, 8.0, 15.0)  # the last one repeats
STALL_SECONDS = 4.0  # no new picture this long while live: re-open
OPEN_SECONDS = 10.0  # a (re-)open that shows no picture this long: re-open again
CATCH_UP_SECONDS = 5.0  # lag added by stalls libvlc recovered from: re-open at the live edge
TICK_MS = 250


class LiveState(enum.Enum):
    IDLE = "idle"  # not live
    CONNECTING = "connecting"  # the first open of this stream, no picture yet
    PLAYING = "playing"  # pictures flow
    STALLED = "stalled"  # pictures stopped; not given up yet
    RECONNECTING = "reconnecting"  # given up on the player: a re-open is waiting or opening


@dataclass(frozen=True)
class LiveHealth:
    state: LiveState = LiveState.IDLE
    last_frame_wall: float | None = None  # wall time the last moving picture arrived
    attempt: int = 0  # re-opens since pictures last flowed
    retry_at_wall: float | None = None  # when the next re-open is due (while waiting for it)

    @property
    def moving(self) -> bool:
        return self.state is LiveState.PLAYING

    @property
    def label(self) -> str:
        """What the header says while live (never "● LIVE" unless the picture moves)."""
        if self.state is LiveState.PLAYING:
            return "● LIVE"
        if self.state is LiveState.CONNECTING:
            return "connecting…"
        since = self._since()
        if self.state is LiveState.STALLED:
            return f"stalled since {since}" if since else "stalled"
        if self.state is LiveState.RECONNECTING:
            return f"reconnecting… (stalled since {since})" if since else "reconnecting…"
        return ""

    def _since(self) -> str:
        if self.last_frame_wall is None:
            return ""
        return datetime.fromtimestamp(self.last_frame_wall).strftime("%H:%M:%S")


def backoff_delay(attempt: int, steps: tuple[float, ...] = BACKOFF_SECONDS) -> float:
    """Seconds before re-open number `attempt` (0-based) since pictures last flowed."""
    return steps[min(max(0, attempt), len(steps) - 1)]


class LiveKeeper(QObject):
    health_changed = Signal(object)  # LiveHealth
    recovered = Signal()  # pictures flow again after a failure or a stall (messages may clear)

    def __init__(
        self,
        backend: PlayerBackend,
        reopen: Callable[[], None],
        parent: QObject | None = None,
        *,
        backoff: tuple[float, ...] = BACKOFF_SECONDS,
        stall_seconds: float = STALL_SECONDS,
        open_seconds: float = OPEN_SECONDS,
        catch_up_seconds: float = CATCH_UP_SECONDS,
        now: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self._backend = backend
        self._reopen = reopen
        self._backoff = backoff
        self._stall_seconds = stall_seconds
        self._open_seconds = open_seconds
        self._catch_up_seconds = catch_up_seconds
        self._now = now
        self._wall = wall
        self._active = False
        self._health = LiveHealth()
        self._opened_at = 0.0  # monotonic: the last open or re-open
        self._last_frame_at: float | None = None  # monotonic: the last picture of this open
        self._stalled_at: float | None = None  # monotonic: the picture stopped moving
        self._lag = 0.0  # seconds of stall the stream recovered from since its open
        self._retry_at: float | None = None  # monotonic: a re-open waits for this moment
        self._troubled = False  # a failure or stall since pictures last flowed
        self._attempt = 0  # re-opens since pictures last flowed
        self._last_frame_wall: float | None = None  # what "stalled since" says
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)
        backend.frame_ready.connect(self._on_backend_frame_ready)
        backend.state_changed.connect(self._on_backend_state_changed)

    @property
    def health(self) -> LiveHealth:
        return self._health

    @property
    def active(self) -> bool:
        return self._active

    def start(self) -> None:
        """The controller opened live: watch it from here (a user's request: backoff from zero)."""
        self._active = True
        self._health = LiveHealth()
        self._last_frame_wall = None
        self._troubled = False
        self._begin_open(attempt=0)
        self._publish(LiveState.CONNECTING)
        self._timer.start()

    def stop(self) -> None:
        """Live left (archive, idle, another camera): nothing to watch."""
        self._active = False
        self._timer.stop()
        self._retry_at = None
        self._troubled = False
        self._publish(LiveState.IDLE)

    def retry_now(self) -> None:
        """A re-open waiting out its backoff (the service was unreachable and is back): now."""
        if self._active and self._retry_at is not None:
            self._retry_at = self._now()
            self.tick()

    # --- what the player reports ----------------------------------------------------------------

    def _on_backend_frame_ready(self, _image) -> None:
        if not self._active or self._retry_at is not None:
            return
        now = self._now()
        if self._stalled_at is not None:
            self._lag += now - self._stalled_at  # HLS resumes where it stopped: that far behind
            self._stalled_at = None
        self._last_frame_at = now
        self._last_frame_wall = self._wall()
        if self._health.state is not LiveState.PLAYING:
            self._attempt = 0
            self._publish(LiveState.PLAYING)
            if self._troubled:
                self._troubled = False
                self.recovered.emit()

    def _on_backend_state_changed(self, state: PlayerState) -> None:
        if not self._active or self._retry_at is not None:
            return
        if state in (PlayerState.ENDED, PlayerState.ERROR):
            self._schedule_reopen(f"the player {'ended' if state is PlayerState.ENDED else 'failed'}")
        elif state is PlayerState.BUFFERING and self._last_frame_at is not None:
            self._note_stall()

    def tick(self) -> None:
        """Every TICK_MS while live: the stalls and silences no event reports, due re-opens."""
        if not self._active:
            return
        now = self._now()
        if self._retry_at is not None:
            if now >= self._retry_at:
                self._do_reopen()
            return
        if self._last_frame_at is None:
            if now - self._opened_at > self._open_seconds:
                self._schedule_reopen(f"no picture within {self._open_seconds:.0f} s")
            return
        silent = now - self._last_frame_at
        if silent > self._stall_seconds:
            self._schedule_reopen(f"no new picture for {silent:.1f} s")
        elif silent > 1.0 and self._stalled_at is None:
            self._note_stall()  # the backend's watchdog may not have said BUFFERING yet
        elif self._stalled_at is None and self._lag >= self._catch_up_seconds:
            log.info("live fell %.1f s behind through stalls: re-opening at the live edge", self._lag)
            self._troubled = True
            self._begin_open(attempt=self._attempt)
            self._publish(LiveState.RECONNECTING)
            self._reopen()

    # --- helpers ------------------------------------------------------------------------------------

    def _note_stall(self) -> None:
        self._stalled_at = self._last_frame_at
        self._troubled = True
        self._publish(LiveState.STALLED)

    def _schedule_reopen(self, why: str) -> None:
        delay = backoff_delay(self._attempt, self._backoff)
        log.info("live stream lost (%s): re-opening in %.0f s (attempt %d)", why, delay, self._attempt + 1)
        self._troubled = True
        self._retry_at = self._now() + delay
        self._publish(LiveState.RECONNECTING, retry_at_wall=self._wall() + delay)

    def _do_reopen(self) -> None:
        self._begin_open(attempt=self._attempt + 1)
        self._publish(LiveState.RECONNECTING)
        self._reopen()

    def _begin_open(self, *, attempt: int) -> None:
        self._attempt = attempt
        self._retry_at = None
        self._opened_at = self._now()
        self._last_frame_at = None
        self._stalled_at = None
        self._lag = 0.0

    def _publish(self, state: LiveState, *, retry_at_wall: float | None = None) -> None:
        health = LiveHealth(
            state,
            self._last_frame_wall if state is not LiveState.IDLE else None,
            self._attempt if state is not LiveState.IDLE else 0,
            retry_at_wall,
        )
        if health != self._health:
            self._health = health
            self.health_changed.emit(health)
