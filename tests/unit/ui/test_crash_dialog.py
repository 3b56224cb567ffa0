"""The crash handler, driven by real uncaught exceptions: one raised in a Qt callback on the GUI
thread (PySide6 hands it to sys.excepthook) and one raised on a plain worker thread
(threading.excepthook)."""

from __future__ import annotations

import logging
import sys
import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication

from faceter_viewer import __version__
from faceter_viewer.api.redaction import register_secret
from faceter_viewer.app_logging import setup_logging, teardown_logging
from faceter_viewer.ui.crash_dialog import CrashDialog, install_crash_handler, uninstall_crash_handler

SECRET = "crash-test-key-0c4f7a9b"

# pytest-qt captures exceptions in Qt callbacks with its own sys.excepthook, and its own Qt message
# handler; these tests install ours instead.
pytestmark = [pytest.mark.qt_no_exception_capture, pytest.mark.no_qt_log]


@pytest.fixture
def handler(qapp, tmp_path):
    setup_logging(tmp_path / "logs")
    register_secret(SECRET)
    quits = []
    handler = install_crash_handler(on_quit=lambda: quits.append(True))
    handler.quits = quits
    yield handler
    if handler.dialog is not None:
        handler.dialog.close()
        handler.dialog.deleteLater()
    uninstall_crash_handler()
    teardown_logging()


def _raise_in_gui_callback() -> None:
    raise ValueError(f"gui callback failed with key {SECRET}")


def _raise_in_worker(n: int = 0) -> None:
    raise RuntimeError(f"worker {n} failed, X-Integration-Key: {SECRET}")


def test_uncaught_exception_on_the_gui_thread_shows_a_redacted_report(qtbot, handler):
    logging.getLogger("faceter_viewer.test").info("opened camera; key was %s", SECRET)
    assert sys.excepthook == handler._sys_hook
    with qtbot.waitSignal(handler.dialog_shown, timeout=5000) as blocker:
        QTimer.singleShot(0, _raise_in_gui_callback)
    dialog = blocker.args[0]
    assert isinstance(dialog, CrashDialog)
    assert dialog.isVisible()
    text = dialog.report_view.toPlainText()
    assert "Traceback" in text
    assert "_raise_in_gui_callback" in text
    assert "ValueError: gui callback failed with key ***" in text
    assert SECRET not in text
    assert f"Faceter Viewer {__version__}" in text
    assert "Python 3." in text and "Qt 6." in text and "OS " in text
    assert "opened camera; key was ***" in text  # the last log lines, masked
    assert "Thread MainThread" in text


def test_uncaught_exception_on_a_worker_thread_reaches_the_gui_thread(qtbot, handler):
    shown_on = []
    handler.dialog_shown.connect(lambda _d: shown_on.append(threading.current_thread()))
    with qtbot.waitSignal(handler.dialog_shown, timeout=5000) as blocker:
        worker = threading.Thread(target=_raise_in_worker, name="camera-loader")
        worker.start()
        worker.join()
    dialog = blocker.args[0]
    assert shown_on == [threading.main_thread()]
    text = dialog.report_text()
    assert "Thread camera-loader" in text
    assert "_raise_in_worker" in text
    assert "RuntimeError: worker 0 failed" in text
    assert SECRET not in text


def test_a_burst_of_errors_shows_one_dialog(qtbot, handler):
    shown = []
    handler.dialog_shown.connect(shown.append)
    workers = [threading.Thread(target=_raise_in_worker, args=(n,)) for n in range(5)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    QTimer.singleShot(0, _raise_in_gui_callback)
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.report_count == 6, timeout=5000)
    assert len(shown) == 1
    text = handler.dialog.report_view.toPlainText()
    assert all(f"worker {n} failed" in text for n in range(5))
    assert "6 unexpected errors" in handler.dialog.summary.text()
    assert SECRET not in text


def test_after_closing_a_new_error_opens_a_new_dialog(qtbot, handler):
    with qtbot.waitSignal(handler.dialog_shown, timeout=5000) as first:
        QTimer.singleShot(0, _raise_in_gui_callback)
    first.args[0].close_button.click()
    assert not first.args[0].isVisible()
    with qtbot.waitSignal(handler.dialog_shown, timeout=5000) as second:
        QTimer.singleShot(0, _raise_in_gui_callback)
    assert second.args[0] is not first.args[0]
    assert second.args[0].report_count == 1


def test_copy_report_and_quit(qtbot, handler):
    with qtbot.waitSignal(handler.dialog_shown, timeout=5000) as blocker:
        QTimer.singleShot(0, _raise_in_gui_callback)
    dialog = blocker.args[0]
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied == dialog.report_text()
    assert "_raise_in_gui_callback" in copied and SECRET not in copied
    dialog.quit_button.click()
    assert handler.quits == [True]
    assert not dialog.isVisible()


def test_keyboard_interrupt_goes_to_the_previous_hook(qtbot, handler, monkeypatch):
    seen = []
    monkeypatch.setattr(handler, "_previous_excepthook", lambda *args: seen.append(args[0]))
    sys.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert seen == [KeyboardInterrupt]
    assert handler.dialog is None


def test_uninstall_restores_the_hooks(qapp):
    before_sys, before_threading = sys.excepthook, threading.excepthook
    handler = install_crash_handler()
    assert sys.excepthook != before_sys and threading.excepthook != before_threading
    uninstall_crash_handler()
    assert sys.excepthook == before_sys and threading.excepthook == before_threading
    assert handler.dialog is None
