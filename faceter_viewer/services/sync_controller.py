"""Synchronized archive playback of a layout's tiles (issue 12).

SKELETON (the interface the layout UI builds on): every command is fanned out to every tile
with a camera, with no clock and no correction yet. The sync helper replaces the inside (a
leader clock, followers corrected by small rate changes or a re-seek past a threshold, tiles
without archive at the moment waiting and joining at their next recording), keeping this API.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal

from faceter_viewer.services.camera_view import CameraView
from faceter_viewer.services.playback import Mode


class TileSync(enum.Enum):
    """What one tile does in the synchronized playback (its header shows it)."""

    IDLE = "idle"  # no camera, or live
    SEEKING = "seeking"  # opening / landing at the layout's time
    PLAYING = "playing"  # in step with the layout's time (playing or paused)
    BUFFERING = "buffering"
    NO_ARCHIVE = "no archive"  # nothing recorded at the layout's time: joins at its next recording


class SyncController(QObject):
    time_changed = Signal(float)  # the layout's wall time (epoch seconds), ~10 times a second
    tile_state_changed = Signal(int, object)  # tile index, TileSync
    enabled_changed = Signal(bool)
    paused_changed = Signal(bool)
    rate_changed = Signal(float)

    def __init__(self, views: Callable[[], Sequence[CameraView]], parent: QObject | None = None) -> None:
        """`views`: the layout's tiles in order (a tile without a camera is skipped)."""
        super().__init__(parent)
        self._views = views
        self._enabled = True
        self._paused = False
        self._rate = 1.0
        self._time: float | None = None

    # --- the state ---------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """Sync on: the layout's commands act on every tile at one wall-clock time."""
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        if enabled != self._enabled:
            self._enabled = enabled
            self.enabled_changed.emit(enabled)

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def rate(self) -> float:
        return self._rate

    def time(self) -> float | None:
        """The layout's wall time on screen (None while live or idle)."""
        for view in self._playing_views():
            t = view.playback.current_time()
            if t is not None:
                return t
        return self._time

    def tile_state(self, index: int) -> TileSync:
        views = self._views()
        if index >= len(views) or views[index].camera is None or views[index].playback.mode is not Mode.ARCHIVE:
            return TileSync.IDLE
        return TileSync.PLAYING

    # --- commands ----------------------------------------------------------------------------

    def seek(self, t: float) -> None:
        """Every tile with a camera plays its archive from the wall time `t`."""
        self._time = t
        for view in self._camera_views():
            view.play_archive(t)

    def go_live(self) -> None:
        self._time = None
        for view in self._camera_views():
            view.go_live()

    def play(self) -> None:
        self._set_paused(False)
        for view in self._playing_views():
            view.backend.play()

    def pause(self) -> None:
        self._set_paused(True)
        for view in self._playing_views():
            view.backend.pause()

    def toggle_play_pause(self) -> None:
        self.play() if self._paused else self.pause()

    def set_rate(self, rate: float) -> None:
        self._rate = rate
        for view in self._camera_views():
            view.backend.set_rate(rate)
        self.rate_changed.emit(rate)

    def frame_step(self) -> None:
        self._set_paused(True)
        for view in self._playing_views():
            view.backend.frame_step()

    def close(self) -> None:
        """Stop the controller's timers (the views are the layout's to close)."""

    # --- helpers -----------------------------------------------------------------------------

    def _set_paused(self, paused: bool) -> None:
        if paused != self._paused:
            self._paused = paused
            self.paused_changed.emit(paused)

    def _camera_views(self) -> list[CameraView]:
        return [view for view in self._views() if view.camera is not None]

    def _playing_views(self) -> list[CameraView]:
        return [view for view in self._camera_views() if view.playback.mode is Mode.ARCHIVE]
