"""The main window: camera browser and details on the left, the player on the right, and the
message bar floating over the top of the player's side. It takes no room, so a banner never moves
the camera list under the mouse; and it covers neither the camera filter nor the list.

It owns no I/O: the Session loads cameras on its worker threads, the player backend plays.
Window geometry, splitters and the last camera are restored from QSettings. Its keyboard
commands are `commands` (ui/actions.py): window-wide keys, bound here and by the player panel.

Start-up is progressive: the window is shown first, with an empty browser and a placeholder for
the player; `attach_session` then brings the session and the player panel (httpx, pydantic,
numpy and the timeline load after the window is on screen, not before).

With the session come its docks: the events panel (Ctrl+E) and the export jobs (Ctrl+J, the
session's ExportQueue); E opens the export dialog (ui/export_dialog.py) and an export submitted
there shows the jobs dock.

The player side is a stack (ui/grid/window_layouts.py): the single player for the layout kind
"1", the grid page of a LayoutView for 2×2, 3×3, 4×4 and 1+5, switched from the layout toolbar
(Alt+1..Alt+5). Only the one on screen decodes; the layout is restored with the window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMenu, QMessageBox, QSplitter, QVBoxLayout, QWidget

from faceter_viewer import __version__
from faceter_viewer.api import errors
from faceter_viewer.services.explain import explain
from faceter_viewer.ui.actions import ActionSet, Scope
from faceter_viewer.ui.camera_browser import CameraBrowser
from faceter_viewer.ui.camera_details import CameraDetails
from faceter_viewer.ui.grid.layout_toolbar import LayoutToolbar
from faceter_viewer.ui.message_bar import MessageBar
from faceter_viewer.ui.shortcuts_sheet import show_shortcuts_sheet

if TYPE_CHECKING:
    from faceter_viewer.api.models import Camera
    from faceter_viewer.services.layout_view import LayoutView
    from faceter_viewer.services.session import Session
    from faceter_viewer.ui.grid.window_layouts import WindowLayouts
    from faceter_viewer.ui.player_panel import PlayerPanel


class MainWindow(QMainWindow):
    sign_out_requested = Signal()

    def __init__(
        self,
        settings: QSettings,
        *,
        base_url: str,
        log_folder_url=None,
        demo: bool = False,
    ) -> None:
        super().__init__()
        self.session: Session | None = None
        self.settings = settings
        self._log_folder_url = log_folder_url
        self.setWindowTitle("Faceter Viewer" + (" — demo" if demo else ""))

        self.message_bar = MessageBar(self)
        self.browser = CameraBrowser(self)
        self.details = CameraDetails(self)
        self.player_panel: PlayerPanel | None = None
        self.events_panel = None  # ui/events_panel.py, with the session
        self.unreviewed_counts = None
        self.events_dock: QDockWidget | None = None
        self.exports = None  # the session's ExportQueue (services/exports/queue.py)
        self.jobs_panel = None  # ui/jobs_panel.py, with the session's ExportQueue
        self.jobs_dock: QDockWidget | None = None
        self.export_dialog = None  # the E dialog last opened (it deletes itself when closed)
        self.layouts: WindowLayouts | None = None  # the player side's stack, with the session
        self._pending_incident = None  # --incident, until the camera list is in
        self._refreshing_cameras = False
        self._player_placeholder = QLabel("Loading the player…", self)
        self._player_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._player_placeholder.setStyleSheet("background: black; color: #bbb;")

        self.left_splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.left_splitter.setObjectName("leftSplitter")
        self.left_splitter.addWidget(self.browser)
        self.left_splitter.addWidget(self.details)
        self.left_splitter.setStretchFactor(0, 3)
        self.left_splitter.setStretchFactor(1, 1)

        self.main_splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(self.left_splitter)
        # The player's side: the placeholder, then the player panel. The message bar floats over
        # its top (then over the picture), in no layout (ui/message_bar.py float_over).
        self.player_side = QWidget(self)
        side_layout = QVBoxLayout(self.player_side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self._player_placeholder)
        self.main_splitter.addWidget(self.player_side)
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([340, 900])

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.main_splitter, 1)
        self.setCentralWidget(central)
        self.message_bar.float_over(self.player_side)

        self.service_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.service_label)
        self.service_label.setText(("Demo service · " if demo else "") + base_url)

        self.commands = ActionSet(self, (Scope.WINDOW, Scope.PLAYER, Scope.FULLSCREEN))
        self.commands.bind("find_camera", self.browser.focus_filter)
        self.commands.bind("refresh", self.refresh)
        self.commands.bind("quit", self.close)
        self.commands.bind("shortcuts", lambda: show_shortcuts_sheet(self))
        # Made with the window (its commands are disabled until the session comes), so that the
        # central area does not move down when the player arrives.
        self.layout_toolbar = LayoutToolbar(self.commands, self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.layout_toolbar)
        self._build_menus()
        self.browser.camera_selected.connect(self._on_browser_camera_selected)
        self._restore_state()

    def attach_session(
        self, session: Session, player_panel: PlayerPanel, review_state=None, layout_view: LayoutView | None = None
    ) -> None:
        """Bring in the session and the player (after the window is shown) and load cameras.
        With a `review_state` (services/review_store.py) the events panel comes too; without a
        `layout_view` the layouts make their own (tests pass one with scripted players)."""
        from faceter_viewer.ui.grid.window_layouts import WindowLayouts

        self.session = session
        self.player_panel = player_panel
        self.layouts = WindowLayouts(self, session, player_panel, layout_view)  # binds the player keys
        self.player_side.layout().replaceWidget(self._player_placeholder, self.layouts.stack)
        self._player_placeholder.deleteLater()
        # Over the picture, under the player's header: the header's "reconnecting…" / "stalled
        # since …" must stay readable while a message is up.
        self.message_bar.float_over(player_panel.video)
        self.message_bar.listen(session.messages)  # every service's messages, one path
        # Escape in the camera filter hands the keys to the player (the triage keys act there).
        self.browser.focus_released.connect(self._focus_player)
        if self.browser.tree.hasFocus():
            player_panel.video.setFocus()
        if review_state is not None:
            self._add_events_panel(player_panel, review_state)
        self._add_jobs_panel(session.exports)  # below the events; the queue resumes unfinished jobs
        if self.jobs_dock is not None or self.events_dock is not None:
            self._restore_docks()
        session.cameras_loaded.connect(self._on_session_cameras_loaded)
        session.cameras_failed.connect(self._on_session_cameras_failed)
        self.layouts.restore()  # before the cameras: a restored grid plays them as they load
        self.refresh()

    def _focus_player(self) -> None:
        if self.layouts is not None and self.layouts.grid_shown:
            self.layouts.page.focus_grid()
        elif self.player_panel is not None:
            self.player_panel.video.setFocus()

    def _add_events_panel(self, player_panel: PlayerPanel, review_state) -> None:
        from faceter_viewer.services.unreviewed_counts import UnreviewedCounts
        from faceter_viewer.ui.events_panel import EventsPanel

        # Each camera row counts its unreviewed events of the last 24 h, within a request budget.
        self.unreviewed_counts = UnreviewedCounts(player_panel.view.session, review_state, self)
        self.browser.attach_unreviewed_counts(self.unreviewed_counts)

        panel = EventsPanel(player_panel.view, review_state, self.settings, self)
        panel.attach_timeline(player_panel.timeline)
        player_panel.event_created.connect(panel.on_event_created)
        self.events_panel = panel
        dock = QDockWidget("Events", self)
        dock.setObjectName("eventsDock")
        dock.setWidget(panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable | QDockWidget.DockWidgetFeature.DockWidgetMovable)
        visible = self.settings.value("window/eventsVisible", True, bool)
        dock.setVisible(visible)  # before it is added: a dock shown and hidden again widens the window
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.events_dock = dock
        dock.visibilityChanged.connect(self._on_events_dock_visibility_changed)
        commands = self.commands
        commands.bind("events_panel", self.toggle_events_panel)
        commands.bind("next_event", panel.next_event)
        commands.bind("previous_event", panel.previous_event)
        commands.bind("mark_reviewed", panel.mark_reviewed)
        commands.bind("unmark_reviewed", panel.unmark_reviewed)
        commands.bind("select_all_events", panel.select_all)
        commands.bind("unreviewed_only", panel.toggle_unreviewed_only)
        menu = QMenu("&Events", self)
        for name in ("events_panel", "next_event", "previous_event", "mark_reviewed", "unmark_reviewed",
                     "select_all_events", "unreviewed_only"):  # fmt: skip
            menu.addAction(commands[name])
        self.menuBar().insertMenu(self._help_menu.menuAction(), menu)
        panel.export_requested.connect(self.open_export_dialog)

    def _add_jobs_panel(self, exports) -> None:
        from faceter_viewer.ui.jobs_panel import JobsPanel

        self.exports = exports
        panel = JobsPanel(exports, self.settings, self)
        self.jobs_panel = panel
        dock = QDockWidget("Export jobs", self)
        dock.setObjectName("jobsDock")
        dock.setWidget(panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable | QDockWidget.DockWidgetFeature.DockWidgetMovable)
        dock.setVisible(self.settings.value("window/jobsVisible", False, bool))  # before it is added (see the events dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.jobs_dock = dock
        dock.visibilityChanged.connect(self._on_jobs_dock_visibility_changed)
        self.commands.bind("export", self.open_export_dialog)
        self.commands.bind("jobs_panel", self.toggle_jobs_panel)

    def _restore_docks(self) -> None:
        state = self.settings.value("window/dockState")
        if state is not None:
            self.restoreState(state)  # the docks' sides and widths as the user left them
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)  # adding a dock may have widened the window

    def toggle_events_panel(self) -> None:
        dock = self.events_dock
        if dock is None:
            return
        dock.setVisible(not dock.isVisible())
        if dock.isVisible():
            self.events_panel.list.setFocus()  # the keys act on the list now

    def _on_events_dock_visibility_changed(self, visible: bool) -> None:
        if not self.isMinimized():
            self.settings.setValue("window/eventsVisible", visible)

    # --- exports ------------------------------------------------------------------------------

    def open_export_dialog(self, event=None) -> None:
        """E (or File → Export…, or an event's "Export…"): the export dialog on the camera on
        screen, for the given event, else the timeline's selection, else the event selected in a
        focused events list, else the minute at the playhead."""
        from faceter_viewer.ui.export_dialog import open_export_dialog

        panel = self.player_panel
        if panel is None or self.exports is None:
            return
        selection = None if event is not None else panel.selection()
        events = self.events_panel
        if event is None and selection is None and events is not None and events.list.hasFocus():
            chosen = events.selected_events()
            event = chosen[0] if len(chosen) == 1 else None
        dialog = open_export_dialog(
            panel.view,
            self.exports,
            self.settings,
            selection=selection,
            event=event,
            pre_roll=events.pre_roll if events is not None else 5.0,
            speed=self.jobs_panel.expected_speed() if self.jobs_panel is not None else None,
            parent=self,
        )
        self.export_dialog = dialog
        if dialog is not None:
            dialog.submitted.connect(self._on_export_dialog_submitted)

    def _on_export_dialog_submitted(self, _job_ids: list) -> None:
        self.show_jobs_panel()

    def show_jobs_panel(self) -> None:
        """Show the jobs dock; beside the events dock (one column, by default) it gets a third
        of the height, which holds about three jobs."""
        dock = self.jobs_dock
        if dock is None or dock.isVisible():
            return
        dock.show()
        dock.raise_()
        events = self.events_dock
        same_column = events is not None and events.isVisible() and not events.isFloating() and not dock.isFloating()
        if same_column and self.dockWidgetArea(events) == self.dockWidgetArea(dock):
            height = events.height() + dock.height()
            self.resizeDocks([events, dock], [height * 2 // 3, height // 3], Qt.Orientation.Vertical)

    def toggle_jobs_panel(self) -> None:
        dock = self.jobs_dock
        if dock is not None and dock.isVisible():
            dock.hide()
        else:
            self.show_jobs_panel()

    def _on_jobs_dock_visibility_changed(self, visible: bool) -> None:
        if not self.isMinimized():
            self.settings.setValue("window/jobsVisible", visible)

    # --- menus ------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        # The menus list the commands with their keys, so a new user can find them.
        commands = self.commands
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(commands["refresh"])
        file_menu.addSeparator()
        file_menu.addAction(commands["export"])
        file_menu.addAction(commands["jobs_panel"])
        file_menu.addSeparator()
        self.sign_out_action = QAction("Sign &out", self)
        self.sign_out_action.triggered.connect(self.sign_out_requested)
        file_menu.addAction(self.sign_out_action)
        file_menu.addSeparator()
        file_menu.addAction(commands["quit"])

        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(commands["find_camera"])
        view_menu.addAction(commands["fullscreen"])
        layout_menu = view_menu.addMenu("&Layout")
        for name in ("layout_1", "layout_2x2", "layout_3x3", "layout_4x4", "layout_1_5"):
            layout_menu.addAction(commands[name])
        layout_menu.addSeparator()
        layout_menu.addAction(commands["sync_toggle"])

        playback_menu = self.menuBar().addMenu("&Playback")
        for name in ("play_pause", "frame_step", "live", "mute", "snapshot"):
            playback_menu.addAction(commands[name])
        playback_menu.addSeparator()
        playback_menu.addAction(commands["jump_to_time"])

        help_menu = self.menuBar().addMenu("&Help")
        self._help_menu = help_menu
        if self._log_folder_url is not None:
            logs = QAction("Open &log folder", self)
            logs.triggered.connect(lambda: QDesktopServices.openUrl(self._log_folder_url))
            help_menu.addAction(logs)
        about = QAction("&About Faceter Viewer", self)
        about.triggered.connect(
            lambda: QMessageBox.about(self, "Faceter Viewer", f"Faceter Viewer {__version__}\nCameras, archive and events.")
        )
        help_menu.addAction(commands["shortcuts"])
        help_menu.addAction(about)

    # --- session ----------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.session is None:
            return
        self.statusBar().showMessage("Loading cameras…")
        self.session.refresh_cameras()

    def open_incident(self, request) -> None:
        """--incident CAMERA@TIME (core/incident.py IncidentRequest): the camera's room (else its
        location) in a synchronized grid at the time minus the pre-roll; it waits for the camera
        list when that is not in yet."""
        self._pending_incident = request
        if self.browser.model.cameras():
            self._open_pending_incident()

    def _open_pending_incident(self) -> None:
        from faceter_viewer.core.incident import IncidentError

        request, self._pending_incident = self._pending_incident, None
        if request is None or self.layouts is None or self.session is None:
            return
        pre_roll = self.events_panel.pre_roll if self.events_panel is not None else 5.0
        try:
            plan = request.plan(self.browser.model.cameras(), pre_roll=pre_roll)
        except IncidentError as exc:
            self.session.messages.warning(str(exc))
            return
        self.layouts.open_incident(plan)
        if plan.without_archive:
            names = ", ".join(f"“{c.title}”" for c in plan.without_archive)
            self.session.messages.info(f"Left out of the incident view (no archive access): {names}.")

    def _on_session_cameras_loaded(self, cameras: list[Camera]) -> None:
        self.statusBar().showMessage(f"{len(cameras)} cameras", 3000)
        first_load = not self.browser.model.cameras()
        self._refreshing_cameras = True  # the browser says the selected camera again: no new pick
        try:
            self.browser.set_cameras(cameras)
        finally:
            self._refreshing_cameras = False
        if self._pending_incident is not None:
            self._open_pending_incident()  # --incident: the grid it asks for, not the last camera
            return
        if first_load and self.layouts is not None and self.layouts.grid_shown:
            shown = self.layouts.selected_camera()  # the restored grid plays its own cameras
            if shown is not None:
                self.show_camera_quietly(shown)
            return
        if first_load:
            last = self.settings.value("lastCamera", "", str)
            if last and self.browser.select_camera(last):
                return
            if last:
                self.session.messages.info("The camera you watched last is no longer available.")
            # Start on something to watch rather than a black player.
            first = next((c for c in cameras if c.is_online and c.live_hls_url), None)
            if first is not None:
                self.browser.select_camera(first.id)

    def _on_session_cameras_failed(self, exc: BaseException) -> None:
        self.statusBar().clearMessage()
        if isinstance(exc, errors.AuthenticationError):
            return  # the app asks for the key again
        if isinstance(exc, errors.NetworkError):
            return  # the connectivity message says it; the list loads when the service is back
        explanation = explain(exc, "load the cameras")
        self.session.messages.error(
            explanation.text, action_text="Retry", on_action=self.refresh, details=explanation.details
        )

    def _on_browser_camera_selected(self, camera: Camera) -> None:
        self.details.show_camera(camera)
        self.settings.setValue("lastCamera", camera.id)
        if self._refreshing_cameras and self.layouts is not None and self.layouts.grid_shown:
            return  # a refresh, not the user: the selected tile keeps its camera
        if self.layouts is not None:
            self.layouts.show_camera(camera)  # the single player, or the grid's selected tile
        elif self.player_panel is not None:
            self.player_panel.show_camera(camera)

    def show_camera_quietly(self, camera: Camera) -> None:
        """Select the camera in the tree and show its details without playing it (the grid
        plays it already, or the caller is about to)."""
        self.browser.select_camera(camera.id, emit=False)
        self.details.show_camera(camera)
        self.settings.setValue("lastCamera", camera.id)

    # --- state ------------------------------------------------------------------------------

    def _restore_state(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        for splitter in (self.main_splitter, self.left_splitter):
            state = self.settings.value(f"window/{splitter.objectName()}")
            if state is not None:
                splitter.restoreState(state)

    def save_state(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        for splitter in (self.main_splitter, self.left_splitter):
            self.settings.setValue(f"window/{splitter.objectName()}", splitter.saveState())
        if self.events_dock is not None or self.jobs_dock is not None:
            self.settings.setValue("window/dockState", self.saveState())
        if self.layouts is not None:
            self.layouts.save()
        self.settings.sync()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.WindowStateChange and self.layouts is not None:
            self.layouts.update_active()  # a minimized window's tiles stop decoding

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        if self.unreviewed_counts is not None:
            self.unreviewed_counts.close()
        if self.events_panel is not None:
            self.events_panel.close_panel()
        if self.jobs_panel is not None:
            self.jobs_panel.close_panel()
        if self.layouts is not None:
            self.layouts.shutdown()
        if self.player_panel is not None:
            self.player_panel.shutdown()
        super().closeEvent(event)
