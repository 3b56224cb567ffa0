"""Download throughput of HttpSession.download (the safe path: .part, validator file, fsync,
os.replace, fsync of the folder; api-rules §11) against a raw httpx stream of the same URL
written to a file (and the same with one fsync at the end: the price of durability alone), all
over real HTTP on 127.0.0.1 from the demo service, in the same run, in shuffled order.

    .venv/bin/python benchmarks/bench_download.py [--megabytes 100] [--repeats 15]

The file is a demo video export whose bytes are replaced by N MB of random data (a real export
that large would take minutes of ffmpeg); the demo serves it with starlette's FileResponse, as it
serves every export. Goal: ≥ 0.9× the raw stream's throughput (issue 11).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._stats import summary  # noqa: E402
from faceter_viewer.api import IntegrationClient  # noqa: E402
from faceter_viewer.api.models import VideoExportRequest  # noqa: E402
from faceter_viewer.demo.service import DemoService  # noqa: E402


def raw_stream(client: httpx.Client, url: str, dest: Path, *, fsync: bool = False) -> None:
    with client.stream("GET", url) as response, open(dest, "wb") as out:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            out.write(chunk)
        if fsync:
            out.flush()
            os.fsync(out.fileno())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    size = args.megabytes * 1024 * 1024
    with tempfile.TemporaryDirectory() as tmp, DemoService(cache_dir=Path(tmp) / "media", export_delay=0.1) as service:
        camera = service.cameras[0]
        start = datetime.fromtimestamp(service.dataset.anchor - 600 - service.dataset.anchor % 10, UTC)
        with IntegrationClient(service.integration_key, service.base_url) as client:
            task = client.create_video_export(camera.id, VideoExportRequest(start_date=start, duration_seconds=2))
            while not (export := client.get_video_export(camera.id, task.export_id)).is_finished:
                time.sleep(0.05)
            job = service.state.exports.get(task.export_id)
            assert export.video_url and job is not None and job.file is not None
            job.file.write_bytes(os.urandom(size))
            folder = Path(tmp)
            runs: dict[str, Callable[[Path], object]] = {
                "raw": lambda dest: raw_stream(raw_client, export.video_url, dest),
                "raw+fsync": lambda dest: raw_stream(raw_client, export.video_url, dest, fsync=True),
                "safe": lambda dest: client.download_file(export.video_url, dest, resume=True),
            }
            times: dict[str, list[float]] = {name: [] for name in runs}
            rng = random.Random(1)
            with httpx.Client(timeout=60) as raw_client:
                for _ in range(args.repeats):  # shuffled each round: the 2 shared cores are noisy
                    order = list(runs.items())
                    rng.shuffle(order)
                    for name, run in order:
                        dest = folder / name
                        began = time.perf_counter()
                        run(dest)
                        times[name].append((time.perf_counter() - began) * 1000)
                        assert dest.stat().st_size == size
                        dest.unlink()
    mb = size / 1024 / 1024
    print(f"file: {mb:.0f} MiB over http://127.0.0.1 (demo FileResponse), {args.repeats} runs each")
    print(summary("raw httpx stream -> file (peer)", times["raw"]))
    print(summary("raw httpx stream -> file + fsync", times["raw+fsync"], times["raw"]))
    print(summary("HttpSession.download (resume, fsync)", times["safe"], times["raw"]))
    rates = {name: mb / (statistics.median(values) / 1000) for name, values in times.items()}
    print(f"throughput: raw {rates['raw']:.0f} MiB/s, raw+fsync {rates['raw+fsync']:.0f} MiB/s, "
          f"download {rates['safe']:.0f} MiB/s; download/raw {rates['safe'] / rates['raw']:.2f}x "
          f"(goal >= 0.90x), download/raw+fsync {rates['safe'] / rates['raw+fsync']:.2f}x")  # fmt: skip

if __name__ == "__main__":
    main()
