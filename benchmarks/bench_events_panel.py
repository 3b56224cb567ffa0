"""The events panel (ui/events_panel.py): scrolling a long list, and J → the event on screen.

- scroll: one camera's events over `--days` days (the demo makes 300-600 a day), CUSTOM range,
  scrolled with real wheel events (QWheelEvent sent to the list's viewport, 60 a second,
  `--lines` lines a notch) for `--seconds` while pages load (EventsFeed, 100 a page) and the
  previews of the rows on screen load (EventPreviews). A 5 ms heartbeat QTimer measures the
  GUI stall: lateness = actual interval − 5 ms (clipped at 0); median, p95, p99, max (goal p99
  ≤ 50 ms). Rows loaded, previews loaded, RSS at start / after loading / at the end (after
  scrolling back up for half the time). Peer: the same heartbeat and the same wheel events over
  the same time on a plain QListWidget of 10,000 text rows (no paging, no previews). The demo
  service runs in a child process, as a real service would be elsewhere: its work (paging,
  JPEG previews) must not take the GIL from the GUI thread we measure.
- jump: J → the event's frame painted (real VlcBackend + PlayerPanel), for `--runs` events in
  the demo's gap-free last 20 minutes (start − 5 s pre-roll > anchor − 1100), from several
  cameras (one has only a few there). The row before the event is selected (none for the first
  row), then panel.next_event(); timed to player.video.first_frame_painted, the frame checked by
  its timecode. Peer, interleaved (alternating who goes first): a bare python-vlc player
  (benchmarks/_bare_vlc.py) on the Archive API's signed playlist of the same moment
  (playlist_url(t, 600), offset 0), time to its first displayed frame. The segments are made
  beforehand (DemoService.media.pregenerate) so neither pays for the demo's media generation.

    xvfb-run -a .venv/bin/python benchmarks/bench_events_panel.py [--part scroll|jump|all]
        [--days 30] [--seconds 25] [--lines 10] [--runs 15]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from PySide6.QtCore import QDateTime, QEventLoop, QPoint, QPointF, QSettings, QSize, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QWheelEvent  # noqa: E402
from PySide6.QtWidgets import QAbstractItemView, QApplication, QListWidget, QListWidgetItem  # noqa: E402

from benchmarks._qt import wait  # noqa: E402
from benchmarks._stats import percentile, summary  # noqa: E402

HEARTBEAT_MS = 5
WHEEL_PER_SECOND = 60
PEER_ROWS = 10_000
PANEL_SIZE = QSize(420, 700)


# --- shared: heartbeat, wheel, memory -------------------------------------------------------------


class Heartbeat:
    """A 5 ms timer on the GUI thread; how late each tick came is how long the GUI was stalled."""

    def __init__(self) -> None:
        self.late_ms: list[float] = []
        self.at: list[float] = []  # seconds since start() of each tick
        self._began = self._last = 0.0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(HEARTBEAT_MS)
        self._timer.timeout.connect(self._beat)

    def start(self) -> None:
        self._began = self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _beat(self) -> None:
        now = time.perf_counter()
        self.late_ms.append(max(0.0, (now - self._last) * 1000 - HEARTBEAT_MS))
        self.at.append(now - self._began)
        self._last = now

    def worst(self, n: int = 3) -> str:
        ticks = sorted(zip(self.late_ms, self.at, strict=True), reverse=True)[:n]
        return ", ".join(f"{late:.0f} ms at {at:.1f} s" for late, at in ticks)


def send_wheel(view: QAbstractItemView, notches: int) -> None:
    viewport = view.viewport()
    pos = QPointF(viewport.width() / 2, viewport.height() / 2)
    event = QWheelEvent(
        pos, viewport.mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(viewport, event)


def wheel_for(view: QAbstractItemView, seconds: float, notches: int, heartbeat: Heartbeat | None = None) -> None:
    """Turn the wheel 60 notches a second for `seconds` in the real event loop. Notches that fell
    due while the GUI was stalled are sent at once, as the window system would queue them."""
    loop = QEventLoop()
    began = time.perf_counter()
    sent = 0

    def tick() -> None:
        nonlocal sent
        elapsed = time.perf_counter() - began
        if elapsed >= seconds:
            loop.quit()
            return
        due = int(elapsed * WHEEL_PER_SECOND) + 1
        while sent < due:
            send_wheel(view, notches)
            sent += 1

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(4)
    timer.timeout.connect(tick)
    if heartbeat is not None:
        heartbeat.start()
    timer.start()
    loop.exec()
    timer.stop()
    if heartbeat is not None:
        heartbeat.stop()


class GcPauses:
    """Python's full (generation 2) collections while scrolling: a candidate for the worst stalls."""

    def __init__(self) -> None:
        self.ms: list[float] = []
        self._began = 0.0
        gc.callbacks.append(self._note)

    def stop(self) -> None:
        gc.callbacks.remove(self._note)

    def _note(self, phase: str, info: dict) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.ms.append((time.perf_counter() - self._began) * 1000)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stall_line(name: str, late: list[float], peer: list[float] | None = None, goal: str = "") -> str:
    line = f"{summary(name, late, peer, goal)}"
    return line + f"   p99 {percentile(late, 0.99):7.2f} ms   max {max(late):7.2f} ms"


