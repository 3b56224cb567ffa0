"""An uncaught exception shows a crash dialog with a copyable, redacted report, instead of the app
dying silently or printing to a terminal nobody sees.

`install_crash_handler()` sets `sys.excepthook` (the GUI thread; PySide6 also routes exceptions
raised in slots and overridden virtuals there) and `threading.excepthook` (worker threads). The
hook logs the exception on its own thread, builds the report there, and hands it to the GUI thread
through a queued signal. A burst of errors shows one dialog: later reports are appended to the
one that is open.
"""

from __future__ import annotations

import logging
import platform
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal, Slot, qVersion
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from faceter_viewer import __version__
from faceter_viewer.api.redaction import redact
from faceter_viewer.app_logging import current_log_path, recent_log_lines

log = logging.getLogger("faceter_viewer.crash")

REPORT_LOG_LINES = 50
MAX_REPORTS_PER_DIALOG = 10  # a storm of errors must not grow the dialog without bound

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def build_report(exc_info: ExcInfo, thread_name: str | None = None) -> str:
    """The crash report as plain text, redacted: versions, the traceback, the last log lines."""
    import PySide6

    exc_type, exc, tb = exc_info
    lines = [
        f"Faceter Viewer {__version__} crash report ({datetime.now().astimezone().isoformat(timespec='seconds')})",
        f"Python {platform.python_version()} ({platform.python_implementation()})",
        f"Qt {qVersion()}, PySide6 {PySide6.__version__}",
        f"OS {platform.platform()}",
        f"Thread {thread_name or threading.current_thread().name}",
        "",
        "Traceback:",
        "".join(traceback.format_exception(exc_type, exc, tb)).rstrip(),
        "",
        f"Last {REPORT_LOG_LINES} log lines:",
    ]
    log_lines = recent_log_lines(REPORT_LOG_LINES)
    lines.extend(log_lines or ["(no log lines)"])
    return redact("\n".join(lines))


class CrashDialog(QDialog):
    """Shows one or more reports; "Copy report" puts all of them on the clipboard."""

    def __init__(self, report: str, parent: QWidget | None = None, *, on_quit: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Faceter Viewer — unexpected error")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self._reports: list[str] = []
        self._dropped = 0
        self._on_quit = on_quit

        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.report_view = QPlainTextEdit(self)
        self.report_view.setReadOnly(True)
        self.report_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.report_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.report_view.setMinimumSize(640, 320)

        buttons = QDialogButtonBox(self)
        self.copy_button = QPushButton("Copy report", self)
        self.copy_button.setToolTip("Copy the report (secrets removed) to paste it into a bug report")
        self.close_button = QPushButton("Close", self)
        self.close_button.setToolTip("Close this window and keep working")
        self.quit_button = QPushButton("Quit", self)
        self.quit_button.setToolTip("Quit Faceter Viewer")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button.setDefault(True)
        self.copy_button.clicked.connect(self.copy_report)
        self.close_button.clicked.connect(self.reject)
        self.quit_button.clicked.connect(self._on_quit_clicked)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.report_view, 1)
        layout.addWidget(buttons)
        self.add_report(report)

    @property
    def report_count(self) -> int:
        return len(self._reports) + self._dropped

    def add_report(self, report: str) -> None:
        if len(self._reports) >= MAX_REPORTS_PER_DIALOG:
            self._dropped += 1
        else:
            self._reports.append(redact(report))
        self._refresh()

    def report_text(self) -> str:
        text = ("\n\n" + "=" * 72 + "\n\n").join(self._reports)
        if self._dropped:
            text += f"\n\n({self._dropped} more errors were logged but not added here)"
        return text

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report_text())
        self.copy_button.setText("Copied")

    def _refresh(self) -> None:
        where = current_log_path()
        log_hint = f" The log file is {where}." if where else ""
        count = self.report_count
        what = "An unexpected error happened" if count == 1 else f"{count} unexpected errors happened"
        self.summary.setText(
            f"{what}. The app may keep working; if it misbehaves, save your work and quit."
            f" The report below has no keys or signatures in it: copy it into a bug report.{log_hint}"
        )
        self.report_view.setPlainText(self.report_text())

    def _on_quit_clicked(self) -> None:
        self.reject()
        (self._on_quit or QApplication.quit)()


class CrashHandler(QObject):
    """Lives on the GUI thread; the hooks (any thread) reach it through `_report_ready`."""

    _report_ready = Signal(str)
    dialog_shown = Signal(object)  # the CrashDialog, for tests and the app

    def __init__(
        self,
        parent_widget: QWidget | None = None,
        *,
        show: Callable[[CrashDialog], None] | None = None,
        on_quit: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self._parent_widget = parent_widget
        self._show = show or (lambda dialog: dialog.open())
        self._on_quit = on_quit
        self.dialog: CrashDialog | None = None
        self._previous_excepthook = sys.excepthook
        self._previous_threading_hook = threading.excepthook
        # Queued even from the GUI thread: the dialog must not open in the middle of whatever
        # raised (a paint event, a half-done slot).
        self._report_ready.connect(self._on_report_ready, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        sys.excepthook = self._sys_hook
        threading.excepthook = self._threading_hook

    def uninstall(self) -> None:
        if sys.excepthook == self._sys_hook:
            sys.excepthook = self._previous_excepthook
        if threading.excepthook == self._threading_hook:
            threading.excepthook = self._previous_threading_hook

    # --- hooks: any thread -------------------------------------------------------------------

    def _sys_hook(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt) or QApplication.instance() is None:
            self._previous_excepthook(exc_type, exc, tb)
            return
        self.handle((exc_type, exc, tb), threading.current_thread().name)

    def _threading_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or QApplication.instance() is None:
            self._previous_threading_hook(args)
            return
        name = args.thread.name if args.thread is not None else None
        self.handle((args.exc_type, args.exc_value, args.exc_traceback), name)  # type: ignore[arg-type]

    def handle(self, exc_info: ExcInfo, thread_name: str | None = None) -> None:
        """Log the exception and have the GUI thread show it. Never raises."""
        try:
            log.critical("uncaught exception in thread %s", thread_name, exc_info=exc_info)
            report = build_report(exc_info, thread_name)
            self._report_ready.emit(report)
        except Exception:  # the crash handler must not crash; fall back to stderr
            try:
                sys.__excepthook__(*exc_info)
            except Exception:
                pass

    # --- GUI thread --------------------------------------------------------------------------

    @Slot(str)
    def _on_report_ready(self, report: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.add_report(report)  # one dialog for a burst
            return
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = CrashDialog(report, self._parent_widget, on_quit=self._on_quit)
        self._show(self.dialog)
        self.dialog_shown.emit(self.dialog)


_installed: CrashHandler | None = None


def install_crash_handler(
    parent: QWidget | None = None,
    *,
    show: Callable[[CrashDialog], None] | None = None,
    on_quit: Callable[[], None] | None = None,
) -> CrashHandler:
    """Route uncaught exceptions (GUI and worker threads) to a crash dialog. Call on the GUI thread
    after the QApplication exists. Installing again replaces the previous handler."""
    global _installed
    if _installed is not None:
        _installed.uninstall()
    handler = CrashHandler(parent, show=show, on_quit=on_quit)
    handler.install()
    _installed = handler
    return handler


def uninstall_crash_handler() -> None:
    global _installed
    if _installed is not None:
        _installed.uninstall()
        _installed.deleteLater()
        _installed = None
