"""On-demand demo footage: HLS segments, preview frames, MP4 clips and audio files.

Segments are generated a CHUNK at a time: one ffmpeg run writes up to CHUNK_SECONDS / 2
segments, starting AT the segment asked for (not on a fixed grid) and stopping short of
segments already cached or promised. Each segment is published to the cache the moment ffmpeg
closes it (the segment muxer writes its name to our stdout pipe then), so a player opening a new
window waits ~0.15 s for its first segment whatever the chunk size. The chunk size only trades
ffmpeg start-up (~0.1 s per run) against CPU spent on footage nobody watches when the user jumps
away; ``benchmarks/bench_demo_media.py`` measures both.

Previews are synthesised directly (one frame from the same filter graph): ~25-60 ms, faster than
decoding a cached segment and independent of the cache.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from faceter_viewer.demo.media.cache import SEGMENT_SUFFIX, SegmentCache
from faceter_viewer.demo.media.graph import FrameGraph, aac_args, has_encoder, x264_args
from faceter_viewer.demo.media.look import CameraLook
from faceter_viewer.demo.media.runner import FfmpegRunner, MediaError

log = logging.getLogger(__name__)

Progress = Callable[[float], None]
_SEGMENT_NAME = re.compile(r"seg_(\d{5})\.ts$")
_STALE_TEMP_SECONDS = 3600


@dataclass
class _ChunkJob:
    segment_starts: list[int]
    published: set[int] = field(default_factory=set)
    finished: bool = False
    error: BaseException | None = None


class MediaStore:
    SEGMENT_SECONDS = 2
    # Measured on 2 cores (bench_demo_media.py): the first segment takes ~0.15 s for 2, 4, 10 and
    # 20 s chunks alike; 30 s of sequential playback costs 2.0 / 1.7 / 1.7 / 1.4 s of wall time;
    # a whole chunk costs 0.15 / 0.3 / 0.5 / 1.0 s of CPU. 10 s keeps start-up overhead at ~20 %
    # and the work wasted by a jump away (which competes with the next request) near 0.4 s.
    CHUNK_SECONDS = 10
    WAIT_TIMEOUT_SECONDS = 120.0

    def __init__(
        self,
        cache_dir: Path,
        *,
        max_cache_bytes: int = 2 * 1024**3,
        width: int = 640,
        height: int = 360,
        fps: int = 25,
        chunk_seconds: int = CHUNK_SECONDS,
        preset: str = "ultrafast",
        ffmpeg: str | None = None,
    ) -> None:
        if chunk_seconds <= 0 or chunk_seconds % self.SEGMENT_SECONDS:
            raise ValueError(f"chunk_seconds must be a positive multiple of {self.SEGMENT_SECONDS}")
        self.cache_dir = Path(cache_dir)
        self.width, self.height, self.fps = width, height, fps
        self.frame_ms = 1000 // fps
        self.chunk_seconds = chunk_seconds
        self.preset = preset
        self._cache = SegmentCache(self.cache_dir / "segments", max_cache_bytes)
        self._temp_root = self.cache_dir / "tmp"
        self._remove_stale_temp()
        self._runner = FfmpegRunner(ffmpeg)
        # Two workers on two cores: a pregeneration never blocks a player's request for long.
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="demo-media")
        self._cond = threading.Condition()
        self._owners: dict[tuple[str, int], _ChunkJob] = {}  # (look dir, segment start) -> job
        self._closed = False

    # ---- public interface -------------------------------------------------------------------

    @property
    def AUDIO_SUFFIX(self) -> str:  # noqa: N802 - reads as the constant callers expect
        """".mp3" where this ffmpeg has libmp3lame, else ".m4a" (AAC)."""
        return ".mp3" if has_encoder(self._runner.executable, "libmp3lame") else ".m4a"

    @property
    def cache_bytes(self) -> int:
        return self._cache.total_bytes

    def segment_path(self, look: CameraLook, start: int) -> Path:
        """The MPEG-TS file of the 2-s segment starting at ``start`` (epoch s), made if missing."""
        self._check_segment_start(start)
        path = self._segment_file(look, start)
        for _ in range(3):  # a segment evicted between publish and return is simply made again
            if self._cache.touch(path):
                return path
            job = self._chunk_job(look, start)
            with self._cond:
                ready = self._cond.wait_for(
                    lambda: start in job.published or job.finished, self.WAIT_TIMEOUT_SECONDS
                )
            if not ready:
                raise MediaError(f"timed out waiting for segment {start} of {look.camera_id}")
            if start not in job.published:
                raise MediaError(f"segment {start} of {look.camera_id} failed") from job.error
        raise MediaError(f"segment {start} of {look.camera_id} keeps being evicted (cache too small)")

    def is_cached(self, look: CameraLook, start: int) -> bool:
        return self._segment_file(look, start) in self._cache

    def pregenerate(
        self, look: CameraLook, start: int, end: int, on_progress: Progress | None = None
    ) -> None:
        """Make every segment overlapping [start, end); progress 0..1 (raise in it to stop)."""
        first = int(start) - int(start) % self.SEGMENT_SECONDS
        starts = list(range(first, int(end), self.SEGMENT_SECONDS)) or [first]
        if on_progress:
            on_progress(0.0)
        for done, segment_start in enumerate(starts, 1):
            self.segment_path(look, segment_start)
            if on_progress:
                on_progress(done / len(starts))

    def frame_start_ms(self, t: float) -> int:
        """Unix ms of the frame shown at ``t`` (epoch s): the frame whose interval contains t.

        ``t`` is first rounded to the microsecond, so 1712745600.04 (stored as ...039999996)
        means the frame at .040, not the one before.
        """
        micros = round(t * 1_000_000)
        return micros // (self.frame_ms * 1000) * self.frame_ms

    def preview_jpeg(self, look: CameraLook, t: float) -> bytes:
        """JPEG of the frame shown at ``t``, synthesised directly (faster than decoding a segment)."""
        graph = self._graph(look)
        jpeg = self._runner.run(
            [
                "-filter_complex", graph.video(self.frame_start_ms(t)), "-map", "[v]",
                "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj420p",
                "-f", "image2pipe", "pipe:1",
            ],
            what="preview",
        )  # fmt: skip
        if not jpeg.startswith(b"\xff\xd8"):
            raise MediaError("preview: ffmpeg produced no JPEG")
        return jpeg

    def write_clip(
        self,
        look: CameraLook,
        start: float,
        duration: float,
        out: Path,
        on_progress: Progress | None = None,
        *,
        audio: bool = True,
    ) -> None:
        """MP4 (H.264, plus AAC when ``audio``; moov first) of [start, start+duration); ``out``
        appears only whole. Without ``audio`` the file has no audio stream at all (not a silent one)."""
        first_ms = self.frame_start_ms(start)
        seconds = self._frames(duration) * self.frame_ms / 1000
        graph = self._graph(look)
        if audio:
            graphs = graph.video(first_ms) + ";" + graph.audio(first_ms)
            sources = ["-filter_complex", graphs, "-map", "[v]", "-map", "[a]"]
            audio_codec = aac_args()
        else:
            sources = ["-filter_complex", graph.video(first_ms), "-map", "[v]"]
            audio_codec = ["-an"]
        args = [
            *sources, "-t", f"{seconds:.3f}",
            *x264_args(self.fps, self.preset), *audio_codec, "-movflags", "+faststart", "-f", "mp4",
        ]  # fmt: skip
        self._write_file(args, Path(out), seconds, on_progress, "clip")

    def write_audio(
        self,
        look: CameraLook,
        start: float,
        duration: float,
        out: Path,
        on_progress: Progress | None = None,
    ) -> None:
        """Audio-only file of [start, start+duration) in the AUDIO_SUFFIX format."""
        first_ms = self.frame_start_ms(start)
        seconds = self._frames(duration) * self.frame_ms / 1000
        if self.AUDIO_SUFFIX == ".mp3":
            codec = ["-c:a", "libmp3lame", "-b:a", "64k", "-ac", "1", "-f", "mp3"]
        else:
            codec = [*aac_args(), "-movflags", "+faststart", "-f", "ipod"]
        args = [
            "-filter_complex", self._graph(look).audio(first_ms), "-map", "[a]",
            "-t", f"{seconds:.3f}", *codec,
        ]  # fmt: skip
        self._write_file(args, Path(out), seconds, on_progress, "audio export")

    def close(self) -> None:
        """Stop running ffmpeg processes and worker threads; waiting callers get MediaError."""
        self._closed = True
        self._runner.close()
        self._executor.shutdown(wait=True, cancel_futures=True)
        with self._cond:
            for job in self._owners.values():
                if not job.finished:
                    job.error = MediaError("the media store was closed")
                    job.finished = True
            self._cond.notify_all()

    def __enter__(self) -> MediaStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- chunks -----------------------------------------------------------------------------

    def _chunk_job(self, look: CameraLook, start: int) -> _ChunkJob:
        """The job that makes segment ``start``: a running one, or a new chunk beginning there.

        A new chunk starts AT the requested segment (not on a fixed grid), so a player opening a
        window anywhere waits for one segment, not for the ones before it in some grid chunk. It
        stops short of segments that are cached or promised by another job.
        """
        directory = look.cache_dir_name()
        with self._cond:
            job = self._owners.get((directory, start))
            if job is not None:
                return job
            if self.is_cached(look, start):  # published by a job that ended meanwhile
                return _ChunkJob([start], published={start}, finished=True)
            if self._closed:
                raise MediaError("the media store is closed")
            starts = [start]
            step = self.SEGMENT_SECONDS
            for later in range(start + step, start + self.chunk_seconds, step):
                if (directory, later) in self._owners or self.is_cached(look, later):
                    break
                starts.append(later)
            job = _ChunkJob(starts)
            for segment_start in starts:
                self._owners[(directory, segment_start)] = job
            self._executor.submit(self._run_chunk_job, look, directory, job)
        return job

    def _run_chunk_job(self, look: CameraLook, directory: str, job: _ChunkJob) -> None:
        chunk_start, count = job.segment_starts[0], len(job.segment_starts)
        temp = self._temp_root / uuid.uuid4().hex
        final = {s: self._segment_file(look, s) for s in job.segment_starts}
        began = time.perf_counter()
        try:
            temp.mkdir(parents=True)
            with self._cache.pinned(final.values()):
                self._runner.run(
                    self._chunk_args(look, chunk_start, count, temp),
                    on_line=lambda name: self._publish(job, temp, name, final),
                    what=f"{count} segments from {chunk_start} of {look.camera_id}",
                )
                missing = sorted(set(job.segment_starts) - job.published)
                if missing:
                    raise MediaError(f"ffmpeg finished without segments {missing}")
            log.debug("%d segments from %d made in %.2f s", count, chunk_start,
                      time.perf_counter() - began)  # fmt: skip
        except BaseException as exc:  # recorded for the waiters, who raise it
            if not self._closed:
                log.warning("segments from %d of %s failed: %s", chunk_start, look.camera_id, exc)
            job.error = exc
        finally:
            shutil.rmtree(temp, ignore_errors=True)
            with self._cond:
                job.finished = True
                for segment_start in job.segment_starts:
                    if self._owners.get((directory, segment_start)) is job:
                        del self._owners[(directory, segment_start)]
                self._cond.notify_all()

    def _publish(self, job: _ChunkJob, temp: Path, name: str, final: dict[int, Path]) -> None:
        match = _SEGMENT_NAME.search(name)
        if not match:
            raise MediaError(f"unexpected segment name from ffmpeg: {name!r}")
        start = job.segment_starts[0] + self.SEGMENT_SECONDS * int(match.group(1))
        if start not in final:
            raise MediaError(f"ffmpeg made more segments than asked: {name!r}")
        self._cache.publish(temp / match.group(0), final[start])
        with self._cond:
            job.published.add(start)
            self._cond.notify_all()

    def _chunk_args(self, look: CameraLook, chunk_start: int, count: int, temp: Path) -> list[str]:
        graph = self._graph(look)
        start_ms = chunk_start * 1000
        return [
            "-filter_complex", graph.video(start_ms) + ";" + graph.audio(start_ms),
            "-map", "[v]", "-map", "[a]", "-t", str(count * self.SEGMENT_SECONDS),
            *x264_args(self.fps, self.preset), *aac_args(),
            # PTS = epoch seconds (mod 2^33 ticks) so segments of separate runs play as one stream;
            # no mux delay, and no shifting of the whole stream because AAC starts 21 ms early.
            "-muxdelay", "0", "-muxpreload", "0", "-avoid_negative_ts", "disabled",
            "-f", "segment", "-segment_time", str(self.SEGMENT_SECONDS),
            "-segment_format", "mpegts", "-initial_offset", str(chunk_start),
            "-segment_list", "pipe:1", "-segment_list_type", "flat",
            str(temp / "seg_%05d.ts"),
        ]  # fmt: skip

    # ---- helpers ----------------------------------------------------------------------------

    def _write_file(
        self, args: list[str], out: Path, seconds: float, on_progress: Progress | None, what: str
    ) -> None:
        """Run ffmpeg into a hidden temp name beside ``out``; rename only after success."""
        out.parent.mkdir(parents=True, exist_ok=True)
        part = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.part")

        def on_line(line: str) -> None:
            key, _, value = line.partition("=")
            if on_progress and key == "out_time_us" and value.strip().lstrip("-").isdigit():
                on_progress(min(1.0, max(0.0, int(value) / 1e6 / seconds)))

        try:
            if on_progress:
                on_progress(0.0)
            args = [*args, "-progress", "pipe:1", "-nostats", str(part)]
            self._runner.run(args, on_line=on_line, what=what)
            part.replace(out)
        finally:
            part.unlink(missing_ok=True)
        if on_progress:
            on_progress(1.0)

    def _frames(self, duration: float) -> int:
        frames = round(duration * self.fps)
        if frames < 1:
            raise ValueError(f"duration must cover at least one frame, got {duration}")
        return frames

    def _graph(self, look: CameraLook) -> FrameGraph:
        return FrameGraph(look, self.width, self.height, self.fps)

    def _segment_file(self, look: CameraLook, start: int) -> Path:
        return self._cache.root / look.cache_dir_name() / f"{start}{SEGMENT_SUFFIX}"

    def _check_segment_start(self, start: int) -> None:
        if isinstance(start, bool) or not isinstance(start, int):
            raise TypeError(f"segment start must be int epoch seconds, got {start!r}")
        if start % self.SEGMENT_SECONDS:
            raise ValueError(f"segment start must be a multiple of {self.SEGMENT_SECONDS}: {start}")

    def _remove_stale_temp(self) -> None:
        """Temp folders left by a crashed process (none of ours lives an hour)."""
        if not self._temp_root.is_dir():
            return
        now = time.time()
        for entry in self._temp_root.iterdir():
            try:
                if now - entry.stat().st_mtime > _STALE_TEMP_SECONDS:
                    shutil.rmtree(entry, ignore_errors=True)
            except FileNotFoundError:
                pass
