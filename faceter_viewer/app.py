"""Wires the layers into the desktop app: sign-in or demo → session → main window.

    run_app(demo=False, base_url=None, incident=None) -> exit code

`incident` (`faceter-viewer --incident "Entrance@2026-12-03 03:12"`, parsed by cli/main.py into
a core/incident.IncidentRequest) is handed to the main window once its session is attached:
`window.open_incident(request)`; the window opens the grid once it knows the cameras.

Nothing here waits on the network or the disk on the GUI thread: the demo service starts, warms
its media cache and validates keys on the TaskRunner.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtWidgets import QApplication, QDialog, QProgressDialog

from faceter_viewer.api import errors, rules
from faceter_viewer.api.credentials import KeyStore, resolve_base_url, resolve_key
from faceter_viewer.services.messages import MessageHub
from faceter_viewer.services.tasks import TaskRunner

if TYPE_CHECKING:
    from faceter_viewer.core.incident import IncidentRequest
    from faceter_viewer.services.session import Session

log = logging.getLogger("faceter_viewer.app")

ORGANIZATION = "Faceter"
APPLICATION = "Faceter Viewer"


class _Progress(QObject):
    """Carries a worker's progress callback to the GUI thread (queued signal)."""

    changed = Signal(float)


# The shared pool of every service and view-model: the camera list, each view's playlist and
# timeline loads (two at a time), previews (two at a time), snapshots, the demo's start. Sized
# for a few cameras on screen; more views queue their work instead of adding threads.
WORKERS = 8


