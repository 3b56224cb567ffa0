"""Export downloads: throughput against a raw httpx stream of the same URL, the GUI thread's
stall while a job downloads, and the Archive API size estimate against the bytes really saved.

    .venv/bin/python benchmarks/bench_exports.py [--rounds 5] [--seconds 600]

The demo service runs in a child process (its ffmpeg and its serving do not take this process's
GIL). One clip of `--seconds` seconds is generated once (the first request), then, alternating,
`--rounds` times each:
- peer: a raw `httpx.stream("GET", clip URL)` written to a file in 256-KB chunks;
- ours, download: `IntegrationClient.download_clip(resume=True, verify=...)`, the call a clip job
  makes (`.part` + validator, fsync, os.replace, the MP4 box walk);
- ours, whole job: a clip ExportJob run by the app's ExportQueue (the download, then SHA-256 and
  the evidence sidecar) while a 10 ms heartbeat runs on the GUI thread.
Printed: MB/s median and the low 5 % (peer, ours download, ours whole job), the ratio to the
peer (goal ≥ 0.9×), the heartbeat lateness median/p95/p99/max (goal p99 ≤ 50 ms), and for clip,
video and audio exports the Archive API size estimate / bytes downloaded.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks._qt import Heartbeat, wait  # noqa: E402
from benchmarks._stats import percentile  # noqa: E402
from faceter_viewer.api import IntegrationClient, rules  # noqa: E402
from faceter_viewer.services.exports.job import ExportJob, ExportMode, ExportRequest, JobState  # noqa: E402
from faceter_viewer.services.exports.queue import ExportQueue  # noqa: E402
from faceter_viewer.services.exports.runner import JobRunner, verify_container  # noqa: E402
from faceter_viewer.services.exports.store import JobStore  # noqa: E402

SERVER = """
import sys, tempfile
from pathlib import Path
from faceter_viewer.demo.service import DemoService
service = DemoService(cameras=4, export_delay=1.0, cache_dir=Path(tempfile.mkdtemp(prefix="bench-exports-")))
service.start()
print(service.base_url, service.integration_key, service.dataset.anchor, flush=True)
sys.stdin.read()
service.stop()
"""

CHUNK = 256 * 1024


def raw_download(url: str, params: list[tuple[str, str]], headers: dict[str, str], dest: Path) -> tuple[float, int]:
    started = time.perf_counter()
    size = 0
    with httpx.stream("GET", url, params=params, headers=headers, timeout=120) as response, open(dest, "wb") as out:
        response.raise_for_status()
        for chunk in response.iter_bytes(CHUNK):
            out.write(chunk)
            size += len(chunk)
    return time.perf_counter() - started, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=1800, help="length of the clip (default 1800 s)")
    args = parser.parse_args()

    server = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    base_url, key, anchor = server.stdout.readline().split()
    app = QApplication([])
    folder = Path(tempfile.mkdtemp(prefix="bench-exports-out-"))
    try:
        client = IntegrationClient(key, base_url)
        camera = next(c for c in client.list_cameras() if c.has_archive_access and c.is_audio_granted)
        start_epoch = int(anchor) - args.seconds - 60
        start = datetime.fromtimestamp(start_epoch, UTC)
        clip_url = f"{base_url}/v1/cameras/{camera.id}/archive/clip"
        params = rules.query_params({"startDate": start, "duration": args.seconds})
        headers = {rules.KEY_HEADER: key}
        print(f"generating a {args.seconds}-s clip once ...", flush=True)
        _, size = raw_download(clip_url, params, headers, folder / "warm.mp4")
        print(f"clip: {size / 1e6:.1f} MB", flush=True)

        queue = ExportQueue(client, folder / "jobs.sqlite3")
        wait(app, lambda: queue.is_loaded, timeout=30)
        heartbeat = Heartbeat()
        peer_rates, ours_rates, ours_job_rates, stalls = [], [], [], []
        for round_ in range(args.rounds):
            seconds, size = raw_download(clip_url, params, headers, folder / f"peer-{round_}.mp4")
            peer_rates.append(size / seconds / 1e6)
            began = time.perf_counter()
            saved = client.download_clip(camera.id, start, args.seconds, folder / f"direct-{round_}.mp4",
                                         resume=True, verify=verify_container)  # fmt: skip
            ours_rates.append(saved.stat().st_size / (time.perf_counter() - began) / 1e6)

            request = ExportRequest(camera=camera, start=start, duration=args.seconds, mode=ExportMode.CLIP,
                                    folder=folder, file_name=f"ours-{round_}.mp4", evidence=True)  # fmt: skip
            heartbeat.start()
            began = time.perf_counter()
            job = queue.submit(request)
            wait(app, lambda: queue.job(job.id).finished, timeout=300)
            ended = time.perf_counter()
            heartbeat.stop()
            stalls.extend(heartbeat.lateness)
            done = queue.job(job.id)
            assert done.state is JobState.DONE, done.error
            ours_job_rates.append(done.dest.stat().st_size / (ended - began) / 1e6)
        queue.close()

        def line(name: str, rates: list[float], peer: list[float] | None = None, goal: str = "") -> str:
            text = f"{name:<40} median {statistics.median(rates):8.1f} MB/s   p95(low) {percentile(rates, 0.05):8.1f} MB/s   n={len(rates)}"
            if peer:
                text += f"   ratio to peer {statistics.median(rates) / statistics.median(peer):5.2f}x"
            return text + (f"   (goal {goal})" if goal else "")

        print(line("peer: raw httpx stream", peer_rates))
        print(line("ours: download_clip (resume, fsync, verify)", ours_rates, peer_rates, "≥ 0.90x"))
        print(line("ours: clip job in the queue (+ SHA-256, evidence)", ours_job_rates, peer_rates))
        print(f"GUI stall during the jobs (10 ms heartbeat, n={len(stalls)}): median {statistics.median(stalls):.2f} ms, "
              f"p95 {percentile(stalls, 0.95):.2f} ms, p99 {percentile(stalls, 0.99):.2f} ms (goal ≤ 50), max {max(stalls):.1f} ms")  # fmt: skip

        # the size estimate against what really arrives, for each mode
        archive = client.archive(camera)
        store = JobStore(folder / "estimate.sqlite3")
        for mode, seconds in ((ExportMode.CLIP, 60), (ExportMode.VIDEO, 60), (ExportMode.AUDIO, 60)):
            estimate = archive.size(start, seconds)
            job = ExportJob(service_url=base_url, camera_id=camera.id, camera_title=camera.title, start=start,
                            duration=seconds, mode=mode, dest=folder / f"estimate-{mode}{mode.suffix}", evidence=False,
                            audio=mode is ExportMode.VIDEO)  # fmt: skip
            JobRunner(client, store).run(job)
            assert job.state is JobState.DONE, job.error
            real = job.dest.stat().st_size
            print(f"size estimate {mode:<5} {seconds} s: estimate {estimate / 1e6:6.2f} MB, downloaded {real / 1e6:6.2f} MB, "
                  f"estimate/real {estimate / real:5.2f}")  # fmt: skip
        store.close()
        client.close()
    finally:
        server.stdin.close()
        server.wait(30)


if __name__ == "__main__":
    main()
