"""Camera browser at 5,000 cameras: tree build and filter per keystroke.

Peer: the same 5,000 cameras as plain QStandardItems in a bare QTreeView (no roles, no grouping
logic, no delegate), measured in the same run.

    .venv/bin/python benchmarks/bench_camera_browser.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtGui import QStandardItem, QStandardItemModel  # noqa: E402
from PySide6.QtWidgets import QApplication, QTreeView  # noqa: E402

from benchmarks._stats import summary  # noqa: E402
from faceter_viewer.ui.camera_browser import CameraBrowser  # noqa: E402
from tests.helpers.cameras import many_cameras  # noqa: E402


def main() -> None:
    app = QApplication.instance() or QApplication([])
    cameras = many_cameras(5000)
    browser = CameraBrowser()
    browser.resize(400, 800)
    browser.show()
    peer_view = QTreeView()
    peer_view.show()

    build, peer_build = [], []
    for _ in range(15):
        started = time.perf_counter()
        browser.set_cameras(cameras)
        app.processEvents()
        build.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        model = QStandardItemModel()
        root = model.invisibleRootItem()
        for camera in cameras:
            root.appendRow(QStandardItem(camera.title))
        peer_view.setModel(model)
        app.processEvents()
        peer_build.append((time.perf_counter() - started) * 1000)

    keystrokes = []
    for _ in range(5):
        for text in ("C", "Ca", "Cam", "Came", "Camera", "Camera ", "Camera 4", "Camera 49", "Camera 499", ""):
            started = time.perf_counter()
            browser.filter_edit.setText(text)
            app.processEvents()
            keystrokes.append((time.perf_counter() - started) * 1000)

    print("Camera browser, 5,000 cameras")
    print(summary("tree build (set_cameras + paint)", build, peer_build, "<= 50 ms"))
    print(summary("filter per keystroke (+ paint)", keystrokes, goal="<= 16 ms"))


if __name__ == "__main__":
    main()
