"""Screenshots of the export dialog (docs/export.png) and the jobs dock (docs/jobs.png): the real
app on the demo service on a private Xvfb, grabbed from the X screen. Run from the repository:

    PYTHONPATH=. xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshot_exports.py

It writes /tmp/shots/export.png and /tmp/shots/jobs.png (look at them before copying to docs/)."""

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "xcb"
os.environ["TZ"] = "Europe/Berlin"  # local time differs from UTC in the picture
TMP = Path(tempfile.mkdtemp(prefix="faceter-shots-"))
os.environ["XDG_DATA_HOME"] = str(TMP / "data")
os.environ["HOME"] = str(TMP)  # the exports go to ~/Videos of this temp home
OUT = Path("/tmp/shots")
OUT.mkdir(parents=True, exist_ok=True)

from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

app = QApplication(sys.argv)
QCoreApplication.setOrganizationName("FaceterShots")
QCoreApplication.setApplicationName("faceter-viewer-shots")
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(TMP / "settings"))

from faceter_viewer.app import AppController  # noqa: E402
from faceter_viewer.demo.service import DemoService  # noqa: E402
from faceter_viewer.player.backend import PlayerState  # noqa: E402
from faceter_viewer.services.exports.job import ExportMode, JobState  # noqa: E402
from faceter_viewer.ui.export_dialog import FOLDER_KEY  # noqa: E402


def wait_until(condition, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def settle(seconds=0.5):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def grab(widget, path: Path, margin=0):
    rect = widget.frameGeometry().adjusted(-margin, -margin, margin, margin)
    shot = QApplication.primaryScreen().grabWindow(0, rect.x(), rect.y(), rect.width(), rect.height())
    shot.save(str(path))
    print("wrote", path, shot.width(), "x", shot.height())


service = DemoService(seed=7, export_delay=float(os.environ.get("EXPORT_DELAY", "180"))).start()
controller = AppController()
try:
    controller.open_session(service.base_url, service.integration_key)
    wait_until(lambda: controller.window is not None and controller.window.player_panel is not None, what="window")
    window = controller.window
    window.settings.setValue(FOLDER_KEY, "~/Videos/Faceter Viewer")
    window.settings.setValue("window/eventsVisible", True)
    window.resize(1560, 940)
    window.move(0, 0)
    wait_until(lambda: bool(window.browser.model.cameras()), what="cameras")
    entrance = next(c for c in service.cameras if c.title == "Entrance")
    window.browser.select_camera(entrance.id)
    panel = window.player_panel
    wait_until(lambda: panel.backend.state() is PlayerState.PLAYING, 60, "live")
    anchor = service.dataset.anchor
    start = anchor - 900 - (anchor - 900) % 10
    panel.timeline.set_visible_range(start - 1800, start + 1800)
    panel.timeline.set_selection(start + 0.3, start + 45.6)
    settle(2.0)

    queue = window.exports
    from faceter_viewer.services.export_form import ExportForm

    folder = Path(window.settings.value(FOLDER_KEY)).expanduser()

    def submit_clip(camera_title, offset, seconds):
        camera = window.session.camera(next(c.id for c in service.cameras if c.title == camera_title))
        form = ExportForm(cameras=(camera,), start=start + offset, end=start + offset + seconds, mode=ExportMode.CLIP,
                          folder=folder, evidence=False)
        [request] = form.requests()
        return queue.submit(request).id

    done = submit_clip("Reception", 120, 60)  # an earlier download: the dialog knows the speed
    wait_until(lambda: queue.job(done).finished, 120, "clip")
    print("speed", window.jobs_panel.expected_speed())
    service.faults.add_spec("error_rate=/archive/clip:1:503")
    failed = submit_clip("Parking Lot", 200, 20)
    wait_until(lambda: queue.job(failed).finished, 60, "failed clip")
    service.faults.clear()
    window.jobs_dock.hide()

    window.activateWindow()
    window.open_export_dialog()
    dialog = window.export_dialog
    corridor = next(c for c in service.cameras if c.title == "Corridor")
    dialog.set_camera_checked(corridor.id, True)
    dialog.advanced_button.setChecked(True)
    dialog.callback_edit.setText("http://127.0.0.1:8088/exports/done")
    dialog.start_edit.setFocus()
    wait_until(lambda: "MB" in dialog.estimate_label.text(), 20, "estimate")
    settle(0.5)
    dialog.move(window.x() + 420, window.y() + 90)
    settle(0.5)
    grab(dialog, OUT / "export.png")

    dialog.export_button.click()  # two video exports (Entrance, Corridor): the service prepares them
    wait_until(lambda: window.jobs_dock.isVisible(), 5, "jobs dock")
    window.message_bar.clear()
    window.events_dock.hide()  # the whole column for the jobs: every row and its buttons
    settle(1.0)
    print({j.camera_title: (j.state, j.error) for j in queue.jobs()})
    grab(window, OUT / "jobs.png")
    for job in queue.jobs():
        queue.cancel(job.id)
finally:
    controller.close_session()
    controller.runner.shutdown()
    service.stop()
