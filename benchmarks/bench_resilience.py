"""Resilience: how the player does when the network and the service misbehave (issue 9).

One section per measurement, each its own `--part`:

- live: the age of the live picture on screen (now − its burnt-in timecode, demo/media/timecode
  .py), sampled every 250 ms for `--minutes` per error rate, with `error_rate` 0.1 and 0.3 on the
  live playlist and its segments. Ours: a PlayerPanel/CameraView with VlcBackend (it re-opens a
  stream that failed or froze: services/live_keeper.py). Peer: a bare python-vlc player
  (benchmarks/_bare_vlc.py) on the same live URL, playing at the same time. A player that gave up
  keeps its last picture, so its age grows for as long as it stays frozen.
- archive-proxy: one archive segment fetched the way libvlc gets it through the session's
  loopback proxy (services/archive_proxy.py: re-signed, retried, cached) vs straight from the
  demo's Archive API with the playlist's signed URL, alternating; median, p95, ratio.
- service-back: archive playing, the demo service closes its port for `--outage` seconds
  (DemoService.stop_serving) and opens it again; measured from its return to the first frame
  that moves on from the last one shown before (decoded timecode), `--outages` times. Ours: a
  PlaybackController on VlcBackend (services/connectivity.py probes, the archive proxy's held
  segment request fetches again). Peer: a bare python-vlc player on the Archive API's signed
  playlist URL, playing the same moment at the same time; "did not recover" when it never moves
  again within 30 s (libvlc skips or ends on the segments it could not fetch).

    .venv/bin/python benchmarks/bench_resilience.py [--part live|archive-proxy|service-back|all]
        [--minutes 5] [--runs 40] [--outages 5] [--outage 15]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks._stats import summary  # noqa: E402
from faceter_viewer.api.integration import IntegrationClient  # noqa: E402
from faceter_viewer.demo import DemoService  # noqa: E402
from faceter_viewer.services.archive_proxy import ArchiveProxy  # noqa: E402

PARTS = ("live", "archive-proxy", "service-back")


# --- live: frame age under refused requests ---------------------------------------------------

LIVE_ERROR_RATES = (0.1, 0.3)
SAMPLE_SECONDS = 0.25


def live_fault_spec(rate: float) -> str:
    # Live playlists are /live/{id}/index.m3u8; their segments are the archive's signed URLs.
    return f"error_rate=/live/**:{rate};error_rate=/segments/*:{rate}"


def bench_live(app: QApplication, minutes: float) -> None:
    from benchmarks._bare_vlc import BarePlayer
    from faceter_viewer.api.integration import IntegrationClient
    from faceter_viewer.app import WORKERS
    from faceter_viewer.demo import DemoService
    from faceter_viewer.demo.media.timecode import TimecodeError, decode_timecode
    from faceter_viewer.player.vlc_backend import VlcBackend
    from faceter_viewer.player.vlc_runtime import wait_for_releases
    from faceter_viewer.services.camera_view import CameraView
    from faceter_viewer.services.session import Session
    from faceter_viewer.services.tasks import TaskRunner
    from faceter_viewer.ui.player_panel import PlayerPanel
    from tests.helpers.frames import qimage_to_array

    def age(picture) -> float | None:
        try:
            return time.time() - decode_timecode(picture).timestamp()
        except TimecodeError:
            return None

    with DemoService() as service, IntegrationClient(service.integration_key, service.base_url) as client:
        camera = next(c for c in client.list_cameras() if c.is_online)
        for rate in LIVE_ERROR_RATES:
            runner = TaskRunner(WORKERS)
            panel = PlayerPanel(CameraView(Session(client, runner), VlcBackend()))
            panel.resize(900, 600)
            panel.show()
            bare = BarePlayer()
            service.faults.clear()
            service.faults.add_spec(live_fault_spec(rate))
            panel.show_camera(camera)
            bare.open(camera.live_hls_url)
            ours: list[float] = []
            theirs: list[float] = []
            end = time.monotonic() + minutes * 60
            next_sample = time.monotonic()
            while time.monotonic() < end:
                app.processEvents()
                time.sleep(0.005)
                if time.monotonic() < next_sample:
                    continue
                next_sample += SAMPLE_SECONDS
                image = panel.video.current_image()
                if not image.isNull() and (a := age(qimage_to_array(image))) is not None:
                    ours.append(a * 1000)
                if bare.frames and (a := age(bare.buffer[:, :, :3][:, :, ::-1].copy())) is not None:
                    theirs.append(a * 1000)
            fired = service.faults.fired["error_rate"]
            service.faults.clear()
            bare.close()
            panel.shutdown()
            runner.shutdown()
            wait_for_releases(10.0)
            print(f"error_rate {rate}: {fired} live requests refused in {minutes:g} min")
            if not ours:
                print(f"  {'live age, ours':<44} no picture at all")
                continue
            print("  " + summary(f"live age, ours, error_rate {rate}", ours, theirs or None, goal="≤ 15 s"))
            if theirs:
                print("  " + summary(f"live age, bare python-vlc, error_rate {rate}", theirs))
            else:
                print(f"  {'live age, bare python-vlc':<44} no picture at all (its first open was refused; it never retries)")


# --- archive-proxy: a segment through the loopback proxy vs direct -----------------------------


def bench_archive_proxy(runs: int) -> None:
    service = DemoService(seed=7).start()
    proxy = ArchiveProxy()
    try:
        with IntegrationClient(service.integration_key, service.base_url) as client, httpx.Client() as player:
            camera = next(c for c in client.list_cameras() if c.id == service.cameras[0].id)
            archive = client.archive(camera)
            anchor = service.dataset.anchor
            start = anchor - 1200 - anchor % 2
            # Both paths read segments the demo already made (media generation is not the subject).
            stream = proxy.open_stream(archive, start, 4.0 * runs)
            direct_text = archive.fetch_playlist(start, 4.0 * runs)
            direct_urls = [
                str(httpx.URL(archive.playlist_url(start, 4.0 * runs)).join(line))
                for line in direct_text.splitlines()
                if line and not line.startswith("#")
            ]
            for url in direct_urls:
                player.get(url, timeout=60)
            through, direct = [], []
            for i in range(runs):
                proxied_index, direct_index = 2 * i, 2 * i + 1
                began = time.perf_counter()
                answer = player.get(stream.url.replace("index.m3u8", f"{proxied_index}.ts"), timeout=60)
                through.append((time.perf_counter() - began) * 1000)
                assert answer.status_code == 200 and answer.content[:1] == b"\x47"
                began = time.perf_counter()
                answer = player.get(direct_urls[direct_index], timeout=60)
                direct.append((time.perf_counter() - began) * 1000)
                assert answer.status_code == 200
            print(summary("segment through the proxy", through, direct))
            print(summary("segment direct (signed URL)", direct))
    finally:
        proxy.close()
        service.stop()


# --- service-back: first moving frame after the service returns ------------------------------

RECOVERY_LIMIT_SECONDS = 30.0


def bench_service_back(app: QApplication, outages: int, outage_seconds: float) -> None:
    from benchmarks._bare_vlc import BarePlayer
    from faceter_viewer.demo.media.timecode import TimecodeError, decode_timecode
    from faceter_viewer.player.vlc_backend import VlcBackend
    from faceter_viewer.player.vlc_runtime import wait_for_releases
    from faceter_viewer.services.playback import PlaybackController
    from faceter_viewer.services.session import Session
    from faceter_viewer.services.tasks import TaskRunner
    from tests.helpers.demo_fixtures import FAST_RETRY
    from tests.helpers.frames import qimage_to_array

    def decoded(picture) -> float | None:
        try:
            return decode_timecode(picture).timestamp()
        except TimecodeError:
            return None

    def pump(seconds: float, until=lambda: False) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            if until():
                return True
            time.sleep(0.005)
        return until()

    def moved_after(frames: list[tuple[float, float]], back: float, last: float) -> float | None:
        return next((m - back for m, shown in list(frames) if m > back and shown > last + 0.02), None)

    ours_ms: list[float] = []
    theirs_ms: list[float] = []
    peer_failures = 0
    service = DemoService(seed=7).start()
    runner = TaskRunner(4)
    try:
        with IntegrationClient(service.integration_key, service.base_url, retry=FAST_RETRY) as client:
            session = Session(client, runner)
            camera = next(c for c in client.list_cameras() if c.id == service.cameras[0].id)
            backend = VlcBackend()
            controller = PlaybackController(session, backend)
            controller.set_camera(camera)
            ours: list[tuple[float, float]] = []
            backend.frame_ready.connect(
                lambda image: (t := decoded(qimage_to_array(image))) is not None and ours.append((time.monotonic(), t))
            )
            for run in range(outages):
                # A different moment each run, inside the demo's gap-free last 20 minutes.
                t = float(service.dataset.anchor - 1100 + run * 150)
                ours.clear()
                controller.play_archive(t)
                bare = BarePlayer()
                theirs: list[tuple[float, float]] = []
                bare.on_display = lambda picture: (s := decoded(picture)) is not None and theirs.append((time.monotonic(), s))
                bare.open(client.archive(camera).playlist_url(t, 600))
                if not pump(30, lambda: len(ours) > 25 and len(theirs) > 25):
                    print(f"run {run + 1}: playback did not start; skipped")
                    bare.close()
                    continue
                service.stop_serving()
                pump(outage_seconds)
                last_ours, last_theirs = ours[-1][1], (theirs[-1][1] if theirs else 0.0)
                service.start()
                back = time.monotonic()
                pump(RECOVERY_LIMIT_SECONDS, lambda: moved_after(ours, back, last_ours) is not None
                     and moved_after(theirs, back, last_theirs) is not None)  # fmt: skip
                mine, peer = moved_after(ours, back, last_ours), moved_after(theirs, back, last_theirs)
                bare.close()
                print(
                    f"run {run + 1}: ours {'did not recover' if mine is None else f'{mine:.2f} s'}, "
                    f"bare python-vlc {'did not recover' if peer is None else f'{peer:.2f} s'}"
                )
                if mine is not None:
                    ours_ms.append(mine * 1000)
                if peer is None:
                    peer_failures += 1
                else:
                    theirs_ms.append(peer * 1000)
            controller.close()
            backend.close()
            session.close()
    finally:
        runner.shutdown()
        wait_for_releases(10.0)
        service.stop()
    print(f"service gone for {outage_seconds:g} s, {outages} times, archive playing:")
    if ours_ms:
        print("  " + summary("service back → first moving frame, ours", ours_ms, theirs_ms or None, goal="≤ 10 s"))
    if theirs_ms:
        print("  " + summary("service back → first moving frame, bare vlc", theirs_ms))
    print(f"  bare python-vlc did not recover within {RECOVERY_LIMIT_SECONDS:g} s in {peer_failures} of {outages} outages")


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=[*PARTS, "all"], default="all")
    parser.add_argument("--minutes", type=float, default=5.0, help="live: minutes per error rate")
    parser.add_argument("--runs", type=int, default=40, help="archive-proxy: segments per path")
    parser.add_argument("--outages", type=int, default=5, help="service-back: how many times the service goes")
    parser.add_argument("--outage", type=float, default=15.0, help="service-back: seconds it stays gone")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    if args.part in ("live", "all"):
        bench_live(app, args.minutes)
    if args.part in ("archive-proxy", "all"):
        bench_archive_proxy(args.runs)
    if args.part in ("service-back", "all"):
        bench_service_back(app, args.outages, args.outage)


if __name__ == "__main__":
    main()
