"""Unreviewed counts in the camera tree at 5,000 cameras, while the tree is scrolled.

    .venv/bin/python benchmarks/bench_unreviewed_counts.py [--seconds 60]

The camera browser (400x800, 5,000 cameras of a demo service) is scrolled like a mouse wheel: 3
rows every 100 ms, down to the bottom and back up, for `--seconds`. Measured:
- requests per minute the counts send (GET .../events, counted at the HTTP transport), and the
  most in any 60 s, against the budget (services/unreviewed_counts.py: ≤ 60 a minute, one at a
  time, each camera at most every 5 min);
- the GUI-thread stall: a 10 ms heartbeat timer's lateness (median, p95, max), with the counts,
  against the peer: the same tree scrolled the same way in the same run without counts.
The demo service runs in a child process, so its own work (generating 5,000 cameras' events)
does not take the GIL from the GUI thread measured here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks._stats import percentile  # noqa: E402
from faceter_viewer.api import IntegrationClient  # noqa: E402
from faceter_viewer.app import WORKERS  # noqa: E402
from faceter_viewer.services.review_store import ReviewState  # noqa: E402
from faceter_viewer.services.session import Session  # noqa: E402
from faceter_viewer.services.tasks import TaskRunner  # noqa: E402
from faceter_viewer.services.unreviewed_counts import DEFAULT_BUDGET, UnreviewedCounts  # noqa: E402
from faceter_viewer.ui.camera_browser import CameraBrowser  # noqa: E402

SERVER = """
import sys, tempfile
from pathlib import Path
from faceter_viewer.demo.service import DemoService
service = DemoService(cameras=5000, cache_dir=Path(tempfile.mkdtemp(prefix="bench-counts-")))
service.start()
print(service.base_url, service.integration_key, flush=True)
sys.stdin.read()  # until the benchmark closes our stdin
service.stop()
"""


class EventRequestLog(httpx.HTTPTransport):
    """Real HTTP; remembers when each events request went out and how many were out at once."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []
        self.max_concurrent = 0
        self._current = 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        events = request.url.path.endswith("/events")
        with self._lock:
            if events:
                self.times.append(time.monotonic())
            self._current += 1
            self.max_concurrent = max(self.max_concurrent, self._current)
        try:
            response = super().handle_request(request)
            response.read()
            return response
        finally:
            with self._lock:
                self._current -= 1


class Heartbeat:
    """A 10 ms timer on the GUI thread; each beat's lateness in ms (perf_counter, sub-ms)."""

    def __init__(self) -> None:
        self.lateness: list[float] = []
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._on_timeout)

    def start(self) -> None:
        self.lateness.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _on_timeout(self) -> None:
        now = time.perf_counter()
        self.lateness.append(max(0.0, (now - self._last) * 1000 - 10.0))
        self._last = now


def scroll_for(app: QApplication, browser: CameraBrowser, seconds: float) -> None:
    """Wheel-like: 3 rows every 100 ms, bouncing at the ends."""
    bar = browser.tree.verticalScrollBar()
    step = 3 * bar.singleStep()
    direction = 1
    end = time.monotonic() + seconds
    next_step = 0.0
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= next_step:
            next_step = now + 0.1
            if (direction > 0 and bar.value() >= bar.maximum()) or (direction < 0 and bar.value() <= bar.minimum()):
                direction = -direction
            bar.setValue(bar.value() + direction * step)
        app.processEvents()
        time.sleep(0.001)


def stall(name: str, values: list[float], peer: list[float] | None = None) -> str:
    line = (
        f"{name:<36} median {statistics.median(values):6.2f} ms   p95 {percentile(values, 0.95):6.2f} ms   "
        f"max {max(values):6.1f} ms   n={len(values)}"
    )
    if peer:
        line += f"   p95 ratio to peer {percentile(values, 0.95) / max(0.01, percentile(peer, 0.95)):5.2f}x"
    return line


def most_in_any_minute(times: list[float]) -> int:
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - 60.0:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0, help="scrolling time of each run")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])

    server = subprocess.Popen(
        [sys.executable, "-c", SERVER],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url, key = server.stdout.readline().split()
        transport = EventRequestLog()
        client = IntegrationClient(key, base_url, transport=transport)
        runner = TaskRunner(WORKERS)  # the app's shared pool
        session = Session(client, runner)
        review = ReviewState(Path(tempfile.mkdtemp(prefix="bench-review-")) / "reviewed.sqlite3")
        cameras = client.list_cameras()
        browser = CameraBrowser()
        browser.resize(400, 800)
        browser.show()
        browser.set_cameras(cameras)
        app.processEvents()
        heartbeat = Heartbeat()

        # The peer: the same tree, scrolled the same way, without counts.
        scroll_for(app, browser, 2.0)  # warm-up
        heartbeat.start()
        scroll_for(app, browser, args.seconds)
        heartbeat.stop()
        peer = list(heartbeat.lateness)

        browser.tree.scrollToTop()
        counts = UnreviewedCounts(session, review)
        browser.attach_unreviewed_counts(counts)
        began = time.monotonic()
        heartbeat.start()
        scroll_for(app, browser, args.seconds)
        heartbeat.stop()
        ours = list(heartbeat.lateness)
        elapsed = time.monotonic() - began
        requests = [t for t in transport.times if t >= began]
        counted = sum(1 for camera in cameras if counts.count(camera.id) is not None)

        browser.detach_unreviewed_counts()
        counts.close()
        review.close()
        session.close()
        runner.shutdown()
    finally:
        server.stdin.close()
        server.wait(30)

    budget = DEFAULT_BUDGET
    print(f"Unreviewed counts, 5,000 cameras, {args.seconds:.0f} s of wheel scrolling (3 rows / 100 ms)")
    minutes = [sum(1 for t in requests if began + 60 * m <= t < began + 60 * (m + 1)) for m in range(int(elapsed // 60))]
    print(
        f"requests: {len(requests)} in {elapsed:.0f} s; per whole minute: {minutes or 'n/a (run >= 60 s)'}; "
        f"most in any 60 s: {most_in_any_minute(requests)} (budget {budget.per_minute}: burst {budget.burst}, "
        f"then {budget.per_minute - budget.burst}/min); at once: {transport.max_concurrent} (budget 1); "
        f"cameras counted: {counted}"
    )
    print("GUI-thread stall (10 ms heartbeat lateness):")
    print(stall("tree scrolled, no counts (peer)", peer))
    print(stall("tree scrolled, counts loading", ours, peer) + "   (goal p95 <= 16 ms)")


if __name__ == "__main__":
    main()
