"""Issue 12's grid: N live tiles at the demo's 640x360, against N bare python-vlc players.

Live part (`--part live`), for each N of `--tiles` (4 9 16):
- ours: N CameraViews on one Session (the app's shared pool, each with its real VlcBackend on the
  one libvlc instance), each painted by a VideoWidget in a QGridLayout of a shown window
  (`--window`, 1920x1080: a full-HD screen), each on another online demo camera's live HLS.
  Measured over `--seconds` once every tile has painted and 3 s more have passed: frames PAINTED
  per second per tile (distinct pictures, VideoWidget.painted_frames; libvlc's re-displays of a
  starved picture do not count), frames libvlc handed over that a newer one replaced before the
  GUI thread took it, the GUI thread's stall (a 10 ms timer's lateness, benchmarks/_qt.py
  Heartbeat: p99 and max), OS and Python threads, RSS, and CPU % of one core for our process and
  for the demo service (a separate process: it generates every watched camera's live segments
  with ffmpeg in real time, which the same two cores pay for; its ended ffmpeg runs counted).
- the peer, in the same run: N bare python-vlc players (benchmarks/_bare_vlc.py, video callbacks
  into a buffer, one libvlc instance, no Qt) on the same live URLs, in a process of their own so
  its threads, RSS and CPU are its own: pictures displayed per second per player, and distinct
  ones.
- then the same tiles play the archive (10 minutes ago) for half as long: their fps, and the
  archive proxy's threads (services/archive_proxy.py: one handler thread per connection libvlc
  keeps open, "process_request_thread").

Sync part (`--part sync`): benchmarks/_grid_sync.py (helper S) when it is there: its
`sync_seek(ctx)` and `sync_spread(ctx)` are called with a `GridContext` (the app, the demo's URL
and key, its cameras, its pid).

    .venv/bin/python benchmarks/bench_grid.py [--part live|sync|all] [--tiles 4 9 16] [--seconds 20]
                                              [--window 1920x1080] [--no-peer] [--no-archive]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._proc import CpuMeter, cpu_seconds, machine_load, rss_mb, threads  # noqa: E402
from benchmarks._stats import percentile  # noqa: E402

DEMO_CAMERAS = 24  # enough online cameras for 16 distinct live streams
SETTLE_SECONDS = 3.0
GOAL_FPS = 24.0


@dataclass
class GridContext:
    """What the sync part is handed (benchmarks/_grid_sync.py)."""

    app: object  # QApplication
    base_url: str
    integration_key: str
    cameras: list  # the demo's online cameras with archive access (api.models.Camera)
    demo_pid: int
    seconds: float
    window: tuple[int, int]


# --- the demo service, in a process of its own ---------------------------------------------------


class DemoProcess:
    def __init__(self, cameras: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "faceter_viewer", "demo-server", "--cameras", str(cameras)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.base_url = self.key = ""
        assert self.proc.stdout is not None
        for line in self.proc.stdout:  # the URL and key come first; "Serving." after the warm-up
            if match := re.search(r"FACETER_BASE_URL=(\S+)", line):
                self.base_url = match.group(1)
            if match := re.search(r"FACETER_INTEGRATION_KEY=(\S+)", line):
                self.key = match.group(1)
            if line.startswith("Serving."):
                break
        if not (self.base_url and self.key):
            self.stop()
            raise SystemExit("the demo service did not start")
        # Keep reading its output, or a full pipe would block it.
        threading.Thread(target=self._drain, name="bench-demo-output", daemon=True).start()

    def _drain(self) -> None:
        for _line in self.proc.stdout:  # type: ignore[union-attr]
            pass

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --- ours: CameraViews + VideoWidgets in a grid --------------------------------------------------


def _kind(name: str) -> str:
    match = re.fullmatch(r"Thread-\d+ \((.+)\)", name)
    return match.group(1) if match else name.rstrip("0123456789_-")


def python_threads() -> str:
    ours = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.name.startswith("bench-")]
    kinds = Counter(_kind(t.name) for t in ours)
    return ", ".join(f"{k} {c}" for k, c in sorted(kinds.items())) or "none"


def run_loop(app, seconds: float) -> None:
    """The real event loop for `seconds` (not a processEvents poll: the GUI thread idles as in the app)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def wait_until(app, predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError
        run_loop(app, 0.05)


class Grid:
    def __init__(self, ctx: GridContext, n: int) -> None:
        from PySide6.QtWidgets import QGridLayout, QWidget

        from faceter_viewer.api.integration import IntegrationClient
        from faceter_viewer.app import WORKERS
        from faceter_viewer.player.video_widget import VideoWidget
        from faceter_viewer.services.camera_view import CameraView
        from faceter_viewer.services.session import Session
        from faceter_viewer.services.tasks import TaskRunner

        self.ctx = ctx
        self.runner = TaskRunner(WORKERS, name="faceter-worker")
        self.session = Session(IntegrationClient(ctx.integration_key, ctx.base_url), self.runner)
        self.window = QWidget()
        self.window.setWindowTitle(f"bench_grid: {n} tiles")
        layout = QGridLayout(self.window)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        columns = math.ceil(math.sqrt(n))
        self.views = [CameraView(self.session) for _ in range(n)]  # each its own VlcBackend
        self.widgets = [VideoWidget(view.backend, self.window) for view in self.views]
        for i, widget in enumerate(self.widgets):
            layout.addWidget(widget, i // columns, i % columns)
        self.window.resize(*ctx.window)
        self.window.show()

    def play_live(self, cameras) -> None:
        for view, camera in zip(self.views, cameras, strict=False):
            view.set_camera(camera)  # live by default

    def play_archive(self, t: float) -> None:
        for view in self.views:
            view.play_archive(t)

    def wait_painting(self, timeout: float = 120.0) -> float:
        started = time.monotonic()
        marks = [w.painted_frames for w in self.widgets]
        wait_until(self.ctx.app, lambda: all(w.painted_frames > m + 1 for w, m in zip(self.widgets, marks, strict=True)), timeout)
        return time.monotonic() - started

    def measure(self, seconds: float) -> dict:
        from benchmarks._qt import Heartbeat

        run_loop(self.ctx.app, SETTLE_SECONDS)
        heartbeat = Heartbeat()
        meter = CpuMeter({"ours": "self", "demo": self.ctx.demo_pid}, children=("demo",))
        painted = [w.painted_frames for w in self.widgets]
        superseded = [v.backend.frame_counters()["superseded"] for v in self.views]
        heartbeat.start()
        meter.start()
        started = time.monotonic()
        run_loop(self.ctx.app, seconds)
        elapsed = time.monotonic() - started
        cpu = meter.stop()
        heartbeat.stop()
        fps = [(w.painted_frames - p) / elapsed for w, p in zip(self.widgets, painted, strict=True)]
        lost = sum(v.backend.frame_counters()["superseded"] for v in self.views) - sum(superseded)
        return {
            "fps": fps,
            "superseded_per_s": lost / elapsed,
            "stall_p99": percentile(heartbeat.lateness, 0.99),
            "stall_max": max(heartbeat.lateness, default=float("nan")),
            "os_threads": threads(),
            "python_threads": python_threads(),
            "rss": rss_mb(),
            "cpu": cpu,
        }

    def close(self) -> None:
        from faceter_viewer.player.vlc_runtime import wait_for_releases

        for view in self.views:
            view.close()
        self.window.close()
        self.window.deleteLater()
        self.session.close()
        self.runner.shutdown()
        wait_for_releases(30.0)
        self.ctx.app.processEvents()


# --- the peer: bare python-vlc players, in a process of their own --------------------------------


def peer_worker(urls: list[str], seconds: float) -> None:
    """Runs in the peer's process: prints one JSON line of its figures."""
    import vlc

    from benchmarks._bare_vlc import BarePlayer

    instance = vlc.Instance("--quiet", "--no-xlib", "--aout=adummy")
    players = [BarePlayer(instance, count_distinct=True) for _ in urls]
    for player, url in zip(players, urls, strict=True):
        player.open(url)
    for player in players:
        player.wait_first_frame(120.0)
    time.sleep(SETTLE_SECONDS)
    frames, distinct = [p.frames for p in players], [p.distinct for p in players]
    cpu0, started = cpu_seconds(), time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    result = {
        "fps": [(p.frames - f) / elapsed for p, f in zip(players, frames, strict=True)],
        "distinct_fps": [(p.distinct - d) / elapsed for p, d in zip(players, distinct, strict=True)],
        "cpu": 100 * (cpu_seconds() - cpu0) / elapsed,
        "os_threads": threads(),
        "rss": rss_mb(),
    }
    for player in players:
        player.close()
    print(json.dumps(result), flush=True)


def run_peer(ctx: GridContext, urls: list[str], seconds: float) -> dict:
    meter = CpuMeter({"demo": ctx.demo_pid}, children=("demo",))
    proc = subprocess.Popen(
        [sys.executable, __file__, "--peer-worker", "--seconds", str(seconds), *urls], stdout=subprocess.PIPE, text=True
    )
    # The demo's CPU over about the peer's own measuring window (it measures after its players show).
    time.sleep(SETTLE_SECONDS + 2.0)
    meter.start()
    out, _ = proc.communicate(timeout=seconds + 180)
    demo = meter.stop()["demo"]
    result = json.loads(out.strip().splitlines()[-1])
    result["demo_cpu"] = demo
    return result


# --- printing ------------------------------------------------------------------------------------


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):5.1f}  min {min(values):5.1f}  max {max(values):5.1f}"


