"""Driving a Qt event loop from a benchmark script."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QApplication


def wait(app: QApplication, predicate, timeout: float = 20.0) -> None:
    """Process events until `predicate()` is true (TimeoutError after `timeout` s)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError
        app.processEvents()
        time.sleep(0.0005)
