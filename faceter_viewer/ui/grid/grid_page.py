"""The player side while a layout shows: the grid of tiles, the layout's timeline and its
transport (play/pause, step, speed, live, Sync), a view of one LayoutView.

THE TIMELINE SLOT: `timeline_slot` holds the layout's timeline. Until the layout timeline
(services/layout_timeline.py, a TimelineWidget that follows a source other than one CameraView)
is merged, it holds a plain `TimelineWidget(None)`: no archive shown, but a click, a scrub or
Ctrl+G there seeks every tile (Sync on) or the selected one (Sync off), and its cursor follows
the layout's time. `set_timeline(widget)` puts another TimelineWidget there with the same
wiring.

The window's player keys (Space, ".", L, Ctrl+S, Ctrl+G, B, S) act on the layout while the page
shows: `bind_actions(commands)`; the single player's panel takes them back when it shows again.
"""

from __future__ import annotations

import time
from datetime import datetime

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from faceter_viewer.player.backend import PlayerState
from faceter_viewer.services.layout_view import LayoutView
from faceter_viewer.ui.actions import ActionSet
from faceter_viewer.ui.grid.grid_transport import GridTransport
from faceter_viewer.ui.grid.layout_grid import LayoutGrid
from faceter_viewer.services.layout_timeline import LayoutTimelineSource
from faceter_viewer.ui.timeline_widget import TimelineWidget

TICK_MS = 40  # the timeline cursor and the transport's time follow playback at 25 Hz
HEADER_EVERY = 5  # ticks: the tiles' headers are brought up to date 5 times a second
_RUNNING = (PlayerState.PLAYING, PlayerState.BUFFERING, PlayerState.OPENING)