# --- scroll ---------------------------------------------------------------------------------------

# The demo service in a child process; it prints where it is and the camera with most events.
SERVER = r"""
import bisect, json, sys, time
from faceter_viewer.demo import DemoService
days = int(sys.argv[1])
with DemoService(archive_days=days) as service:
    now = time.time()
    start = service.dataset.anchor - days * 86400 + 600
    best = None
    for camera in service.cameras:
        if not camera.is_online or camera.archive_days < days:
            continue
        _events, starts = service.state.events.generated(camera)
        count = bisect.bisect_right(starts, now) - bisect.bisect_left(starts, start)
        if best is None or count > best[1]:
            best = (camera.id, count)
    print(json.dumps({"base_url": service.base_url, "key": service.integration_key, "camera": best[0],
                      "events": best[1], "start": start}), flush=True)
    sys.stdin.read()
"""


def bench_scroll(app: QApplication, days: int, seconds: float, lines: int) -> None:
    from faceter_viewer.api.integration import IntegrationClient
    from faceter_viewer.app import WORKERS
    from faceter_viewer.services.camera_view import CameraView
    from faceter_viewer.services.events_feed import RangePreset
    from faceter_viewer.services.review_store import ReviewState
    from faceter_viewer.services.session import Session
    from faceter_viewer.services.tasks import TaskRunner
    from faceter_viewer.ui.events_list import ROW_HEIGHT
    from faceter_viewer.ui.events_panel import EventsPanel
    from tests.helpers.fake_backend import FakeBackend  # no video: the list is the subject

    QApplication.setWheelScrollLines(lines)
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(days)], cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        info = json.loads(server.stdout.readline())
        print(f"scroll: demo camera with {info['events']} events in {days} days; wheel {WHEEL_PER_SECOND}/s, "
              f"{lines} lines a notch, {seconds:g} s")  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp, IntegrationClient(info["key"], info["base_url"]) as client:
            runner = TaskRunner(WORKERS)
            session = Session(client, runner)
            view = CameraView(session, FakeBackend(), snapshot_dir=Path(tmp))
            settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
            settings.setValue("events/filter/preset", RangePreset.CUSTOM.value)
            review = ReviewState(path=Path(tmp) / "reviewed.sqlite")
            panel = EventsPanel(view, review, settings)
            panel.custom_start.setDateTime(QDateTime.fromSecsSinceEpoch(int(info["start"])))
            panel.custom_end.setDateTime(QDateTime.fromSecsSinceEpoch(int(time.time()) + 3 * 3600))
            panel.resize(PANEL_SIZE)
            panel.show()
            previews = {"images": 0, "none": 0}

            def on_preview(event_id: str) -> None:
                previews["images" if panel.previews._cache.get(event_id) is not None else "none"] += 1

            panel.previews.loaded.connect(on_preview)
            wait(app, lambda: panel.isVisible())
            rss_start = rss_mb()
            view.set_camera(client.get_camera(info["camera"]))
            wait(app, lambda: panel.model.rowCount() > 0, timeout=30)
            wait(app, lambda: previews["images"] + previews["none"] >= 8, timeout=30)

            ours = Heartbeat()
            gc_pauses = GcPauses()
            wheel_for(panel.list, seconds, -1, ours)
            gc_pauses.stop()
            rows_scrolled = panel.list.indexAt(QPoint(5, 5)).row()
            rows = panel.model.rowCount()
            wait(app, lambda: not panel.feed.loading, timeout=30)
            shown_previews = dict(previews)
            rss_loaded = rss_mb()
            wheel_for(panel.list, seconds / 2, +1)  # back up: other previews, the cache stays bounded
            end = time.monotonic() + 2
            wait(app, lambda: time.monotonic() > end, timeout=5)
            rss_end = rss_mb()
            panel.close_panel()
            panel.close()
            view.close()
            review.close()
            runner.shutdown()
            session.close()

        peer_list = QListWidget()
        peer_list.setUniformItemSizes(True)
        peer_list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        for i in range(PEER_ROWS):
            item = QListWidgetItem(f"Event {i + 1:05d} · Motion · 12:{i % 60:02d}:00 · 14 s   confidence 0.9")
            item.setSizeHint(QSize(PANEL_SIZE.width() - 30, ROW_HEIGHT))
            peer_list.addItem(item)
        peer_list.resize(PANEL_SIZE)
        peer_list.show()
        wait(app, lambda: peer_list.isVisible())
        peer = Heartbeat()
        wheel_for(peer_list, seconds, -1, peer)
        peer_scrolled = peer_list.indexAt(QPoint(5, 5)).row()
        peer_list.close()
    finally:
        server.stdin.close()
        server.wait(30)

    print(f"  rows loaded by scrolling: {rows} (of {info['events']}); top row after {seconds:g} s: {rows_scrolled}")
    print(f"  previews loaded while scrolling down: {shown_previews['images']} images, {shown_previews['none']} without one; "
          f"after scrolling back up: {previews['images']} images, {previews['none']} without")  # fmt: skip
    print(f"  RSS: start {rss_start:.0f} MB, after loading {rss_loaded:.0f} MB, end {rss_end:.0f} MB")
    print("  " + stall_line("GUI stall (heartbeat lateness), events panel", ours.late_ms, peer.late_ms, "p99 ≤ 50 ms"))
    print("  " + stall_line(f"GUI stall, QListWidget of {PEER_ROWS} text rows", peer.late_ms))
    print(f"  worst stalls, ours: {ours.worst()}; peer: {peer.worst()}")
    print(f"  full gc collections while we scrolled: {len(gc_pauses.ms)}, longest {max(gc_pauses.ms, default=0):.0f} ms")
    print(f"  peer top row after {seconds:g} s: {peer_scrolled}")