def print_ours(label: str, n: int, result: dict, goal: bool) -> None:
    fps = result["fps"]
    at_goal = sum(1 for f in fps if f >= GOAL_FPS)
    goal_text = f"   ({at_goal}/{n} tiles >= {GOAL_FPS:.0f} fps" + ("; goal: all, at 9 tiles)" if goal else ")")
    print(f"{label:<14} painted fps per tile: {spread(fps)}{goal_text}")
    print(
        f"{'':<14} superseded {result['superseded_per_s']:.1f}/s   UI stall p99 {result['stall_p99']:.1f} ms, "
        f"max {result['stall_max']:.1f} ms (goal p99 <= 50 ms)"
    )
    print(
        f"{'':<14} threads: OS {result['os_threads']}, Python: {result['python_threads']}   RSS {result['rss']:.0f} MB   "
        f"CPU % of a core: ours {result['cpu']['ours']:.0f} %, demo service {result['cpu']['demo']:.0f} %"
    )


def live_part(
    ctx: GridContext, tiles: list[int], seconds: float, peer: bool, archive: bool, distinct: int | None = None
) -> None:
    print(f"live part: {ctx.window[0]}x{ctx.window[1]} window, {seconds:.0f} s per measurement; {machine_load()}")
    for n in tiles:
        streams = min(n, distinct or n)
        if len(ctx.cameras) < streams:
            print(f"{n} tiles: only {len(ctx.cameras)} online demo cameras; skipped")
            continue
        cameras = [ctx.cameras[i % streams] for i in range(n)]
        if streams < n:
            print(f"\n{n} tiles on {streams} cameras (the demo generates {streams} live streams, not {n})", end="")
        grid = Grid(ctx, n)
        try:
            grid.play_live(cameras)
            first = grid.wait_painting()
            print(f"\n{n} tiles: every tile painted {first:.1f} s after set_camera")
            ours = grid.measure(seconds)
            print_ours(f"ours live", n, ours, goal=n == 9)
            if archive:
                t = time.time() - 600
                grid.play_archive(t)
                try:
                    took = grid.wait_painting(180.0)
                    result = grid.measure(seconds / 2)
                    print_ours(f"ours archive", n, result, goal=False)
                    print(f"{'':<14} (every tile's archive painted {took:.1f} s after play_archive; the demo made the media)")
                except TimeoutError:
                    print("ours archive   not every tile painted within 180 s")
        finally:
            grid.close()
        if peer:
            result = run_peer(ctx, [c.live_hls_url for c in cameras], seconds)
            fps, distinct = result["fps"], result["distinct_fps"]
            print(f"{'peer live':<14} displayed fps per player: {spread(fps)}; distinct pictures: {spread(distinct)}")
            print(
                f"{'':<14} threads: OS {result['os_threads']}   RSS {result['rss']:.0f} MB   "
                f"CPU % of a core: peer {result['cpu']:.0f} %, demo service {result['demo_cpu']:.0f} %"
            )
            print(
                f"{'':<14} ratio ours/peer: fps {statistics.median(ours['fps']) / statistics.median(distinct):.2f}x, "
                f"CPU {ours['cpu']['ours'] / max(result['cpu'], 0.1):.2f}x, RSS {ours['rss'] / result['rss']:.2f}x, "
                f"OS threads {ours['os_threads'] / result['os_threads']:.2f}x"
            )


