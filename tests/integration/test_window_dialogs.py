"""F1, B and E in the real main window on the demo service (AppController wiring, real libvlc):
the shortcuts sheet, the bookmark dialog and the export dialog open from their keys and from the
menu, whatever has the focus (but a text field keeps its letters); an export submitted with Enter
shows in the jobs dock (Ctrl+J) and completes."""

from __future__ import annotations

import time

import pytest
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from faceter_viewer.ui.actions import COMMANDS
from faceter_viewer.services.exports.job import JobState
from faceter_viewer.ui.bookmark_dialog import BookmarkDialog
from faceter_viewer.ui.export_dialog import FOLDER_KEY, ExportDialog
from faceter_viewer.ui.shortcuts_sheet import KEY_COLUMN, ShortcutsSheet
from tests.helpers.demo_fixtures import recent_archive_time
from tests.integration.test_main_window import controller, playing_window, press, settings_dir  # noqa: F401

pytestmark = pytest.mark.slow


def sheet_of(window) -> ShortcutsSheet | None:
    return window.findChild(ShortcutsSheet, "shortcutsSheet")


def test_f1_and_the_help_menu_open_the_shortcuts_sheet(qtbot, controller, demo_service):  # noqa: F811
    app = playing_window(qtbot, controller, demo_service)
    window = app.window
    press("F1")
    sheet = sheet_of(window)
    assert isinstance(sheet, ShortcutsSheet) and sheet.isVisible()
    assert all(sheet.rows[c.name].text(KEY_COLUMN).startswith(c.key_text()) for c in COMMANDS)
    qtbot.waitUntil(sheet.search.hasFocus, timeout=3000)
    QTest.keyClicks(sheet.search, "?")  # typed into the search, not a second sheet
    assert sheet.visible_commands() == ["shortcuts"]
    press("Escape")
    assert not sheet.isVisible()

    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    entry = next(a for a in help_menu.actions() if a.objectName() == "shortcuts")
    assert entry.text() == "&Keyboard shortcuts" and entry.isEnabled()
    entry.trigger()
    assert sheet_of(window) is sheet and sheet.isVisible()  # the same sheet, searched afresh
    assert sheet.search.text() == "" and len(sheet.visible_commands()) == len(COMMANDS)
    sheet.close()

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    window.browser.tree.setFocus()
    qtbot.waitUntil(window.browser.tree.hasFocus, timeout=3000)
    press("?")
    assert sheet.isVisible()
    sheet.close()


def test_b_opens_the_bookmark_dialog_on_the_camera_on_screen(qtbot, controller, demo_service):  # noqa: F811
    app = playing_window(qtbot, controller, demo_service)
    window, panel = app.window, app.window.player_panel
    qtbot.waitUntil(lambda: not panel.backend.snapshot().isNull(), timeout=20000)  # a picture to attach
    press("Ctrl+F")
    QTest.keyClicks(window.browser.filter_edit, "b")  # a text field keeps its letters
    assert panel.bookmark_dialog is None
    window.browser.filter_edit.clear()
    window.browser.tree.setFocus()
    qtbot.waitUntil(window.browser.tree.hasFocus, timeout=3000)

    press("B")
    dialog = panel.bookmark_dialog
    assert isinstance(dialog, BookmarkDialog) and dialog.isVisible() and dialog.isModal()
    assert dialog.camera.id == panel.camera.id
    assert dialog.instant_button.isChecked() and abs(dialog.start_time() - time.time()) < 10  # live: now
    assert dialog.preview.has_picture and dialog.snapshot_check.isChecked()
    dialog.reject()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)

    start, end = time.time() - 120, time.time() - 60
    panel.timeline.set_selection(start, end)
    panel.open_bookmark_dialog()
    dialog = panel.bookmark_dialog
    assert dialog.range_button.isChecked()
    assert (dialog.start_time(), dialog.end_time()) == pytest.approx((start, end), abs=0.001)
    dialog.reject()


def test_e_opens_the_export_dialog_and_enter_queues_a_job_shown_in_the_jobs_dock(qtbot, controller, demo_service, tmp_path):  # noqa: F811
    app = playing_window(qtbot, controller, demo_service)
    window, panel = app.window, app.window.player_panel
    window.settings.setValue(FOLDER_KEY, str(tmp_path / "exports"))  # never the developer's Videos
    dock = window.jobs_dock
    assert dock is not None and dock.objectName() == "jobsDock" and not dock.isVisible()
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    entry = next(a for a in file_menu.actions() if a.objectName() == "export")
    assert entry.text() == "&Export…" and entry.isEnabled()

    t = float(recent_archive_time(demo_service, 900))
    panel.timeline.set_selection(t, t + 4)
    press("E")
    dialog = window.export_dialog
    assert isinstance(dialog, ExportDialog) and dialog.isVisible() and dialog.isModal()
    assert dialog.camera.id == panel.camera.id and dialog.range() == (t, t + 4)
    qtbot.waitUntil(dialog.start_edit.hasFocus, timeout=3000)
    before = set(window.jobs_panel.rows)
    press("Return")
    qtbot.waitUntil(dock.isVisible, timeout=3000)  # the jobs dock shows what was queued
    [job_id] = set(window.jobs_panel.rows) - before
    qtbot.waitUntil(lambda: window.jobs_panel.shown_state(job_id) is JobState.DONE, timeout=60000)
    job = window.exports.job(job_id)
    assert job.dest.parent == tmp_path / "exports" and job.dest.is_file()

    window.activateWindow()  # the offscreen platform gives the window back no focus of its own
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    window.browser.tree.setFocus()
    qtbot.waitUntil(window.browser.tree.hasFocus, timeout=3000)
    press("Ctrl+J")
    assert not dock.isVisible()
    press("Ctrl+J")
    assert dock.isVisible()
    window.exports.remove(job_id)  # the job store outlives this test's app: leave it clean

    entry.trigger()  # File → Export…: the same dialog, from the menu
    dialog = window.export_dialog
    assert dialog.isVisible()
    closed: list[int] = []
    dialog.finished.connect(closed.append)
    qtbot.waitUntil(dialog.start_edit.hasFocus, timeout=3000)
    press("Escape")
    assert closed == [ExportDialog.DialogCode.Rejected]
