"""The layout on screen (issue 12): one CameraView per tile, the kind, and who shows what.

`LayoutView` owns up to MAX_TILES CameraViews, all on the session's shared pool, each made the
first time its tile is shown (`backend_factory()` gives each its player; tests pass a
FakeBackend). The camera of each tile is kept by id, so a layout restored at start, before the
camera list has loaded, plays as soon as it has; a camera that is no longer in the list leaves
its tile saying so.

A tile DECODES ONLY WHILE IT IS SHOWN: in the current kind, with the layout `active` (the grid
page on screen, the window not minimized). A tile that goes out of view stops its player
(`suspend_view`); coming back, live re-opens and the archive re-joins the layout's time
(`resume_view`, or the SyncController's seek when the whole layout comes back). A maximized tile
leaves the others decoding behind it, so restoring is instant (Nx keeps them too).

The layout's transport (seek, play/pause, speed, frame step, live) goes to the SyncController
(services/sync_controller.py) over the shown tiles while Sync is on, and to the selected tile
alone while it is off (tiles play independently, as in Nx). The single-camera player uses
`suspend_view` / `resume_view` too, when the grid takes its place and when it comes back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from faceter_viewer.core.layouts import MAX_TILES, Layout, LayoutKind, tile_count
from faceter_viewer.player.backend import PlayerBackend, PlayerState
from faceter_viewer.services.camera_view import CameraView
from faceter_viewer.services.playback import Mode
from faceter_viewer.services.session import Session
from faceter_viewer.services.sync_controller import SyncController

if TYPE_CHECKING:
    from faceter_viewer.api.models import Camera

log = logging.getLogger("faceter_viewer.services.layout_view")

_RUNNING = (PlayerState.PLAYING, PlayerState.BUFFERING, PlayerState.OPENING)


@dataclass(frozen=True)
class ResumePoint:
    """What a view showed when it stopped decoding: the archive at a time, or live (None)."""

    archive_time: float | None
    paused: bool = False


def suspend_view(view: CameraView) -> ResumePoint | None:
    """Stop the view's player (it no longer decodes) and say what it showed; None: nothing."""
    if view.camera is None:
        return None
    mode = view.playback.mode
    point = ResumePoint(
        view.playback.current_time() if mode is Mode.ARCHIVE else None,
        paused=view.backend.state() is PlayerState.PAUSED,
    )
    if mode is not Mode.IDLE:
        view.playback.stop()
    return point


def resume_view(view: CameraView, point: ResumePoint | None, *, archive_time: float | None = None) -> None:
    """Show again what `point` said (the archive at `archive_time` when given), else live. An
    offline camera's go_live shows its last preview again."""
    if view.camera is None:
        return
    at = archive_time if archive_time is not None else point.archive_time if point is not None else None
    if at is not None and view.camera.has_archive_access:
        view.play_archive(at)
        if point is not None and point.paused and archive_time is None:
            _pause_on_first_frame(view)
    else:
        view.go_live()


def _pause_on_first_frame(view: CameraView) -> None:
    backend = view.backend

    def pause(_seconds: float) -> None:
        backend.first_frame_shown.disconnect(pause)
        backend.pause()

    backend.first_frame_shown.connect(pause)


