"""Playback resilience (issue 9), one section per measurement, chosen with --part.

archive-proxy: one archive segment fetched the way libvlc gets it through the session's loopback
    proxy (services/archive_proxy.py: re-signed, retried, cached) vs straight from the demo's
    Archive API with the playlist's signed URL (what libvlc fetched before). Every sample is a
    segment never fetched before (the proxy's cache would otherwise answer), alternating the
    two paths so both see the same machine load. Median, p95, ratio.

    .venv/bin/python benchmarks/bench_resilience.py --part archive-proxy [--runs 40]

(The live parts of this benchmark are another section: keep the sections separable.)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from benchmarks._stats import summary  # noqa: E402
from faceter_viewer.api.integration import IntegrationClient  # noqa: E402
from faceter_viewer.demo import DemoService  # noqa: E402
from faceter_viewer.services.archive_proxy import ArchiveProxy  # noqa: E402


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


PARTS = {"archive-proxy": bench_archive_proxy}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=sorted(PARTS), action="append", help="default: all")
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    for part in args.part or sorted(PARTS):
        print(f"--- {part}")
        PARTS[part](args.runs)


if __name__ == "__main__":
    main()
