"""Timeline paint with 100,000 events and 10,000 archive intervals over 30 days at 1920 px.

- full repaint: the view moves by one pixel, so the static layer (archive, event lane, ticks,
  labels) is rebuilt and the widget painted (goal: median <= 4 ms, p95 <= 8 ms);
- overlay-only repaint: the playback cursor moves, the cached static layer is reused;
- peer: a naive widget painting the same data with one fillRect per interval and per event,
  measured in the same run.

    .venv/bin/python benchmarks/bench_timeline_paint.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtCore import QRectF  # noqa: E402
from PySide6.QtGui import QColor, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from benchmarks._stats import summary  # noqa: E402
from faceter_viewer.api.models import EventType  # noqa: E402
from faceter_viewer.core.timeline.scale import TimeScale  # noqa: E402
from faceter_viewer.ui.timeline_widget import TimelineWidget  # noqa: E402

WIDTH, HEIGHT = 1920, 104
DAY = 86400.0
NOW = 1_776_000_000.0
TYPE_NAMES = [str(t) for t in (EventType.MOTION, EventType.HUMAN, EventType.VEHICLE, EventType.LINE_CROSSING, EventType.FACE)]


def make_data(rng: np.random.Generator):
    start = NOW - 30 * DAY
    interval_starts = np.sort(rng.uniform(start, NOW, 10_000))
    interval_ends = interval_starts + rng.exponential(150, 10_000) + 2
    event_times = np.sort(rng.uniform(start, NOW, 100_000))
    event_codes = rng.choice(len(TYPE_NAMES), 100_000, p=[0.6, 0.2, 0.1, 0.06, 0.04])
    return interval_starts, interval_ends, event_times, event_codes


class NaiveTimeline(QWidget):
    """The peer: what a first attempt looks like - one fillRect per recording and per event."""

    def __init__(self, scale: TimeScale, data) -> None:
        super().__init__()
        self.scale = scale
        self.starts, self.ends, self.times, self.codes = (a.tolist() for a in data)
        self.colors = [QColor(c) for c in ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#FF9DA7")]

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#17191D"))
        scale = self.scale
        archive = QColor("#3A9D5D")
        for s, e in zip(self.starts, self.ends, strict=True):
            painter.fillRect(QRectF(scale.to_x(s), 50, max(1.0, scale.to_x(e) - scale.to_x(s)), 16), archive)
        for t, code in zip(self.times, self.codes, strict=True):
            painter.fillRect(QRectF(scale.to_x(t), 10, 1, 30), self.colors[code])
        painter.end()


def timed(action, repeats: int) -> list[float]:
    values = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        values.append((time.perf_counter() - started) * 1000)
    return values


def main() -> None:
    app = QApplication.instance() or QApplication([])
    data = make_data(np.random.default_rng(2026))
    widget = TimelineWidget(now=NOW)
    widget.set_visible_range(NOW - 30 * DAY, NOW)
    widget.resize(WIDTH, HEIGHT)
    widget.show()
    app.processEvents()
    widget.set_intervals(data[0], data[1])
    widget.set_events(data[2], data[3], TYPE_NAMES)
    widget.set_now(NOW)
    widget.repaint()
    assert widget.scale.width == WIDTH

    peer = NaiveTimeline(widget.scale, data)
    peer.resize(WIDTH, HEIGHT)
    peer.show()
    app.processEvents()

    step = [0]

    def full_repaint() -> None:
        step[0] += 1
        widget.pan_pixels(1 if step[0] % 2 else -1)  # a new scale: the static layer is rebuilt
        widget.repaint()

    cursor = [NOW - 20 * DAY]

    def overlay_repaint() -> None:
        cursor[0] += 60.0
        widget.set_cursor(cursor[0])
        widget.repaint()

    for _ in range(10):  # warm-up: label cache, numpy, Qt's raster engine
        full_repaint()
        overlay_repaint()
    full = timed(full_repaint, 200)
    overlay = timed(overlay_repaint, 200)
    naive = timed(peer.repaint, 7)

    # The same at the 1-day zoom (dense columns, readable glyphs) for reference.
    widget.set_visible_range(NOW - 1.5 * DAY, NOW - 0.5 * DAY)
    widget.repaint()
    day_full = timed(full_repaint, 100)

    print(f"Timeline paint, {len(data[2]):,} events + {len(data[0]):,} intervals over 30 days at {WIDTH} px")
    print(summary("full repaint (static layer rebuilt), 30 d", full, naive, goal="median <= 4 ms, p95 <= 8 ms"))
    print(summary("overlay-only repaint (cursor moved), 30 d", overlay, naive))
    print(summary("full repaint, 1 d view", day_full, naive))
    print(summary("peer: naive fillRect per item, 30 d", naive))
    speedup = statistics.median(naive) / statistics.median(full)
    print(f"full repaint is {speedup:,.0f}x faster than the naive paint; overlay-only repaint is "
          f"{statistics.median(full) / statistics.median(overlay):,.0f}x cheaper than a full one")


if __name__ == "__main__":
    main()
