"""A new user's first minute, with the keyboard only, on the demo service and real libvlc:
Ctrl+F, type a camera's title, Enter, Ctrl+G, type a time, Enter, and the picture on screen is
that camera at that time (read from the timecode drawn into every demo frame).

Every key goes to whatever widget has the focus at that moment, as a real key press would, so
the test also checks that focus lands where the next key expects it.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from faceter_viewer.demo.media.timecode import decode_timecode
from faceter_viewer.services.playback import Mode
from faceter_viewer.ui.jump_dialog import JumpDialog
from tests.helpers.demo_fixtures import recent_archive_time
from tests.helpers.frames import qimage_to_array
from tests.integration.test_main_window import controller, playing_window, press, settings_dir  # noqa: F401

pytestmark = pytest.mark.slow


def type_text(text: str) -> None:
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    QTest.keyClicks(target, text)


def test_find_a_camera_and_jump_to_a_time_from_the_keyboard(qtbot, controller, demo_service):  # noqa: F811
    app = playing_window(qtbot, controller, demo_service)
    window, panel = app.window, app.window.player_panel
    corridor = next(c for c in app.session.cameras() if c.title == "Corridor")
    assert panel.camera.id != corridor.id

    press("Ctrl+F")
    type_text("Corridor")
    press("Return")
    assert panel.camera.id == corridor.id, "Enter in the filter opens the first match"
    assert window.browser.filter_edit.text() == "Corridor"

    press("Ctrl+G")  # from wherever Enter left the focus
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), JumpDialog), timeout=5000)
    dialog = QApplication.activeModalWidget()
    # The dialog is a window of its own: it takes the keyboard once the platform activates it.
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.typed, timeout=5000)
    wanted = recent_archive_time(demo_service) - 137  # an odd second, not a segment boundary
    type_text(datetime.fromtimestamp(wanted).strftime("%Y-%m-%d %H:%M:%S"))  # replaces the selected text
    assert dialog.selected_time() == wanted, dialog.typed.text()
    with qtbot.waitSignal(panel.backend.first_frame_shown, timeout=30000):
        press("Return")
    assert QApplication.activeModalWidget() is None  # the dialog closed (and is deleted)

    assert panel.view.playback.mode is Mode.ARCHIVE
    stream = panel.view.playback.stream  # archive plays through the session's loopback proxy
    assert panel.backend.url() == stream.url and stream.archive.camera.id == corridor.id, "the archive of the camera typed"
    shown = decode_timecode(qimage_to_array(panel.video.current_image())).timestamp()
    assert wanted <= shown < wanted + 1.0, f"the frame on screen is {shown - wanted:+.3f} s from the time typed"
    assert panel.title_label.text() == "Corridor" and panel.mode_label.text() == "ARCHIVE"