# --- jump -----------------------------------------------------------------------------------------

PRE_ROLL = 5.0
FRAME = 0.040


def bench_jump(app: QApplication, runs: int) -> None:
    from benchmarks._bare_vlc import BarePlayer
    from faceter_viewer.api.integration import IntegrationClient
    from faceter_viewer.app import WORKERS
    from faceter_viewer.demo import DemoService
    from faceter_viewer.demo.media.timecode import TimecodeError, decode_timecode
    from faceter_viewer.player.backend import PlayerState
    from faceter_viewer.player.vlc_backend import VlcBackend
    from faceter_viewer.player.vlc_runtime import wait_for_releases
    from faceter_viewer.services.camera_view import CameraView
    from faceter_viewer.services.events_feed import RangePreset, _utc
    from faceter_viewer.services.review_store import ReviewState
    from faceter_viewer.services.session import Session
    from faceter_viewer.services.tasks import TaskRunner
    from faceter_viewer.ui.events_panel import EventsPanel
    from faceter_viewer.ui.player_panel import PlayerPanel
    from tests.helpers.frames import qimage_to_array

    ours_ms: list[float] = []
    theirs_ms: list[float] = []
    wrong_frames: list[str] = []
    with DemoService() as service, IntegrationClient(service.integration_key, service.base_url) as client, \
            tempfile.TemporaryDirectory() as tmp:  # fmt: skip
        anchor = service.dataset.anchor
        specs = {c.id: c for c in service.cameras}
        # Events whose pre-roll starts in the gap-free tail, by camera, until there are `runs`.
        chosen: list[tuple[object, list]] = []
        total = 0
        for camera in client.list_cameras():
            if total >= runs or not (camera.is_online and camera.has_archive_access):
                continue
            found = [
                e for e in client.iter_events(camera.id, start=_utc(anchor - 1100 + PRE_ROLL), end=None)
                if e.start_timestamp - PRE_ROLL > anchor - 1100 and e.start_timestamp < time.time() - 20
            ][: runs - total]  # fmt: skip
            if found:
                chosen.append((camera, found))
                total += len(found)
                for event in found:  # media made once: both players read a warm cache
                    t = int(event.start_timestamp - PRE_ROLL)
                    service.media.pregenerate(specs[camera.id].look, t - 4, t + 12)
        print(f"jump: {total} events on {len(chosen)} cameras, pre-roll {PRE_ROLL:g} s")

        runner = TaskRunner(WORKERS)
        session = Session(client, runner)
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("events/filter/preset", RangePreset.HOUR.value)
        settings.setValue("events/preRollSeconds", PRE_ROLL)
        review = ReviewState(path=Path(tmp) / "reviewed.sqlite")
        player = PlayerPanel(CameraView(session, VlcBackend(), snapshot_dir=Path(tmp)))
        panel = EventsPanel(player.view, review, settings)
        panel.attach_timeline(player.timeline)
        player.resize(900, 600)
        panel.resize(PANEL_SIZE)
        player.show()
        panel.show()
        painted: list[float] = []
        player.video.first_frame_painted.connect(lambda: painted.append(time.perf_counter()))
        bare = BarePlayer()

        def pause_ours() -> None:
            if player.backend.state() in (PlayerState.PLAYING, PlayerState.BUFFERING, PlayerState.OPENING):
                player.backend.pause()

        def run_ours(event) -> None:
            row = panel.model.row_of(event.id)
            if row:
                panel.list.setCurrentIndex(panel.proxy.index(row - 1, 0))
            else:
                panel.list.clearSelection()
            painted.clear()
            asked = time.perf_counter()
            panel.next_event()  # J
            wait(app, lambda: bool(painted), timeout=30)
            ours_ms.append((painted[0] - asked) * 1000)
            assert panel.selected_events()[0].id == event.id
            try:
                shown = decode_timecode(qimage_to_array(player.video.current_image())).timestamp()
                off = shown - (event.start_timestamp - PRE_ROLL)
                if abs(off) > FRAME + 0.001:
                    wrong_frames.append(f"{off:+.3f} s")
            except TimecodeError:
                wrong_frames.append("no timecode")
            pause_ours()

        def run_bare(camera, event) -> None:
            url = client.archive(camera).playlist_url(event.start_timestamp - PRE_ROLL, 600)
            asked = bare.open(url)
            theirs_ms.append((bare.wait_first_frame(30) - asked) * 1000)
            bare.player.stop()

        i = 0
        for camera, events in chosen:
            player.show_camera(camera)
            wait(app, lambda ids={e.id for e in events}: ids <= {e.id for e in panel.model.events()}, timeout=30)
            for event in events:
                pause_ours()
                if i % 2 == 0:
                    run_ours(event)
                    run_bare(camera, event)
                else:
                    run_bare(camera, event)
                    run_ours(event)
                i += 1
        bare.close()
        panel.close_panel()
        player.shutdown()
        review.close()
        runner.shutdown()
        session.close()
        wait_for_releases(10.0)

    print(f"  our first painted frame was the event's start − pre-roll (timecode, ±1 frame) in "
          f"{len(ours_ms) - len(wrong_frames)} of {len(ours_ms)}"
          + (f"; the others were off by {', '.join(wrong_frames)}" if wrong_frames else ""))  # fmt: skip
    print("  runs, ours: " + " ".join(f"{v:.0f}" for v in ours_ms) + " ms")
    print("  runs, bare: " + " ".join(f"{v:.0f}" for v in theirs_ms) + " ms")
    print("  " + summary("J → event frame painted, ours", ours_ms, theirs_ms))
    print("  " + summary("open signed playlist → first frame, bare vlc", theirs_ms))


# --- main -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["scroll", "jump", "all"], default="all")
    parser.add_argument("--days", type=int, default=30, help="scroll: days of events of one camera")
    parser.add_argument("--seconds", type=float, default=25.0, help="scroll: seconds of wheel")
    parser.add_argument("--lines", type=int, default=10, help="scroll: lines a wheel notch scrolls")
    parser.add_argument("--runs", type=int, default=15, help="jump: events")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    if args.part in ("scroll", "all"):
        bench_scroll(app, args.days, args.seconds, args.lines)
    if args.part in ("jump", "all"):
        bench_jump(app, args.runs)


if __name__ == "__main__":
    main()
