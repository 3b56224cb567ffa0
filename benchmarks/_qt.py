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


class Heartbeat:
    """The GUI thread's stall: a 10 ms precise timer's lateness (ms) for every tick. Create it
    after the QApplication; `start()` clears what was measured."""

    def __init__(self, interval_ms: int = 10) -> None:
        from PySide6.QtCore import QElapsedTimer, Qt, QTimer

        self.interval_ms = interval_ms
        self.lateness: list[float] = []
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timeout)

    def start(self) -> None:
        self.lateness.clear()
        self._clock.start()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _on_timeout(self) -> None:
        self.lateness.append(max(0.0, self._clock.restart() - self.interval_ms))