class AppController(QObject):
    """Owns the runner, the message hub, the session and the main window across sign-in,
    sign-out and demo."""

    def __init__(
        self,
        *,
        demo: bool = False,
        base_url: str | None = None,
        log_folder: str | None = None,
        incident: IncidentRequest | None = None,
    ) -> None:
        super().__init__()
        self.demo = demo
        self.base_url = base_url
        self.log_folder = log_folder
        self.incident = incident  # --incident: for the first window that has a session
        self.runner = TaskRunner(max_workers=WORKERS, name="faceter-worker")
        self.messages = MessageHub(self)
        self.settings = QSettings()
        # The key file is used only when the user opts in, on a system without a keyring (§21).
        self.key_store = KeyStore(fallback_file=Path(platformdirs.user_config_dir("faceter-viewer")) / "integration-key")
        self.demo_service = None
        self.session: Session | None = None
        self.review_state = None  # services/review_store.py ReviewState, with the session
        self.window = None
        self.sign_in = None
        self._progress_dialog: QProgressDialog | None = None
        self._cancel_warm_up = False

    # --- start ------------------------------------------------------------------------------

    def start(self) -> None:
        if self.demo:
            self.start_demo()
            return
        url = resolve_base_url(self.base_url, saved=self.settings.value("service/baseUrl", "", str))
        # The keyring may be slow (D-Bus); ask it on a worker.
        self.runner.submit(lambda: resolve_key(url, store=self.key_store),
                           on_done=lambda stored: self._on_stored_key(url, stored),
                           on_error=lambda _exc: self.show_sign_in(url))

    def _on_stored_key(self, url: str, key: str | None) -> None:
        if key:
            self.open_session(url, key)
        else:
            self.show_sign_in(url)

    # --- sign-in ----------------------------------------------------------------------------

    def show_sign_in(self, url: str | None = None, message: str | None = None) -> None:
        from faceter_viewer.ui.sign_in_dialog import SignInDialog

        dialog = SignInDialog(self.runner, self.key_store, url or rules.PRODUCTION_BASE_URL)
        if message:
            dialog.show_problem(message)
        dialog.demo_requested.connect(self._on_sign_in_demo_requested)
        dialog.finished.connect(lambda result: self._on_sign_in_finished(dialog, result))
        self.sign_in = dialog
        dialog.open()

    def _on_sign_in_demo_requested(self) -> None:
        self.demo = True
        self.start_demo()

    def _on_sign_in_finished(self, dialog, result: int) -> None:
        self.sign_in = None
        if result == QDialog.DialogCode.Accepted and dialog.key:
            self.settings.setValue("service/baseUrl", dialog.base_url)
            self.open_session(dialog.base_url, dialog.key)
        elif self.session is None and not self.demo:
            QApplication.quit()

    # --- demo -------------------------------------------------------------------------------

    def start_demo(self) -> None:
        """Start the embedded demo service on a worker; warm its media with a progress dialog the
        first time; then open a session on it."""

        def start_service():
            from faceter_viewer.demo import DemoService

            service = DemoService()
            service.start()
            return service

        self.runner.submit(start_service, on_done=self._on_demo_started, on_error=self._on_demo_failed)

    def _on_demo_started(self, service) -> None:
        self.demo_service = service
        if not service.needs_warm_up():
            self.open_session(service.base_url, service.integration_key)
            return
        dialog = QProgressDialog("Preparing the demo video (first run only)…", "Skip", 0, 100)
        dialog.setWindowTitle(APPLICATION)
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.setMinimumDuration(0)
        dialog.canceled.connect(self._on_warm_up_canceled)
        progress = _Progress(dialog)
        progress.changed.connect(lambda value: dialog.setValue(int(value * 100)))
        self._progress_dialog = dialog
        self._cancel_warm_up = False

        def report(fraction: float) -> None:
            if self._cancel_warm_up:
                raise InterruptedError("skipped")
            progress.changed.emit(fraction)

        def finished(_result=None) -> None:
            dialog.close()
            self._progress_dialog = None
            self.open_session(service.base_url, service.integration_key)

        self.runner.submit(service.warm_up, report, on_done=finished, on_error=finished)
        dialog.show()

    def _on_warm_up_canceled(self) -> None:
        self._cancel_warm_up = True

    def _on_demo_failed(self, exc: BaseException) -> None:
        from PySide6.QtWidgets import QMessageBox

        log.error("demo service failed to start: %s", exc)
        QMessageBox.critical(None, APPLICATION, f"The demo service could not start:\n{exc}")
        QApplication.quit()

    # --- session ----------------------------------------------------------------------------

    def open_session(self, url: str, key: str) -> None:
        """Show the main window at once, then bring in the client, the session and the player
        (their imports are the larger part of start-up)."""
        from faceter_viewer.ui.main_window import MainWindow

        log_url = QUrl.fromLocalFile(self.log_folder) if self.log_folder else None
        self.window = MainWindow(self.settings, base_url=url, log_folder_url=log_url, demo=self.demo_service is not None)
        self.window.sign_out_requested.connect(self._on_window_sign_out_requested)
        self.window.show()
        QApplication.processEvents()  # the first paint reaches the screen before the slow part
        log.info("main window shown")  # benchmarks/bench_cold_start.py waits for this line
        window = self.window
        QTimer.singleShot(0, lambda: self._attach_session(window, url, key))

    def _attach_session(self, window, url: str, key: str) -> None:
        from faceter_viewer.api.integration import IntegrationClient
        from faceter_viewer.services.camera_view import CameraView
        from faceter_viewer.services.session import Session
        from faceter_viewer.ui.player_panel import PlayerPanel

        if window is not self.window:
            return  # signed out meanwhile
        from faceter_viewer.services.review_store import ReviewState

        self.session = Session(IntegrationClient(key, url), self.runner, self, messages=self.messages)
        self.session.key_rejected.connect(self._on_session_key_rejected)
        self.review_state = ReviewState(parent=self, messages=self.messages)  # on disk, its own writer thread
        window.attach_session(self.session, PlayerPanel(CameraView(self.session)), self.review_state)
        self._hand_over_incident(window)

    def _hand_over_incident(self, window) -> None:
        """--incident: once, to the first window with a session (a later sign-in opens none)."""
        request, self.incident = self.incident, None
        if request is None:
            return
        open_incident = getattr(window, "open_incident", None)
        if open_incident is None:  # a window without the grid page
            log.warning("--incident given, but this window has no incident view")
            self.messages.warning("This version cannot open an incident view yet: showing the cameras instead.")
            return
        open_incident(request)

    def close_session(self) -> None:
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.window = None
        if self.session is not None:
            self.session.close()
            self.session = None
        if self.review_state is not None:
            self.review_state.close()  # pending marks are written first
            self.review_state = None

    def _on_window_sign_out_requested(self) -> None:
        url = self.session.base_url if self.session else None
        if url and self.demo_service is None:
            self.runner.submit(self.key_store.forget, url)
        QApplication.instance().setQuitOnLastWindowClosed(False)
        self.close_session()
        self.show_sign_in(url)
        QApplication.instance().setQuitOnLastWindowClosed(True)

    def _on_session_key_rejected(self, exc: errors.AuthenticationError) -> None:
        url = self.session.base_url if self.session else None
        QApplication.instance().setQuitOnLastWindowClosed(False)
        self.close_session()
        self.show_sign_in(url, f"The service no longer accepts this key: {exc.message}. Please sign in again.")
        QApplication.instance().setQuitOnLastWindowClosed(True)

    def shutdown(self) -> None:
        self.close_session()
        self.runner.shutdown(wait=False)
        if self.demo_service is not None:
            self.demo_service.stop()
            self.demo_service = None


def run_app(demo: bool = False, base_url: str | None = None, incident: IncidentRequest | None = None) -> int:
    from faceter_viewer.app_logging import setup_logging
    from faceter_viewer.ui.crash_dialog import install_crash_handler

    QApplication.setOrganizationName(ORGANIZATION)
    QApplication.setApplicationName(APPLICATION)
    app = QApplication.instance() or QApplication(sys.argv)
    log_file = setup_logging()
    install_crash_handler()
    controller = AppController(demo=demo, base_url=base_url, log_folder=str(log_file.parent), incident=incident)
    controller.start()
    try:
        return app.exec()
    finally:
        controller.shutdown()
