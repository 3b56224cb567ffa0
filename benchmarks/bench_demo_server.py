"""Demo service figures over real HTTP on 127.0.0.1, from a cold media cache.

    .venv/bin/python benchmarks/bench_demo_server.py [--repeats 8]

- first segment of a new window: index.m3u8 + its first segment, cold (never generated) and warm
  (cached); peer: MediaStore.segment_path of a new window in-process (no HTTP, no playlist);
- preview latency: Archive API preview at never-asked times; peer: MediaStore.preview_jpeg
  in-process; plus the same previews asked again (the service's preview memory);
- JSON calls: list cameras, one page of 100 events;
- generation speed: seconds of footage per wall second, for a player fetching a fresh 60-s
  window segment after segment over HTTP, and for pregenerate() in-process (peer).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._stats import summary  # noqa: E402
from faceter_viewer.api import IntegrationClient  # noqa: E402
from faceter_viewer.demo.service import DemoService  # noqa: E402


def ms(seconds: float) -> float:
    return seconds * 1000


def archived_windows(service: DemoService, camera_index: int, count: int, spacing: int = 1200) -> list[int]:
    """`count` window starts inside the camera's archive, far apart (no shared chunk)."""
    camera = service.cameras[camera_index]
    now = time.time()
    starts = []
    for a, b in service.state.layout(camera).intervals(now):
        t = a - a % 10 + 20
        while t + 70 < b and len(starts) < count:
            starts.append(t)
            t += spacing
    if len(starts) < count:
        raise SystemExit("not enough archive for the requested repeats")
    return starts


def first_segment_over_http(http: httpx.Client, playlist_url: str) -> float:
    began = time.perf_counter()
    playlist = http.get(playlist_url)
    playlist.raise_for_status()
    first = next(line for line in playlist.text.splitlines() if line and not line.startswith("#"))
    segment = http.get(str(httpx.URL(playlist_url).join(first)))
    segment.raise_for_status()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=8)
    args = parser.parse_args()
    n = args.repeats
    rng = random.Random(1)
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as cache, DemoService(cache_dir=Path(cache)) as service:
        client = IntegrationClient(service.integration_key, service.base_url)
        http = httpx.Client()
        camera = client.get_camera(service.cameras[0].id)
        archive = client.archive(camera)
        store = service.media
        store.preview_jpeg(service.cameras[5].look, time.time() - 60)  # ffmpeg and font in the page cache
        print(f"demo service at {service.origin}, cold cache in {cache}, {n} repeats\n")

        windows = archived_windows(service, 0, n)
        urls = [archive.playlist_url(start, 60) for start in windows]
        look = service.cameras[0].look
        cold = []
        for start, url in zip(windows, urls, strict=True):
            cold.append(ms(first_segment_over_http(http, url)))
            store.segment_path(look, start + 8)  # let the chunk finish: no overlap with the next
        warm = [ms(first_segment_over_http(http, url)) for url in urls]
        peer_look = service.cameras[2].look
        peer = []
        for start in archived_windows(service, 2, n):
            began = time.perf_counter()
            store.segment_path(peer_look, start)
            peer.append(ms(time.perf_counter() - began))
            store.segment_path(peer_look, start + 8)
        print(summary("first segment, new window, HTTP (cold)", cold, peer, "< 1000 ms"))
        print(summary("first segment, same window, HTTP (warm)", warm, cold))
        print(summary("peer: segment_path in-process (cold)", peer))

        times = [t + rng.uniform(0, 60) for t in windows for _ in range(3)]
        preview = []
        for t in times:
            began = time.perf_counter()
            archive.preview_jpeg(t)
            preview.append(ms(time.perf_counter() - began))
        again = []
        for t in times:
            began = time.perf_counter()
            archive.preview_jpeg(t)
            again.append(ms(time.perf_counter() - began))
        direct = []
        for t in times:
            began = time.perf_counter()
            store.preview_jpeg(peer_look, t + 0.5)
            direct.append(ms(time.perf_counter() - began))
        print()
        print(summary("preview, new time, HTTP", preview, direct, "< 300 ms"))
        print(summary("preview, asked again, HTTP", again, preview))
        print(summary("peer: preview_jpeg in-process", direct))

        cameras, events = [], []
        for _ in range(20):
            began = time.perf_counter()
            client.list_cameras()
            cameras.append(ms(time.perf_counter() - began))
            began = time.perf_counter()
            client.list_events(camera.id, limit=100)
            events.append(ms(time.perf_counter() - began))
        print()
        print(summary("GET /v1/cameras (12 cameras)", cameras))
        print(summary("GET /v1/cameras/{id}/events limit=100", events, cameras))

        play_start = archived_windows(service, 1, 1)[0] + 600
        other = client.get_camera(service.cameras[1].id)
        url = client.archive(other).playlist_url(play_start, 60)
        began = time.perf_counter()
        playlist = http.get(url).text
        for line in playlist.splitlines():
            if line and not line.startswith("#"):
                http.get(str(httpx.URL(url).join(line))).raise_for_status()
        over_http = 60 / (time.perf_counter() - began)
        began = time.perf_counter()
        pregen_start = archived_windows(service, 3, 1)[0] + 600
        store.pregenerate(service.cameras[3].look, pregen_start, pregen_start + 60)
        in_process = 60 / (time.perf_counter() - began)
        print()
        print(
            f"{'generation speed, player over HTTP':<44} {over_http:6.1f} s of footage per s"
            f"   ratio to peer {over_http / in_process:5.2f}x   (goal > 1, faster than real time)"
        )
        print(f"{'peer: pregenerate() in-process':<44} {in_process:6.1f} s of footage per s")
        client.close()
        http.close()


if __name__ == "__main__":
    main()
