"""Hover → thumbnail delivered and painted, through ThumbnailService against the demo service.

    .venv/bin/python benchmarks/bench_thumbnails.py [--repeats 200]

Measured from `request(camera, t)` to the end of the `thumbnail_ready` slot, which paints the
picture into a 320x180 hover box (an offscreen QImage, as a tooltip widget's paintEvent would):
- cached: the decoded picture is in the service's cache (goal ≤ 16 ms);
- JPEG cached: only the JPEG is cached (decoded on a worker, no request);
- uncached: nothing cached in the app, vs the server's own answer for the same preview with a bare
  httpx GET on a kept-alive connection, measured in the same run (goal: p95 at most 30 ms above).
  The server's preview memory is warmed for each time first, so both sides ask it for the same
  ready answer and the difference is what the app adds: thread hand-off, the API client,
  JPEG decoding, the signal back to the GUI thread, and the paint. Order alternates per time.
- cold: times the server never generated (ffmpeg per preview), both sides, for context.
The demo server runs in this process (a thread), for both sides alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from PySide6.QtCore import QEventLoop, QRect, QTimer  # noqa: E402
from PySide6.QtGui import QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks._stats import percentile, summary  # noqa: E402
from faceter_viewer.api import IntegrationClient, rules  # noqa: E402
from faceter_viewer.demo.media import MediaStore  # noqa: E402
from faceter_viewer.demo.service import DemoService  # noqa: E402
from faceter_viewer.services.session import Session  # noqa: E402
from faceter_viewer.services.tasks import TaskRunner  # noqa: E402
from faceter_viewer.services.thumbnails import ThumbnailService  # noqa: E402


class HoverBox:
    """The slot a hover tooltip would run: paint the picture scaled into its box."""

    def __init__(self, service: ThumbnailService) -> None:
        self.canvas = QImage(320, 180, QImage.Format.Format_RGB32)
        self.painted_at = 0.0
        self.loop: QEventLoop | None = None
        service.thumbnail_ready.connect(self._on_ready)
        service.thumbnail_failed.connect(lambda *args: sys.exit(f"thumbnail failed: {args}"))
        service.thumbnail_missing.connect(lambda *args: sys.exit(f"thumbnail missing: {args}"))

    def _on_ready(self, camera_id: str, bucket_time: float, image: QImage) -> None:
        painter = QPainter(self.canvas)
        painter.drawImage(QRect(0, 0, 320, 180), image)
        painter.end()
        self.painted_at = time.perf_counter()
        if self.loop is not None:
            self.loop.quit()


def hover(service: ThumbnailService, box: HoverBox, camera, t: float) -> float:
    """ms from request to painted (waits on the event loop when the answer is not immediate)."""
    box.painted_at = 0.0
    began = time.perf_counter()
    service.request(camera, t)
    if not box.painted_at:
        box.loop = QEventLoop()
        QTimer.singleShot(10_000, box.loop.quit)
        box.loop.exec()
        box.loop = None
    if not box.painted_at:
        sys.exit(f"no thumbnail within 10 s for {t}")
    return (box.painted_at - began) * 1000


def bare_get(http: httpx.Client, url: str) -> float:
    began = time.perf_counter()
    response = http.get(url)
    response.raise_for_status()
    _ = response.content
    return (time.perf_counter() - began) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    n = args.repeats
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="bench-thumbs-") as cache:
        store = MediaStore(Path(cache), max_cache_bytes=256 * 1024**2)
        with DemoService(media=store) as demo:
            client = IntegrationClient(demo.integration_key, demo.base_url)
            runner = TaskRunner(max_workers=2)
            session = Session(client, runner)
            service = ThumbnailService(session)
            box = HoverBox(service)
            camera = client.get_camera(demo.cameras[0].id)
            archive = session.archive(camera)
            http = httpx.Client()
            base = demo.dataset.anchor - 1200  # the last 20 minutes are archived on camera 0
            times = [base + 0.2 * i for i in range(n)]  # one distinct frame each

            def url(t: float) -> str:
                return archive.method_url("preview", [("time", rules.to_archive_seconds(t))])

            for t in times[:5]:  # ffmpeg, fonts, connections and decoders warmed up
                bare_get(http, url(t - 30))
                hover(service, box, camera, t - 30)

            uncached, server = [], []
            for i, t in enumerate(times):
                bare_get(http, url(t))  # the server's preview memory now holds this frame
                if i % 2:
                    uncached.append(hover(service, box, camera, t))
                    server.append(bare_get(http, url(t)))
                else:
                    server.append(bare_get(http, url(t)))
                    uncached.append(hover(service, box, camera, t))

            recent = times[-30:]  # the decoded-image cache holds the most recent ~35 frames
            cached = [hover(service, box, camera, recent[i % len(recent)]) for i in range(n)]
            jpeg_only = [hover(service, box, camera, t) for t in times[: min(n, 100)]]  # decoded ones evicted

            cold_times = [base + 300 + 0.2 * i for i in range(min(n, 60))]
            cold_app = [hover(service, box, camera, t) for t in cold_times[0::2]]
            cold_server = [bare_get(http, url(t)) for t in cold_times[1::2]]

            print(f"Hover → thumbnail painted, demo service at {demo.origin}, {n} repeats\n")
            print(summary("cached (decoded in memory)", cached, goal="≤ 16 ms"))
            print(summary("JPEG cached (decode on a worker)", jpeg_only))
            print(summary("uncached, server answer ready", uncached, peer_ms=server))
            print(summary("  peer: bare httpx GET, same previews", server))
            above_median = statistics.median(uncached) - statistics.median(server)
            above_p95 = percentile(uncached, 0.95) - percentile(server, 0.95)
            paired = [a - b for a, b in zip(uncached, server, strict=True)]
            print(
                f"{'  app above server':<44} median {above_median:8.2f} ms   p95 {above_p95:8.2f} ms   "
                f"(paired p95 {percentile(paired, 0.95):.2f} ms; goal p95 ≤ 30 ms)"
            )
            print(summary("cold (server runs ffmpeg)", cold_app, peer_ms=cold_server))
            print(summary("  peer: bare httpx GET, cold", cold_server))
            stats = service.stats()
            print(f"\ncache: {stats['images']}\n       {stats['jpegs']}")
            service.close()
            runner.shutdown()
            http.close()
            client.close()
        store.close()
    app.processEvents()


if __name__ == "__main__":
    main()
