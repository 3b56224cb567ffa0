"""Demo media figures: first segment of a new window, previews, generation speed.

    .venv/bin/python benchmarks/bench_demo_media.py [--repeats 9]

Prints median and p95 of each figure and its ratio to the peer measured in the same run:
chunk sizes against each other (the choice of MediaStore.CHUNK_SECONDS), direct preview
synthesis against extracting the frame from a cached segment, ultrafast against veryfast.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from faceter_viewer.demo.media import CameraLook, MediaStore, decode_epoch_ms
from faceter_viewer.demo.media.graph import ffmpeg_exe

LOOK = CameraLook("bench-cam", "Bench: loading dock", hue=90)
BASE = 1_712_745_600


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(name: str, values: list[float], peer: list[float] | None = None, unit: str = "ms") -> None:
    scale = 1000 if unit == "ms" else 1
    median = statistics.median(values)
    line = f"{name:<52} median {median * scale:8.1f} {unit}  p95 {percentile(values, 0.95) * scale:8.1f} {unit}"
    if peer:
        line += f"  ratio to peer {median / statistics.median(peer):5.2f}"
    print(line)


def timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def first_segment(chunk: int, repeats: int, root: Path) -> tuple[list[float], list[float], list[float]]:
    """Cold first segment, warm first segment, and time until the whole chunk is cached."""
    cold, warm, whole = [], [], []
    with MediaStore(root / f"chunk{chunk}", chunk_seconds=chunk) as store:
        store.preview_jpeg(LOOK, BASE)  # font and binary in the page cache, as in a running app
        for i in range(repeats):
            start = BASE + 10_000 * (i + 1)  # a window nobody asked for before
            began = time.perf_counter()
            store.segment_path(LOOK, start)
            cold.append(time.perf_counter() - began)
            store.segment_path(LOOK, start + chunk - 2)  # let the run end: no overlap with the next
            whole.append(time.perf_counter() - began)
            warm.append(timed(lambda start=start: store.segment_path(LOOK, start)))
    return cold, warm, whole


def playback(chunk: int, seconds: int, root: Path) -> float:
    """Wall time for a player fetching segment after segment of a fresh window."""
    with MediaStore(root / f"play{chunk}", chunk_seconds=chunk) as store:
        start = BASE + 500_000
        return timed(lambda: [store.segment_path(LOOK, s) for s in range(start, start + seconds, 2)])


def generation_speed(preset: str, seconds: int, root: Path) -> float:
    """Seconds of footage made per second of wall time (pregenerate of a long window)."""
    with MediaStore(root / f"speed-{preset}", preset=preset) as store:
        start = BASE + 900_000
        return seconds / timed(lambda: store.pregenerate(LOOK, start, start + seconds))


def preview_from_segment(segment: Path, index: int) -> bytes:
    """The peer: decode the cached segment up to the frame and encode it as JPEG."""
    return subprocess.run(
        [
            ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(segment),
            "-an", "-vf", f"select=eq(n\\,{index}),scale=out_range=full,format=yuvj420p",
            "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3", "-f", "image2pipe", "pipe:1",
        ],
        capture_output=True, check=True,
    ).stdout  # fmt: skip


def previews(repeats: int, root: Path) -> None:
    """Direct synthesis (ours) vs extraction from the segment (peer), cold and warm cache."""
    with MediaStore(root / "preview") as store:
        times = [BASE + 2_000 + 100 * i + 0.52 * i for i in range(repeats)]
        direct_cold = [timed(lambda t=t: decode_epoch_ms(store.preview_jpeg(LOOK, t))) for t in times]
        extract_cold, extract_warm, direct_warm = [], [], []
        for t in times:
            segment_start = int(t) - int(t) % 2
            index = round((t - segment_start) * 1000) // 40

            def extract(start: int = segment_start, n: int = index) -> None:
                decode_epoch_ms(preview_from_segment(store.segment_path(LOOK, start), n))

            extract_cold.append(timed(extract))
            store.pregenerate(LOOK, segment_start, segment_start + store.chunk_seconds)  # settle
            extract_warm.append(timed(extract))
        for t in times:
            direct_warm.append(timed(lambda t=t: decode_epoch_ms(store.preview_jpeg(LOOK, t))))
        report("  direct synthesis (ours), nothing cached", direct_cold, extract_cold)
        report("  direct synthesis (ours), segment cached", direct_warm, extract_warm)
        report("  extract from segment (peer), generate it first", extract_cold)
        report("  extract from segment (peer), segment cached", extract_warm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--speed-seconds", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-demo-media-") as tmp:
        root = Path(tmp)
        print(f"ffmpeg: {ffmpeg_exe()}\n")
        print("First segment of a new window, by chunk size (peer: 2-s chunks)")
        results = {chunk: first_segment(chunk, args.repeats, root) for chunk in (2, 4, 10, 20)}
        for chunk, (cold, warm, whole) in results.items():
            peer = results[2]
            report(f"  chunk {chunk:2d} s: first segment, cold", cold, peer[0])
            report(f"  chunk {chunk:2d} s: whole chunk ready", whole, peer[2])
            report(f"  chunk {chunk:2d} s: first segment, warm (cached)", warm)
        print("\nSequential playback of 30 s of a fresh window (wall time; peer: 2-s chunks)")
        play = {chunk: playback(chunk, 30, root) for chunk in (2, 4, 10, 20)}
        for chunk, seconds in play.items():
            print(f"  chunk {chunk:2d} s: {seconds:6.2f} s  ratio to peer {seconds / play[2]:5.2f}")
        print("\nPreview JPEG latency")
        previews(args.repeats, root)
        print(f"\nGeneration speed ({args.speed_seconds} s window; peer: veryfast)")
        fast = generation_speed("ultrafast", args.speed_seconds, root)
        slow = generation_speed("veryfast", args.speed_seconds, root)
        print(f"  ultrafast (ours): {fast:6.1f} s of footage per s  ratio to peer {fast / slow:5.2f}")
        print(f"  veryfast (peer):  {slow:6.1f} s of footage per s")


if __name__ == "__main__":
    main()
