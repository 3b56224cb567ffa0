"""Camera browser at 5,000 cameras: tree build and filter per keystroke.

Peers, measured in the same run:
- build: the same 5,000 cameras as plain QStandardItems in a bare QTreeView (no roles, no grouping,
  no sorting, no delegate);
- filter: those plain items behind a C++ QSortFilterProxyModel (setFilterFixedString on the title,
  case-insensitive) in a bare QTreeView, typing the same keystrokes.

    .venv/bin/python benchmarks/bench_camera_browser.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QSortFilterProxyModel, Qt  # noqa: E402
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
    peer_view.resize(400, 800)  # paints as many rows as the browser
    peer_view.setUniformRowHeights(True)
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

    peer_proxy = QSortFilterProxyModel()
    peer_proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    peer_proxy.setSourceModel(model)  # the last peer model built above: 5,000 plain items
    peer_view.setModel(peer_proxy)
    app.processEvents()

    keystrokes, peer_keystrokes = [], []
    for _ in range(5):
        for text in ("C", "Ca", "Cam", "Came", "Camera", "Camera ", "Camera 4", "Camera 49", "Camera 499", ""):
            started = time.perf_counter()
            browser.filter_edit.setText(text)
            app.processEvents()
            keystrokes.append((time.perf_counter() - started) * 1000)

            started = time.perf_counter()
            peer_proxy.setFilterFixedString(text)
            app.processEvents()
            peer_keystrokes.append((time.perf_counter() - started) * 1000)

    # The search texts are made on the first keystroke after a refresh, not by the refresh itself.
    first_keystrokes, peer_first = [], []
    for _ in range(10):
        browser.set_cameras(cameras)
        app.processEvents()
        started = time.perf_counter()
        browser.filter_edit.setText("C")
        app.processEvents()
        first_keystrokes.append((time.perf_counter() - started) * 1000)
        browser.filter_edit.clear()
        app.processEvents()

        peer_proxy.setFilterFixedString("")
        app.processEvents()
        started = time.perf_counter()
        peer_proxy.setFilterFixedString("C")
        app.processEvents()
        peer_first.append((time.perf_counter() - started) * 1000)

    print("Camera browser, 5,000 cameras")
    print(summary("tree build (set_cameras + paint)", build, peer_build, "<= 50 ms"))
    print(summary("filter per keystroke (+ paint)", keystrokes, peer_keystrokes, "<= 16 ms"))
    print(summary('first keystroke "C" after a refresh', first_keystrokes, peer_first, "<= 16 ms"))


if __name__ == "__main__":
    main()
