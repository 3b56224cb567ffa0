"""UI stall while scrubbing: a 10 ms heartbeat timer's lateness on the GUI thread while the
cursor is dragged back and forth over the timeline for 30 s (archive playing, thumbnails loading
from the demo service), against the same heartbeat with the panel idle in the same run.

The drag is real input: mouse press on the cursor knob and mouse moves (buttons held) posted to
the TimelineWidget at ~60 Hz, released at the end (which plays from there).

    .venv/bin/python benchmarks/bench_scrub_stall.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QElapsedTimer, QEvent, QPointF, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks._stats import percentile  # noqa: E402
from faceter_viewer.api.integration import IntegrationClient  # noqa: E402
from faceter_viewer.demo import DemoService  # noqa: E402
from faceter_viewer.player.vlc_backend import VlcBackend  # noqa: E402
from faceter_viewer.services.session import Session  # noqa: E402
from faceter_viewer.services.tasks import TaskRunner  # noqa: E402
from faceter_viewer.app import WORKERS  # noqa: E402
from faceter_viewer.services.camera_view import CameraView  # noqa: E402
from faceter_viewer.ui.player_panel import PlayerPanel  # noqa: E402


class Heartbeat:
    def __init__(self) -> None:
        self.lateness: list[float] = []
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._on_timeout)

    def start(self) -> None:
        self.lateness.clear()
        self._clock.start()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _on_timeout(self) -> None:
        self.lateness.append(max(0.0, self._clock.restart() - 10.0))


def run_for(app: QApplication, seconds: float, tick=None) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if tick is not None:
            tick()
        app.processEvents()
        time.sleep(1 / 240)


def mouse(widget, kind: QEvent.Type, x: float, buttons) -> None:
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    pos = QPointF(x, widget.height() * 0.4)
    QApplication.postEvent(widget, QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier))


def report(name: str, values: list[float]) -> str:
    return (f"{name:<34} p50 {percentile(values, 0.5):6.1f} ms   p99 {percentile(values, 0.99):6.1f} ms   "
            f"max {max(values):6.1f} ms   n={len(values)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    with DemoService() as service, IntegrationClient(service.integration_key, service.base_url) as client:
        camera = next(c for c in client.list_cameras() if c.is_online and c.has_archive_access)
        runner = TaskRunner(WORKERS)  # the app's shared pool
        panel = PlayerPanel(CameraView(Session(client, runner), VlcBackend()))
        panel.resize(1280, 720)
        panel.show()
        panel.show_camera(camera)
        start = service.dataset.anchor - 1800.0
        panel.play_archive(start)
        run_for(app, 3.0)
        timeline = panel.timeline
        timeline.set_visible_range(start - 900, start + 900)
        heartbeat = Heartbeat()

        heartbeat.start()
        run_for(app, min(10.0, args.seconds / 3))  # archive playing, nobody touching it
        idle = list(heartbeat.lateness)

        cursor = panel.view.playback.current_time() or start
        x0 = timeline.scale.to_x(cursor)
        mouse(timeline, QEvent.Type.MouseButtonPress, x0, Qt.MouseButton.LeftButton)
        began = time.monotonic()
        last_move = [0.0]

        def move() -> None:
            now = time.monotonic()
            if now - last_move[0] >= 1 / 60:
                last_move[0] = now
                x = x0 + 400 * math.sin((now - began) * 1.3)  # back and forth over ±400 px
                mouse(timeline, QEvent.Type.MouseMove, x, Qt.MouseButton.LeftButton)

        heartbeat.start()
        run_for(app, args.seconds, move)
        scrubbing = list(heartbeat.lateness)
        mouse(timeline, QEvent.Type.MouseButtonRelease, x0, Qt.MouseButton.NoButton)
        run_for(app, 2.0)
        heartbeat.stop()
        stats = panel.view.thumbnails.stats()
        panel.shutdown()
        runner.shutdown()

    print(f"GUI-thread stall (10 ms heartbeat lateness), {args.seconds:.0f} s of scrubbing at 60 moves/s")
    print(report("idle, archive playing", idle))
    print(report("scrubbing with thumbnails", scrubbing) + "   (goal p99 <= 50 ms)")
    print(f"ratio of p99 to idle: {percentile(scrubbing, 0.99) / max(0.1, percentile(idle, 0.99)):.2f}x; thumbnails: {stats}")


if __name__ == "__main__":
    main()
