"""MediaStore with the real ffmpeg: segment times, previews, clips, audio, cache and failures."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from faceter_viewer.demo.media import (
    CameraLook,
    MediaError,
    MediaStore,
    decode_epoch_ms,
)
from faceter_viewer.demo.media.graph import ffmpeg_exe

pytestmark = pytest.mark.slow

START = 1_712_745_600  # 2024-04-10T10:40:00Z, a multiple of 10
LOOK = CameraLook("cam/entrance 1", "Entrance: O'Brien's 100% [A;B], \\ ok", hue=200)
PTS_WRAP_SECONDS = 2**33 / 90_000


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MediaStore]:
    with MediaStore(tmp_path / "cache") as media:
        yield media


def ffmpeg(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", *args], capture_output=True)


def frame_times(path: Path) -> list[int]:
    """Decode every frame to RGB through a pipe and read its timecode."""
    result = ffmpeg("-loglevel", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-")
    assert result.returncode == 0, result.stderr
    frames = np.frombuffer(result.stdout, np.uint8).reshape(-1, 360, 640, 3)
    return [decode_epoch_ms(frame) for frame in frames]


def pts_times(path: Path, *extra: str) -> list[float]:
    """Video frame presentation times in seconds, as written in the file."""
    result = ffmpeg(*extra, "-copyts", "-i", str(path), "-an", "-vf", "showinfo", "-f", "null", "-")
    return [float(t) for t in re.findall(rb"pts_time:([\d.]+)", result.stderr)]


def media_duration(path: Path) -> float:
    """Container duration from `ffmpeg -i` (imageio-ffmpeg ships no ffprobe)."""
    match = re.search(rb"Duration: (\d+):(\d+):([\d.]+)", ffmpeg("-i", str(path)).stderr)
    assert match, f"no duration for {path}"
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def on_epoch(seconds: float) -> float:
    """Epoch seconds as MPEG-TS shows them: modulo the 33-bit 90 kHz wrap."""
    return seconds % PTS_WRAP_SECONDS


def test_segment_frames_carry_exact_epoch_milliseconds(store: MediaStore) -> None:
    path = store.segment_path(LOOK, START + 4)
    assert path.suffix == ".ts" and path.read_bytes()[0] == 0x47  # MPEG-TS sync byte
    assert frame_times(path) == [(START + 4) * 1000 + 40 * n for n in range(50)]


def test_segments_of_separate_runs_continue_the_same_clock(store: MediaStore) -> None:
    times = {start: pts_times(store.segment_path(LOOK, start)) for start in (START + 8, START + 30)}
    # START+30 is far outside the first run, so a second ffmpeg run made it.
    for start, pts in times.items():
        assert len(pts) == 50
        assert pts[0] == pytest.approx(on_epoch(start), abs=1e-4)
        assert np.diff(pts) == pytest.approx(0.04, abs=1e-4)


def test_keyframe_every_second_starting_each_segment(store: MediaStore) -> None:
    path = store.segment_path(LOOK, START + 2)
    keyframes = pts_times(path, "-skip_frame", "nokey")
    assert keyframes == pytest.approx([on_epoch(START + 2), on_epoch(START + 3)], abs=1e-4)


def test_first_request_publishes_a_chunk_starting_at_that_segment(store: MediaStore) -> None:
    store.segment_path(LOOK, START + 6)
    # The rest of the chunk arrives as the same ffmpeg run goes on; nothing before START+6.
    for later in range(START + 8, START + 6 + store.chunk_seconds, 2):
        store.segment_path(LOOK, later)
    assert not store.is_cached(LOOK, START + 4)
    files = sorted(p.name for p in store.cache_dir.rglob("*.ts"))
    assert files == [f"{s}.ts" for s in range(START + 6, START + 6 + store.chunk_seconds, 2)]


@pytest.mark.parametrize(
    ("offset", "expected_ms"),
    [(0.0, 0), (0.039, 0), (0.04, 40), (0.5, 480), (1.999, 1960), (7.12, 7120)],
)
def test_preview_shows_the_frame_whose_interval_contains_t(
    store: MediaStore, offset: float, expected_ms: int
) -> None:
    jpeg = store.preview_jpeg(LOOK, START + offset)
    assert jpeg[:2] == b"\xff\xd8"
    assert decode_epoch_ms(jpeg) == START * 1000 + expected_ms


def test_clip_frames_and_duration(store: MediaStore, tmp_path: Path) -> None:
    out = tmp_path / "exports" / "clip.mp4"
    progress: list[float] = []
    store.write_clip(LOOK, START + 10.5, 3.0, out, on_progress=progress.append)
    times = frame_times(out)
    assert len(times) == 75
    assert times[0] == (START + 10) * 1000 + 480  # the frame shown at .500 began at .480
    assert times[-1] == times[0] + 74 * 40
    assert media_duration(out) == pytest.approx(3.0, abs=0.05)
    data = out.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # faststart
    assert progress[0] == 0.0 and progress[-1] == 1.0 and progress == sorted(progress)
    assert [p.name for p in out.parent.iterdir()] == ["clip.mp4"]


def test_audio_export_beeps_at_each_epoch_second(store: MediaStore, tmp_path: Path) -> None:
    out = tmp_path / f"audio{store.AUDIO_SUFFIX}"
    store.write_audio(LOOK, START + 0.5, 2.0, out)
    assert media_duration(out) == pytest.approx(2.0, abs=0.1)
    pcm = ffmpeg("-loglevel", "error", "-i", str(out), "-f", "s16le", "-ac", "1", "-ar", "8000", "-")
    samples = np.abs(np.frombuffer(pcm.stdout, np.int16).astype(np.float64))
    # The file starts at x.5 s; beeps are in the first 100 ms of each second: 0.5-0.6, 1.5-1.6.
    # The encoder's own delay (mp3 ~50 ms of priming) shifts samples a little, so compare the
    # middle of each beep window with the middle of the quiet gaps.
    loud = [samples[int(s * 8000) : int((s + 0.06) * 8000)].mean() for s in (0.52, 1.52)]
    quiet = [samples[int(s * 8000) : int((s + 0.2) * 8000)].mean() for s in (0.15, 0.9, 1.2)]
    assert min(loud) > 10 * max(quiet) + 50


def test_audio_suffix_follows_the_encoders_of_this_ffmpeg(store: MediaStore) -> None:
    encoders = ffmpeg("-encoders").stdout
    assert store.AUDIO_SUFFIX == (".mp3" if b"libmp3lame" in encoders else ".m4a")


def test_audio_falls_back_to_m4a_without_libmp3lame(tmp_path: Path) -> None:
    script = tmp_path / "ffmpeg-without-lame"
    script.write_text(
        f"#!{sys.executable}\n"
        "import os, subprocess, sys\n"
        f"real = {ffmpeg_exe()!r}\n"
        "if '-encoders' in sys.argv:\n"
        "    out = subprocess.run([real, *sys.argv[1:]], capture_output=True).stdout\n"
        "    sys.stdout.buffer.write(b''.join(l for l in out.splitlines(True) if b'mp3' not in l))\n"
        "else:\n"
        "    os.execv(real, [real, *sys.argv[1:]])\n"
    )
    script.chmod(0o755)
    with MediaStore(tmp_path / "cache", ffmpeg=str(script)) as store:
        assert store.AUDIO_SUFFIX == ".m4a"
        out = tmp_path / f"audio{store.AUDIO_SUFFIX}"
        store.write_audio(LOOK, START, 1.0, out)
    info = ffmpeg("-i", str(out)).stderr
    assert b"Audio: aac" in info and b"Video" not in info
    assert media_duration(out) == pytest.approx(1.0, abs=0.1)


def test_concurrent_requests_for_one_segment_run_ffmpeg_once(
    store: MediaStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[list[str]] = []
    real_run = store._runner.run

    def counting_run(args: list[str], **kwargs: object) -> bytes:
        runs.append(list(args))
        return real_run(args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store._runner, "run", counting_run)
    barrier = threading.Barrier(6)
    results: dict[int, Path] = {}

    def ask(index: int) -> None:
        barrier.wait()
        results[index] = store.segment_path(LOOK, START)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 6 and len(set(results.values())) == 1
    assert len(runs) == 1
    assert frame_times(results[0])[0] == START * 1000
    # The rest of that chunk comes from the same run, whether it is still going or done.
    for later in range(START + 2, START + store.chunk_seconds, 2):
        store.segment_path(LOOK, later)
    assert len(runs) == 1


def test_cache_cap_evicts_least_recently_used(tmp_path: Path) -> None:
    with MediaStore(tmp_path / "probe", chunk_seconds=2) as probe:
        size = probe.segment_path(LOOK, START).stat().st_size
    cap = int(size * 3.5)  # room for three segments
    with MediaStore(tmp_path / "cache", chunk_seconds=2, max_cache_bytes=cap) as store:
        a, b, c = (store.segment_path(LOOK, START + s) for s in (0, 2, 4))
        store.segment_path(LOOK, START)  # A used again: B is now the oldest
        store.segment_path(LOOK, START + 6)
        assert [store.is_cached(LOOK, START + s) for s in (0, 2, 4, 6)] == [True, False, True, True]
        assert a.exists() and not b.exists() and c.exists()
        assert store.cache_bytes <= cap
    # A new store on the same folder keeps the order (mtimes) and the cap.
    with MediaStore(tmp_path / "cache", chunk_seconds=2, max_cache_bytes=int(size * 2.5)) as again:
        assert [again.is_cached(LOOK, START + s) for s in (0, 4, 6)] == [True, False, True]


def _killing_ffmpeg(tmp_path: Path) -> str:
    """An 'ffmpeg' that runs the real one and SIGKILLs it right after its first stdout line."""
    script = tmp_path / "killing-ffmpeg"
    script.write_text(
        f"#!{sys.executable}\n"
        "import subprocess, sys\n"
        f"p = subprocess.Popen([{ffmpeg_exe()!r}, *sys.argv[1:]], stdout=subprocess.PIPE)\n"
        "sys.stdout.buffer.write(p.stdout.readline()); sys.stdout.flush()\n"
        "p.kill(); p.wait(); sys.exit(137)\n"
    )
    script.chmod(0o755)
    return str(script)


def test_killed_ffmpeg_leaves_no_partial_segment(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with MediaStore(cache, chunk_seconds=10, ffmpeg=_killing_ffmpeg(tmp_path)) as store:
        first = store.segment_path(LOOK, START)  # published before the kill: complete
        with pytest.raises(MediaError, match="failed"):
            store.segment_path(LOOK, START + 2)
        assert len(frame_times(first)) == 50
        assert [p.name for p in cache.rglob("*.ts")] == [first.name]
        assert list((cache / "tmp").iterdir()) == []
        assert not store.is_cached(LOOK, START + 2)


def test_killed_clip_export_leaves_nothing_under_the_name(tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    with MediaStore(tmp_path / "cache", ffmpeg=_killing_ffmpeg(tmp_path)) as store:
        with pytest.raises(MediaError, match="exit 137"):
            store.write_clip(LOOK, START, 120.0, out)
    assert list(tmp_path.glob("*clip.mp4*")) == []


def test_missing_ffmpeg_is_a_media_error(tmp_path: Path) -> None:
    with MediaStore(tmp_path / "cache", ffmpeg=str(tmp_path / "no-such-ffmpeg")) as store:
        with pytest.raises(MediaError):
            store.segment_path(LOOK, START)
        with pytest.raises(MediaError, match="cannot start"):
            store.preview_jpeg(LOOK, START)


def test_pregenerate_reports_progress_and_is_faster_than_real_time(store: MediaStore) -> None:
    progress: list[float] = []
    began = time.perf_counter()
    store.pregenerate(LOOK, START + 100, START + 120, on_progress=progress.append)
    elapsed = time.perf_counter() - began
    assert progress[0] == 0.0 and progress[-1] == 1.0 and progress == sorted(progress)
    assert len(progress) == 11
    assert all(store.is_cached(LOOK, s) for s in range(START + 100, START + 120, 2))
    assert elapsed < 20, f"20 s of footage took {elapsed:.1f} s: live could not keep up"


def test_segment_start_must_be_int_on_the_two_second_grid(store: MediaStore) -> None:
    with pytest.raises(ValueError, match="multiple"):
        store.segment_path(LOOK, START + 1)
    with pytest.raises(TypeError):
        store.segment_path(LOOK, float(START))  # type: ignore[arg-type]


def test_looks_differ_and_a_renamed_camera_gets_fresh_frames(store: MediaStore) -> None:
    other_hue = CameraLook(LOOK.camera_id, LOOK.title, hue=20)
    renamed = CameraLook(LOOK.camera_id, "Back door", hue=200)
    pictures = [store.preview_jpeg(look, START) for look in (LOOK, other_hue, renamed)]
    assert len(set(pictures)) == 3
    assert len({look.cache_dir_name() for look in (LOOK, other_hue, renamed)}) == 3
    assert {decode_epoch_ms(p) for p in pictures} == {START * 1000}


def test_stale_temp_folders_from_a_crash_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / "cache" / "tmp" / "dead-run"
    stale.mkdir(parents=True)
    (stale / "seg_00000.ts").write_bytes(b"half")
    fresh = stale.parent / "running-now"
    fresh.mkdir()
    old = time.time() - 7200
    os.utime(stale, (old, old))
    MediaStore(tmp_path / "cache").close()
    assert not stale.exists() and fresh.exists()