class GridPage(QWidget):
    def __init__(self, layout_view: LayoutView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gridPage")
        self.layout_view = layout_view
        self.grid = LayoutGrid(layout_view, self)
        self.transport = GridTransport(self)
        self.timeline_slot = QVBoxLayout()
        self.timeline_slot.setContentsMargins(0, 0, 0, 0)
        self.timeline: TimelineWidget = TimelineWidget(None, self)
        self.timeline.setObjectName("layoutTimeline")
        self.timeline.setMinimumHeight(96)
        self.timeline_slot.addWidget(self.timeline)
        # The union of the shown tiles' archive, their events and a track per camera.
        self.timeline_source = LayoutTimelineSource(self)
        self._connect_timeline(self.timeline)
        for signal in (layout_view.kind_changed, layout_view.tile_view_changed, layout_view.tile_camera_changed):
            signal.connect(self._update_timeline_source)
        layout_view.active_changed.connect(self._update_timeline_source)
        self._update_timeline_source()
        self.bookmark_dialog = None

        page = QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        page.addWidget(self.grid, 1)
        page.addLayout(self.timeline_slot)
        page.addWidget(self.transport)

        transport = self.transport
        transport.play_pause_clicked.connect(layout_view.play_pause)
        transport.step_clicked.connect(layout_view.frame_step)
        transport.live_clicked.connect(self.go_live)
        transport.rate_chosen.connect(layout_view.set_rate)
        transport.sync_toggled.connect(layout_view.set_sync_enabled)
        layout_view.sync.enabled_changed.connect(self._on_sync_enabled_changed)

        self._ticks = 0
        self._timer = QTimer(self)
        self._timer.setObjectName("gridPageTick")
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.refresh()

    # --- the timeline slot ------------------------------------------------------------------------

    def set_timeline(self, widget: TimelineWidget) -> None:
        """Put the layout's timeline in the slot (the placeholder goes)."""
        old = self.timeline
        self.timeline_slot.replaceWidget(old, widget)
        old.hide()
        old.deleteLater()
        self.timeline = widget
        self._connect_timeline(widget)

    def _update_timeline_source(self, *_args) -> None:
        layout = self.layout_view
        self.timeline_source.set_views([layout.view(i) if layout.is_shown(i) else None for i in range(layout.count)])
        self.timeline_source.set_active(layout.active)

    def _connect_timeline(self, timeline: TimelineWidget) -> None:
        timeline.follow_source(self.timeline_source)
        timeline.set_show_tracks(True)
        timeline.position_clicked.connect(self.layout_view.seek)
        timeline.jump_requested.connect(self.layout_view.seek)
        timeline.scrub_released.connect(self.layout_view.seek)

    # --- commands -----------------------------------------------------------------------------------

    def bind_actions(self, commands: ActionSet) -> None:
        """The window's player keys act on the layout (ui/actions.py)."""
        layout = self.layout_view
        transport = self.transport
        commands.bind("play_pause", layout.play_pause)
        commands.bind("frame_step", layout.frame_step, follow=transport.step_button)
        commands.bind("live", self.go_live, follow=transport.live_button)
        commands.bind("snapshot", self.save_snapshot)
        commands.bind("jump_to_time", lambda: self.timeline.open_jump_dialog())
        commands.bind("bookmark", self.open_bookmark_dialog)
        commands.bind("sync_toggle", layout.toggle_sync)

    def go_live(self) -> None:
        self.layout_view.go_live()
        self.timeline.set_cursor(None)

    def save_snapshot(self) -> None:
        """Ctrl+S: the selected tile's picture."""
        view = self.layout_view.selected_view()
        tile = self.grid.tile(self.layout_view.selected)
        if view is None or tile is None:
            self.layout_view.session.messages.info("Select a tile with a camera to save its picture.")
            return
        view.save_snapshot(fallback=tile.video.current_image())

    def open_bookmark_dialog(self) -> None:
        """B: an event on the selected tile's camera at its playhead (ui/bookmark_dialog.py)."""
        from faceter_viewer.ui.bookmark_dialog import open_bookmark_dialog

        view = self.layout_view.selected_view() or self.layout_view.view(self.layout_view.selected)
        tile = self.grid.tile(self.layout_view.selected)
        if view is None:
            return
        frame = tile.video.current_image() if tile is not None else None
        self.bookmark_dialog = open_bookmark_dialog(view, fallback_frame=frame, parent=self.window())

    # --- what shows -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """The layout's time on the timeline and in the transport, the buttons' states, the
        tiles' headers."""
        layout = self.layout_view
        now = time.time()
        at = layout.current_time()
        self.timeline.set_now(now)
        self.timeline.set_cursor(at)
        self.timeline.set_live(at is None)
        self.transport.show_state(
            archive=at is not None or layout.in_archive(),
            playing=self._playing(),
            at=at,
            rate=layout.rate(),
            sync=layout.sync_enabled,
            scope=self._scope_text(),
        )
        self.grid.refresh_headers(now)

    def _playing(self) -> bool:
        layout = self.layout_view
        views = layout.shown_views() if layout.sync_enabled else [v for v in [layout.selected_view()] if v is not None]
        views = [view for view in views if view.camera is not None]
        return not views or any(view.backend.state() in _RUNNING for view in views)

    def _scope_text(self) -> str:
        layout = self.layout_view
        if layout.sync_enabled:
            return "all tiles in step"
        view = layout.selected_view()
        title = view.camera.title if view is not None and view.camera is not None else "the selected tile"
        return f"{title} on its own"

    def _on_timer_timeout(self) -> None:
        self._ticks += 1
        layout = self.layout_view
        at = layout.current_time()
        self.timeline.set_now(time.time())
        self.timeline.set_cursor(at)
        if at is not None:
            self.transport.time_label.setText(f"{datetime.fromtimestamp(at):%Y-%m-%d %H:%M:%S}")
        if self._ticks % HEADER_EVERY == 0:
            self.refresh()

    def _on_sync_enabled_changed(self, _enabled: bool) -> None:
        self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._timer.start()
        self.refresh()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._timer.stop()

    def shutdown(self) -> None:
        """Stop the page's timer and the timeline source (the LayoutView is its owner's to close)."""
        self._timer.stop()
        self.timeline.follow_source(None)
        self.timeline_source.close()

    def focus_grid(self) -> None:
        self.grid.focus_selected()
