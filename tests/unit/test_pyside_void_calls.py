"""Regression: PySide6 6.12.0 on Python 3.11 aborts (none_dealloc) after ~5,000 void Qt calls.

The abort kills the whole interpreter, so the calls run in a subprocess: a crash there is a clean
test failure that shows the child's stderr instead of taking pytest down with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

CALLS = 10_000
MARKER = "VOID-CALLS-OK"

CHILD = textwrap.dedent(
    f"""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen

    app = QGuiApplication([])
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    rect = QRect(0, 0, 8, 8)
    color = QColor(10, 20, 30)
    pen = QPen(Qt.GlobalColor.red)
    for _ in range({CALLS}):
        painter.fillRect(rect, color)   # returns None: the call that wore out None's refcount
    for i in range({CALLS}):
        pen.setWidth(i % 5 + 1)         # other void methods, on other classes
        painter.setPen(pen)
    painter.end()
    for _ in range({CALLS}):
        image.fill(color)
    print("{MARKER}", image.pixelColor(1, 1).name(), flush=True)
    """
)


def test_ten_thousand_void_qt_calls_do_not_abort() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, (
        f"child exited with {result.returncode} (negative = killed by that signal; -6 = abort)\n"
        f"--- stderr ---\n{result.stderr}\n--- stdout ---\n{result.stdout}"
    )
    assert f"{MARKER} #0a141e" in result.stdout, result.stdout + result.stderr
