"""The main window's layouts: the player side as a stack, kind "1" the single PlayerPanel as it
always was, the other kinds the grid page (ui/grid/grid_page.py) of a LayoutView.

ONE OF THEM DECODES: switching to the grid stops the single player's view (suspend_view) and its
camera goes to tile 0 (or that tile is selected when a tile shows it already); switching back
stops every tile, and the single player shows the selected tile's camera, at the layout's archive
time when the layout played the archive (else live). A minimized window stops the tiles too.

While the grid shows, a camera picked in the tree goes to the selected tile, a tile picked
selects its camera in the tree (without playing it anywhere else), and the window's player keys
act on the layout. The layout on screen and the named layouts are kept in QSettings
(ui/grid/layout_store.py) and restored with the window.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QStackedWidget

from faceter_viewer.core.layouts import Layout, LayoutKind, delete_named, find_named, save_named
from faceter_viewer.services.layout_view import LayoutView, ResumePoint, resume_view, suspend_view
from faceter_viewer.ui.grid.grid_page import GridPage
from faceter_viewer.ui.grid.layout_store import LayoutStore
from faceter_viewer.ui.grid.layout_toolbar import KIND_COMMANDS

if TYPE_CHECKING:
    from faceter_viewer.api.models import Camera
    from faceter_viewer.services.session import Session
    from faceter_viewer.ui.main_window import MainWindow
    from faceter_viewer.ui.player_panel import PlayerPanel

log = logging.getLogger("faceter_viewer.ui.grid.window_layouts")

GRID_ONLY_COMMANDS = ("sync_toggle",)
SINGLE_ONLY_COMMANDS = ("fullscreen", "mute")  # the grid has no fullscreen view, and its tiles are silent


class WindowLayouts(QObject):
    def __init__(
        self,
        window: MainWindow,
        session: Session,
        player_panel: PlayerPanel,
        layout_view: LayoutView | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.panel = player_panel
        if layout_view is None:
            layout_view = LayoutView(session)
        layout_view.setParent(self)  # deleted with the window, on the GUI thread
        self.layout_view = layout_view
        self.page = GridPage(self.layout_view)
        self.stack = QStackedWidget()
        self.stack.setObjectName("playerStack")
        self.stack.addWidget(player_panel)
        self.stack.addWidget(self.page)
        self.toolbar = window.layout_toolbar
        self.store = LayoutStore(window.settings)
        self.named: list[Layout] = self.store.named()
        self._panel_resume: ResumePoint | None = None
        self.toolbar.set_named([layout.name for layout in self.named], window.settings.value("layouts/currentName", "", str))

        commands = window.commands
        for kind, name in KIND_COMMANDS.items():
            commands.bind(name, lambda kind=kind: self.set_kind(kind))
        self.toolbar.named_chosen.connect(self.restore_named)
        self.toolbar.save_requested.connect(self.save_as)
        self.toolbar.delete_requested.connect(self.delete_named)
        self.page.grid.tile_selected.connect(self._on_grid_tile_selected)
        self.layout_view.kind_changed.connect(self.toolbar.set_kind)
        self._bind_single()

    # --- state -------------------------------------------------------------------------------------

    @property
    def grid_shown(self) -> bool:
        return self.stack.currentWidget() is self.page

    @property
    def kind(self) -> LayoutKind:
        return self.layout_view.kind if self.grid_shown else LayoutKind.SINGLE

    def restore(self) -> None:
        """The layout on screen when the window last closed (call once, before cameras load)."""
        layout = self.store.current()
        if layout is None:
            return
        if layout.kind is LayoutKind.SINGLE:
            self.layout_view.apply(layout)  # its tiles wait for the next switch up
            return
        self._enter_grid(layout.kind, carry_panel_camera=False)
        self.layout_view.apply(layout)

    def save(self) -> None:
        self.store.save_current(self.layout_view.layout())
        self.window.settings.setValue("layouts/currentName", self.toolbar.current_name())

    def update_active(self) -> None:
        """The tiles decode while the grid shows in a window that is not minimized."""
        window = self.window
        self.layout_view.set_active(self.grid_shown and window.isVisible() and not window.isMinimized())

    # --- switching ---------------------------------------------------------------------------------

    def set_kind(self, kind: LayoutKind | str) -> None:
        kind = LayoutKind(kind)
        if kind is LayoutKind.SINGLE:
            if self.grid_shown:
                self._leave_grid()
            self.toolbar.set_kind(kind)
            return
        self._enter_grid(kind, carry_panel_camera=True)

    def _enter_grid(self, kind: LayoutKind, *, carry_panel_camera: bool) -> None:
        layout = self.layout_view
        entering = not self.grid_shown
        archive_at = None
        focus_was_here = False
        camera = self.panel.camera if entering and carry_panel_camera else None
        if entering:
            focus_was_here = self._focus_in(self.panel)
            self._panel_resume = suspend_view(self.panel.view)
            archive_at = self._panel_resume.archive_time if self._panel_resume is not None else None
        layout.set_kind(kind)
        self.toolbar.set_kind(kind)
        if camera is not None:
            index = layout.index_of_camera(camera.id)
            if index < 0:
                index = 0
                layout.set_tile_camera(0, camera)
            layout.select(index)
        if not entering:
            return
        self.stack.setCurrentWidget(self.page)
        self._bind_grid()
        self.window.message_bar.float_over(self.page.grid, self.page.grid.header_margin())
        self.update_active()
        if archive_at is not None and camera is not None and layout.sync_enabled:
            layout.seek(archive_at)  # the archive the single player showed, now on every tile
        if focus_was_here:
            self.page.focus_grid()

    def _leave_grid(self) -> None:
        layout = self.layout_view
        focus_was_here = self._focus_in(self.page)
        archive_at = layout.current_time()
        camera = layout.tile_camera(layout.selected) or next(
            (c for c in (layout.tile_camera(i) for i in range(layout.count)) if c is not None), None
        )
        layout.set_active(False)
        layout.set_kind(LayoutKind.SINGLE)
        self.stack.setCurrentWidget(self.panel)
        self._bind_single()
        self.window.message_bar.float_over(self.panel.video)
        panel = self.panel
        if camera is not None and (panel.camera is None or panel.camera.id != camera.id):
            self.window.show_camera_quietly(camera)
            panel.show_camera(camera)  # opens live
            if archive_at is not None and camera.has_archive_access:
                panel.play_archive(archive_at)
        elif archive_at is not None and panel.camera is not None and panel.camera.has_archive_access:
            panel.play_archive(archive_at)  # the layout's time, not the one the player left
        elif camera is not None:
            panel.go_live()  # the layout was live: so is its camera here
        else:
            resume_view(panel.view, self._panel_resume)  # an empty layout: what the player showed
        self._panel_resume = None
        if focus_was_here:
            panel.video.setFocus(Qt.FocusReason.OtherFocusReason)

    def _bind_single(self) -> None:
        commands = self.window.commands
        self.panel.bind_actions(commands)
        for name in SINGLE_ONLY_COMMANDS:
            commands.set_enabled(name, True)
        for name in GRID_ONLY_COMMANDS:
            commands.set_enabled(name, False)

    def _bind_grid(self) -> None:
        commands = self.window.commands
        self.page.bind_actions(commands)
        for name in SINGLE_ONLY_COMMANDS:
            commands.set_enabled(name, False)
        for name in GRID_ONLY_COMMANDS:
            commands.set_enabled(name, True)

    @staticmethod
    def _focus_in(widget) -> bool:
        focus = QApplication.focusWidget()
        return focus is not None and (focus is widget or widget.isAncestorOf(focus))

    # --- cameras ---------------------------------------------------------------------------------

    def show_camera(self, camera: Camera) -> None:
        """A camera picked in the tree: on the selected tile while the grid shows, else in the
        single player."""
        if self.grid_shown:
            self.layout_view.set_tile_camera(self.layout_view.selected, camera)
        else:
            self.panel.show_camera(camera)

    def selected_camera(self) -> Camera | None:
        """The camera the user looks at: the selected tile's, or the single player's."""
        if self.grid_shown:
            return self.layout_view.tile_camera(self.layout_view.selected)
        return self.panel.camera

    def _on_grid_tile_selected(self, index: int) -> None:
        camera = self.layout_view.tile_camera(index)
        if camera is not None:
            self.window.show_camera_quietly(camera)

    # --- named layouts ---------------------------------------------------------------------------

    def save_as(self, name: str) -> None:
        if self.grid_shown:
            layout = self.layout_view.layout()
        else:
            camera = self.panel.camera
            layout = Layout("", LayoutKind.SINGLE, (camera.id,) if camera is not None else ())
        try:
            named = layout.named(name)
        except ValueError as exc:
            self.layout_view.session.messages.warning(f"The layout was not saved: {exc}.")
            return
        self.named = save_named(self.named, named)
        self.store.save_named(self.named)
        self.toolbar.set_named([layout.name for layout in self.named], named.name)
        self.save()
        self.layout_view.session.messages.info(f"Saved the layout “{named.name}”.")

    def restore_named(self, name: str) -> None:
        layout = find_named(self.named, name)
        if layout is None:
            return
        if layout.kind is LayoutKind.SINGLE:
            camera_id = layout.camera(0)
            camera = self.layout_view.session.camera(camera_id) if camera_id else None
            if self.grid_shown:
                self._leave_grid()
            if camera is not None:
                self.window.show_camera_quietly(camera)
                self.panel.show_camera(camera)
        else:
            self._enter_grid(layout.kind, carry_panel_camera=False)
            self.layout_view.apply(layout)
        self.toolbar.set_named([layout.name for layout in self.named], layout.name)

    def open_incident(self, plan) -> None:
        """An incident view (core/incident.py IncidentPlan): its cameras in a grid of its kind,
        every tile at the plan's start (the event minus the pre-roll), synchronized."""
        kind = LayoutKind(plan.kind)
        if kind is LayoutKind.SINGLE:
            kind = LayoutKind.GRID_2X2  # a grid still: the operator asked for the cameras around it
        self._enter_grid(kind, carry_panel_camera=False)
        self.layout_view.apply(Layout("", kind, tuple(plan.camera_ids)))
        self.layout_view.set_sync_enabled(True)
        self.layout_view.select(0)
        self.layout_view.seek(plan.start)

    def delete_named(self, name: str) -> None:
        self.named = delete_named(self.named, name)
        self.store.save_named(self.named)
        self.toolbar.set_named([layout.name for layout in self.named], "")
        self.layout_view.session.messages.info(f"Deleted the layout “{name}”.")

    def shutdown(self) -> None:
        self.page.shutdown()
        self.layout_view.close()