class LayoutView(QObject):
    kind_changed = Signal(object)  # LayoutKind
    tile_camera_changed = Signal(int, object)  # tile index, Camera | None (see tile_camera_id)
    tile_view_changed = Signal(int, object)  # tile index, its CameraView (made, or replaced by Clear)
    maximized_changed = Signal(int)  # tile index, -1: none
    selected_changed = Signal(int)  # tile index
    active_changed = Signal(bool)

    def __init__(
        self,
        session: Session,
        backend_factory: Callable[[], PlayerBackend] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self._backend_factory = backend_factory
        self._kind = LayoutKind.SINGLE
        self._ids: list[str | None] = [None] * MAX_TILES
        self._given: dict[str, Camera] = {}  # cameras put on tiles, until the session's list has them
        self._views: list[CameraView | None] = [None] * MAX_TILES
        self._shown = [False] * MAX_TILES  # decoding-visible now
        self._resume: list[ResumePoint | None] = [None] * MAX_TILES
        self._held: tuple[float | None, bool] | None = None  # the layout's (time, paused) when it went inactive
        self._active = False
        self._maximized = -1
        self._selected = 0
        self.sync = SyncController(self.shown_views, self)
        session.cameras_loaded.connect(self._on_session_cameras_loaded)

    # --- what is on screen --------------------------------------------------------------------

    @property
    def kind(self) -> LayoutKind:
        return self._kind

    @property
    def count(self) -> int:
        """How many tiles the kind shows."""
        return tile_count(self._kind)

    @property
    def active(self) -> bool:
        return self._active

    @property
    def maximized(self) -> int:
        return self._maximized

    @property
    def selected(self) -> int:
        return self._selected

    def view(self, index: int) -> CameraView | None:
        """The tile's CameraView (None until its tile was first shown or given a camera)."""
        return self._views[index]

    def shown_views(self) -> list[CameraView]:
        """The views of the shown tiles, in tile order (index = tile index); [] while inactive."""
        return [view for i, view in enumerate(self._views) if self._shown[i] and view is not None]

    def is_shown(self, index: int) -> bool:
        return self._shown[index]

    def tile_camera_id(self, index: int) -> str | None:
        return self._ids[index]

    def tile_camera(self, index: int) -> Camera | None:
        """The tile's camera as the session knows it; None for an empty tile, and for one whose
        camera is not (or not yet) in the camera list."""
        camera_id = self._ids[index]
        if camera_id is None:
            return None
        return self.session.camera(camera_id) or self._given.get(camera_id)

    def camera_ids(self) -> tuple[str | None, ...]:
        return tuple(self._ids)

    def layout(self, name: str = "") -> Layout:
        """The layout as data (every tile's camera, also those out of view)."""
        return Layout(name, self._kind, tuple(self._ids))

    def index_of_camera(self, camera_id: str) -> int:
        """The first shown tile with that camera, -1: none."""
        for i in range(self.count):
            if self._ids[i] == camera_id:
                return i
        return -1

    # --- changing it --------------------------------------------------------------------------

    def set_kind(self, kind: LayoutKind | str) -> None:
        kind = LayoutKind(kind)
        if kind is self._kind:
            return
        self._kind = kind
        if self._maximized >= self.count:
            self._set_maximized(-1)
        if self._selected >= self.count:
            self.select(0)
        self._update_shown()
        self.kind_changed.emit(kind)

    def set_active(self, active: bool) -> None:
        """The layout is on screen (grid page shown, window not minimized): its tiles decode."""
        if active == self._active:
            return
        if not active:
            self._held = self._layout_archive_time(), self.sync.paused
        self._active = active
        self._update_shown()
        self.active_changed.emit(active)

    def set_tile_camera(self, index: int, camera: Camera | None) -> None:
        """Put a camera on a tile (None clears it). A shown tile plays it at once: live, or the
        layout's archive time while the layout plays the archive in sync."""
        if not 0 <= index < MAX_TILES:
            raise IndexError(index)
        new_id = camera.id if camera is not None else None
        if new_id == self._ids[index] and camera is not None:
            self._given[camera.id] = camera
            view = self._views[index]
            if self._shown[index] and view is not None:
                view.set_camera(camera)  # a fresher copy
            return
        join_at = self._layout_archive_time()
        self._ids[index] = new_id
        if camera is not None:
            self._given[camera.id] = camera
        self._resume[index] = None
        if self._shown[index]:
            self._play_tile(index, join_at)
        elif camera is None and self._views[index] is not None and self._views[index].camera is not None:
            self._replace_view(index)
        self.tile_camera_changed.emit(index, camera)

    def clear_tile(self, index: int) -> None:
        self.set_tile_camera(index, None)

    def apply(self, layout: Layout) -> None:
        """Show a saved layout: its kind and every tile's camera (by id; a camera the list does
        not know yet plays when it loads)."""
        join_at = self._layout_archive_time()
        self._set_maximized(-1)
        changed = []
        for i in range(MAX_TILES):
            camera_id = layout.camera(i)
            if camera_id != self._ids[i]:
                self._ids[i] = camera_id
                self._resume[i] = None
                changed.append(i)
        kind_changed = layout.kind is not self._kind
        self._kind = layout.kind
        if self._selected >= self.count:
            self.select(0)
        for i in changed:
            if self._shown[i]:
                self._play_tile(i, join_at)
            elif self._views[i] is not None and self._views[i].camera is not None and self._ids[i] is None:
                self._replace_view(i)
        self._update_shown()
        if kind_changed:
            self.kind_changed.emit(self._kind)
        for i in changed:
            self.tile_camera_changed.emit(i, self.tile_camera(i))

    def select(self, index: int) -> None:
        index = max(0, min(index, self.count - 1))
        if index != self._selected:
            self._selected = index
            self.selected_changed.emit(index)

    def set_maximized(self, index: int) -> None:
        """Maximize a tile of the kind (-1: back to the grid)."""
        self._set_maximized(index if 0 <= index < self.count else -1)

    def toggle_maximized(self, index: int | None = None) -> None:
        index = self._selected if index is None else index
        self.set_maximized(-1 if self._maximized == index else index)

    # --- the layout's transport ------------------------------------------------------------------

    @property
    def sync_enabled(self) -> bool:
        return self.sync.enabled

    def set_sync_enabled(self, enabled: bool) -> None:
        self.sync.set_enabled(enabled)

    def toggle_sync(self) -> None:
        self.sync.set_enabled(not self.sync.enabled)

    def selected_view(self) -> CameraView | None:
        view = self._views[self._selected]
        return view if view is not None and view.camera is not None else None

    def in_archive(self) -> bool:
        """What the transport acts on plays the archive (any shown tile in sync, else the
        selected tile)."""
        if self.sync.enabled:
            return any(view.playback.mode is Mode.ARCHIVE for view in self.shown_views())
        view = self.selected_view()
        return view is not None and view.playback.mode is Mode.ARCHIVE

    def current_time(self) -> float | None:
        """The wall time on screen while the archive plays (the layout's, or the selected
        tile's with Sync off); None while live."""
        if not self.in_archive():
            return None
        if self.sync.enabled:
            return self.sync.time()
        view = self.selected_view()
        return view.playback.current_time() if view is not None else None

    def rate(self) -> float:
        if self.sync.enabled:
            return self.sync.rate
        view = self.selected_view()
        return view.backend.rate() if view is not None else 1.0

    def seek(self, t: float) -> None:
        if self.sync.enabled:
            self.sync.seek(t)
        elif (view := self.selected_view()) is not None:
            view.play_archive(t)

    def play_pause(self) -> None:
        if self.sync.enabled and self.in_archive():
            self.sync.toggle_play_pause()
            return
        views = self._camera_views() if self.sync.enabled else [v for v in [self.selected_view()] if v is not None]
        running = any(view.backend.state() in _RUNNING for view in views)
        for view in views:
            state = view.backend.state()
            if running and state in _RUNNING:
                view.backend.pause()
            elif not running and state is PlayerState.PAUSED:
                view.backend.play()
            elif not running and state in (PlayerState.IDLE, PlayerState.ERROR, PlayerState.ENDED):
                view.retry()

    def frame_step(self) -> None:
        if self.sync.enabled:
            self.sync.frame_step()
        elif (view := self.selected_view()) is not None:
            view.backend.frame_step()

    def set_rate(self, rate: float) -> None:
        if self.sync.enabled:
            self.sync.set_rate(rate)
        elif (view := self.selected_view()) is not None:
            view.backend.set_rate(rate)

    def go_live(self) -> None:
        if self.sync.enabled:
            self.sync.go_live()
        elif (view := self.selected_view()) is not None:
            view.go_live()

    def close(self) -> None:
        """Stop every tile's view (the shared pool stays for the others)."""
        self.session.cameras_loaded.disconnect(self._on_session_cameras_loaded)
        self.sync.close()
        for i, view in enumerate(self._views):
            if view is not None:
                view.close()
                self._views[i] = None
        self._shown = [False] * MAX_TILES

    # --- inside ---------------------------------------------------------------------------------

    def _camera_views(self) -> list[CameraView]:
        return [view for view in self.shown_views() if view.camera is not None]

    def _layout_archive_time(self) -> float | None:
        """Where a tile that joins now plays: the layout's archive time while Sync is on and the
        layout plays the archive; None: live."""
        if not self.sync.enabled:
            return None
        if not any(self._shown):
            return self._held[0] if self._held is not None else None
        return self.sync.time() if self.in_archive() else None

    def _update_shown(self) -> None:
        """Start and stop the tiles' players so that exactly the shown tiles decode."""
        join_at = self._layout_archive_time()
        was_inactive = not any(self._shown)
        for i in range(MAX_TILES):
            if not (self._active and i < self.count) and self._shown[i]:
                self._shown[i] = False
                view = self._views[i]
                self._resume[i] = suspend_view(view) if view is not None else None
        newly = []
        for i in range(MAX_TILES):
            if self._active and i < self.count and not self._shown[i]:
                self._shown[i] = True
                newly.append(i)
        held, paused = self._held if self._held is not None else (None, False)
        if was_inactive and newly and held is not None and self.sync.enabled:
            # The whole layout comes back to where it was: one synchronized seek.
            for i in newly:
                self._play_tile(i, None, resume=False)
            self.sync.seek(held)
            if paused:
                self.sync.pause()
        else:
            for i in newly:
                self._play_tile(i, join_at)
        if self._active:
            self._held = None

    def _ensure_view(self, index: int) -> CameraView:
        view = self._views[index]
        if view is None:
            backend = self._backend_factory() if self._backend_factory is not None else None
            view = CameraView(self.session, backend, self)
            view.backend.set_muted(True)  # a grid of tiles is silent
            self._views[index] = view
            self.tile_view_changed.emit(index, view)
        return view

    def _replace_view(self, index: int) -> CameraView | None:
        """A tile that is cleared: its view (and player) goes, a fresh one takes its place, so
        nothing of the old camera (its timeline, its messages) stays on the tile."""
        old = self._views[index]
        if old is not None:
            camera = old.camera
            old.close()
            old.deleteLater()
            self._views[index] = None
            if camera is not None and camera.id not in self._ids:
                self.session.messages.clear_scope(camera.id)  # what was said about it goes with it
        return self._ensure_view(index) if self._shown[index] else None

    def _play_tile(self, index: int, join_at: float | None, *, resume: bool = True) -> None:
        """Make a shown tile play its camera: a new camera live (or at `join_at`), the same one
        where it stopped (or at `join_at`)."""
        view = self._ensure_view(index)
        camera_id = self._ids[index]
        camera = self.tile_camera(index)
        if camera is None:
            if view.camera is not None:
                self._replace_view(index)  # cleared, or no longer in the list
            return
        if view.camera is None or view.camera.id != camera.id:
            view.set_camera(camera)  # opens live
            if join_at is not None and camera.has_archive_access:
                view.play_archive(join_at)
        elif resume:
            point = self._resume[index]
            resume_view(view, point, archive_time=join_at)
        self._resume[index] = None
        log.debug("tile %d plays %s", index, camera_id)

    def _set_maximized(self, index: int) -> None:
        if index != self._maximized:
            self._maximized = index
            self.maximized_changed.emit(index)

    def _on_session_cameras_loaded(self, _cameras: list) -> None:
        self._given.clear()  # the list is the truth now: a camera gone from it leaves its tile
        join_at = self._layout_archive_time()
        for i in range(MAX_TILES):
            camera_id = self._ids[i]
            if camera_id is None:
                continue
            camera = self.session.camera(camera_id)
            view = self._views[i]
            if self._shown[i]:
                if camera is not None and view is not None and view.camera is not None and view.camera.id == camera.id:
                    view.set_camera(camera)  # a fresher copy: what plays stays
                else:
                    self._play_tile(i, join_at)
            self.tile_camera_changed.emit(i, camera)