def sync_part(ctx: GridContext) -> None:
    try:
        from benchmarks import _grid_sync  # helper S's: sync seek and sync spread
    except ImportError:
        print("sync part: benchmarks/_grid_sync.py is not in this branch yet")
        return
    for name in ("sync_seek", "sync_spread"):
        function = getattr(_grid_sync, name, None)
        if function is None:
            print(f"sync part: benchmarks/_grid_sync.py has no {name}(ctx)")
            continue
        function(ctx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("live", "sync", "all"), default="all")
    parser.add_argument("--tiles", type=int, nargs="+", default=[4, 9, 16])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--window", default="1920x1080")
    parser.add_argument("--no-peer", dest="peer", action="store_false")
    parser.add_argument("--no-archive", dest="archive", action="store_false")
    parser.add_argument(
        "--distinct", type=int, metavar="K",
        help="only K distinct cameras, repeated over the tiles: the demo's ffmpeg makes K live streams, "
        "so its CPU no longer takes what N decoders need (default: every tile its own camera)",
    )  # fmt: skip
    parser.add_argument("--peer-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("urls", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer_worker:
        peer_worker(args.urls, args.seconds)
        return

    from PySide6.QtWidgets import QApplication

    from faceter_viewer.api.integration import IntegrationClient

    app = QApplication.instance() or QApplication([])
    width, height = (int(v) for v in args.window.lower().split("x"))
    demo = DemoProcess(DEMO_CAMERAS)
    try:
        with IntegrationClient(demo.key, demo.base_url) as client:
            cameras = [c for c in client.list_cameras() if c.is_online and c.live_hls_url and c.has_archive_access]
        print(f"demo service: pid {demo.pid}, {DEMO_CAMERAS} cameras ({len(cameras)} online with archive)")
        ctx = GridContext(app, demo.base_url, demo.key, cameras, demo.pid, args.seconds, (width, height))
        if args.part in ("live", "all"):
            live_part(ctx, args.tiles, args.seconds, args.peer, args.archive, args.distinct)
        if args.part in ("sync", "all"):
            print()
            sync_part(ctx)
    finally:
        demo.stop()


if __name__ == "__main__":
    main()
