"""First frame after open(): VlcBackend + VideoWidget (frame PAINTED) against a bare python-vlc
player with video callbacks (frame DISPLAYED into its buffer) on the same URL in the same run.

Sources (both by default):
- hls:  a 40-s VOD HLS (640x360, 25 fps, 2-s segments) made by ffmpeg, served on 127.0.0.1;
        also opened at an offset (12.5 s): ours lands on that frame, the peer (":start-time")
        on the keyframe before it - its figure is printed for reference, not as a peer.
- live: the demo service's live HLS of an online camera (what "select a camera" plays).

Runs alternate ours/peer; one warm-up of each is not counted. The peer's time starts after it
has stopped the previous media (synchronously: ours releases the old player on a thread, which
competes for the CPU while the new one starts); the figure counting that stop is printed too.
The cold load of libvlc (import, plugin scan, first Instance) is printed separately.

    .venv/bin/python benchmarks/bench_player_first_frame.py [--runs 10] [--source hls|live|both]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication

from benchmarks._qt import wait
from benchmarks._stats import summary
from faceter_viewer.player.video_widget import VideoWidget
from faceter_viewer.player.vlc_backend import VlcBackend
from faceter_viewer.player.vlc_runtime import load_runtime, wait_for_releases


class Ours:
    def __init__(self, app: QApplication) -> None:
        self.app = app
        self.backend = VlcBackend()
        self.widget = VideoWidget(self.backend)
        self.widget.resize(640, 360)
        self.widget.show()
        self.painted: list[float] = []
        self.widget.first_frame_painted.connect(lambda: self.painted.append(time.perf_counter()))

    def first_frame_ms(self, url: str, start_offset: float = 0.0) -> float:
        self.painted.clear()
        asked = time.perf_counter()
        self.backend.open(url, start_offset=start_offset)
        wait(self.app, lambda: bool(self.painted))
        return (self.painted[0] - asked) * 1000

    def close(self) -> None:
        self.backend.close(wait=True)


class Peer:
    def __init__(self, app: QApplication) -> None:
        from benchmarks._bare_vlc import BarePlayer

        self.app = app
        self.player = BarePlayer()

        self.with_stop: list[float] = []  # the same, counting its stop() of the previous media

    def first_frame_ms(self, url: str, start_offset: float = 0.0) -> float:
        before_stop = time.perf_counter()
        asked = self.player.open(url, start_offset)  # stops the previous media first, then asks
        first = self.player.wait_first_frame()
        self.with_stop.append((first - before_stop) * 1000)
        return (first - asked) * 1000

    def close(self) -> None:
        self.player.close()


def measure(
    app: QApplication, ours: Ours, peer: Peer, url: str, runs: int, start_offset: float = 0.0
) -> tuple[list[float], list[float]]:
    ours.first_frame_ms(url, start_offset)  # warm-up: segments cached, decoders loaded
    peer.first_frame_ms(url, start_offset)
    peer.with_stop.clear()
    mine: list[float] = []
    theirs: list[float] = []
    for run in range(runs):
        pair = [(ours, mine), (peer, theirs)]
        for player, values in pair if run % 2 == 0 else reversed(pair):
            values.append(player.first_frame_ms(url, start_offset))
            app.processEvents()
    return mine, theirs


def hls_url(folder: Path) -> tuple[str, object]:
    from tests.integration.test_player_media import make_hls, serve_directory

    make_hls(folder / "av")
    server = serve_directory(folder)
    return f"{server.origin}/av/index.m3u8", server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--source", choices=["hls", "live", "both"], default="both")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])

    started = time.perf_counter()
    runtime, caps = load_runtime()
    print(
        f"cold libvlc load (import vlc, probe, Instance): {(time.perf_counter() - started) * 1000:.0f} ms"
    )
    if runtime is None:
        raise SystemExit(caps.problem)
    ours, peer = Ours(app), Peer(app)
    try:
        if args.source in ("hls", "both"):
            with tempfile.TemporaryDirectory(prefix="bench-player-") as folder:
                url, server = hls_url(Path(folder))
                try:
                    mine, theirs = measure(app, ours, peer, url, args.runs)
                    print(
                        summary(
                            "HLS VOD open -> first frame: ours (painted)", mine, theirs, "<= 1.5x"
                        )
                    )
                    print(summary("HLS VOD open -> first frame: bare python-vlc", theirs))
                    print(summary("  bare, counting its stop() of the last media", peer.with_stop))
                    mine, theirs = measure(app, ours, peer, url, args.runs, start_offset=12.5)
                    print(summary("HLS VOD open at 12.5 s: ours (exact frame)", mine, theirs))
                    print(summary("HLS VOD open at 12.5 s: bare (keyframe 12.0)", theirs))
                finally:
                    server.close()  # type: ignore[attr-defined]
        if args.source in ("live", "both"):
            from faceter_viewer.api.integration import IntegrationClient
            from faceter_viewer.demo import DemoService

            with (
                DemoService() as service,
                IntegrationClient(service.integration_key, service.base_url) as client,
            ):
                camera = next(c for c in client.list_cameras() if c.is_online and c.live_hls_url)
                mine, theirs = measure(app, ours, peer, camera.live_hls_url, args.runs)
                print(
                    summary("live HLS (demo) select -> first frame: ours", mine, theirs, "<= 1.5x")
                )
                print(summary("live HLS (demo) select -> first frame: bare", theirs))
                print(summary("  bare, counting its stop() of the last media", peer.with_stop))
    finally:
        ours.close()
        peer.close()
        wait_for_releases(10.0)


if __name__ == "__main__":
    main()
