"""Test media for the player tests: real HLS made by the ffmpeg binary, served on 127.0.0.1.

Every frame carries the machine-readable timecode of the demo cameras
(faceter_viewer/demo/media/timecode.py) with the frame's MEDIA time in milliseconds, so a test
can decode from a painted picture exactly which frame it is. Other player test modules use the
fixtures by binding them at module level (`hls_source = test_player_media.hls_source`).
"""

from __future__ import annotations

import atexit
import functools
import http.server
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from faceter_viewer.demo.media.graph import ffmpeg_exe, font_file, quote
from faceter_viewer.demo.media.timecode import (
    TimecodeError,
    decode_epoch_ms,
    timecode_drawboxes,
)
from tests.helpers.frames import qimage_to_array

FPS = 25
WIDTH, HEIGHT = 640, 360
SECONDS = 40
SEGMENT_SECONDS = 2


@dataclass(frozen=True)
class HlsSource:
    url: str  # the playlist on 127.0.0.1
    seconds: int
    fps: int
    width: int
    height: int
    audio: bool


def make_hls(folder: Path, *, seconds: int = SECONDS, audio: bool = True) -> Path:
    """A VOD playlist of testsrc2 + timecode (+ a 440 Hz tone), 1-s GOP, 2-s segments."""
    folder.mkdir(parents=True, exist_ok=True)
    media_ms = f"(floor(t*{FPS}+0.5)*{1000 // FPS})"
    text = "drawtext=text='%{pts\\:hms}':x=20:y=h-th-20:fontsize=28:fontcolor=white:box=1:boxcolor=black"
    if font_file():
        text += f":fontfile={quote(font_file() or '')}"
    video_filter = ",".join([*timecode_drawboxes(media_ms, WIDTH, HEIGHT), text])
    args = [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=s={WIDTH}x{HEIGHT}:r={FPS}:d={seconds}",
    ]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=f=440:d={seconds}"]
    args += [
        "-vf",
        video_filter,
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        "-g",
        str(FPS),
        "-keyint_min",
        str(FPS),
        "-sc_threshold",
        "0",
        "-bf",
        "0",
    ]
    if audio:
        args += ["-c:a", "aac", "-b:a", "64k", "-ac", "1", "-shortest"]
    args += ["-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod",
             "-hls_segment_filename", str(folder / "seg%03d.ts"), str(folder / "index.m3u8")]  # fmt: skip
    subprocess.run(args, check=True, timeout=120)
    return folder / "index.m3u8"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):
            pass  # libvlc closes connections mid-segment when it stops or seeks

    def do_GET(self) -> None:
        # A stalling network, on request: StaticServer.stall(path, seconds).
        stall = getattr(self.server, "stalls", {}).get(self.path)
        if stall is not None:
            stall.wait(30)
        super().do_GET()


@dataclass
class StaticServer:
    server: http.server.ThreadingHTTPServer
    thread: threading.Thread

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stall(self, path: str) -> threading.Event:
        """Requests for `path` wait until the returned event is set (or 30 s)."""
        event = threading.Event()
        self.server.stalls[path] = event  # type: ignore[attr-defined]
        return event

    def close(self) -> None:
        for event in getattr(self.server, "stalls", {}).values():
            event.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def serve_directory(folder: Path) -> StaticServer:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.stalls = {}  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, name="test-hls-server", daemon=True)
    thread.start()
    return StaticServer(server, thread)


def image_timecode_ms(image: QImage) -> int:
    """The media milliseconds burnt into a frame (TimecodeError if unreadable)."""
    return decode_epoch_ms(qimage_to_array(image))


@functools.cache
def shared_hls_server() -> StaticServer:
    """One set of test media and one server per test process, whichever module asks first
    (the fixtures below are re-exported by other modules, which makes pytest create them once
    per module; this keeps ffmpeg from running again for each)."""
    root = Path(tempfile.mkdtemp(prefix="player-hls-"))
    make_hls(root / "av", audio=True)
    make_hls(root / "video-only", seconds=10, audio=False)
    (root / "stalling").symlink_to(root / "av", target_is_directory=True)  # for stall tests
    (root / "broken").mkdir()
    (root / "broken" / "index.m3u8").write_text(
        "#EXTM3U\n#EXTINF:2.0,\nmissing.ts\n#EXT-X-ENDLIST\n"
    )
    server = serve_directory(root)

    def cleanup() -> None:
        server.close()
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(cleanup)
    return server


@pytest.fixture(scope="session")
def hls_server() -> StaticServer:
    return shared_hls_server()


@pytest.fixture(scope="session")
def hls_source(hls_server: StaticServer) -> HlsSource:
    return HlsSource(f"{hls_server.origin}/av/index.m3u8", SECONDS, FPS, WIDTH, HEIGHT, audio=True)


@pytest.fixture(scope="session")
def hls_video_only(hls_server: StaticServer) -> HlsSource:
    return HlsSource(
        f"{hls_server.origin}/video-only/index.m3u8", 10, FPS, WIDTH, HEIGHT, audio=False
    )


def test_generated_hls_carries_the_media_time_in_every_frame(
    hls_source: HlsSource, tmp_path: Path
) -> None:
    """The fixture itself: ffmpeg decodes the served playlist at 7.5 s to the 7.52 s frame."""
    frame = tmp_path / "frame.png"
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-ss", "7.5", "-i", hls_source.url,
         "-frames:v", "1", "-y", str(frame)],
        check=True, timeout=60,
    )  # fmt: skip
    image = QImage(str(frame))
    assert (image.width(), image.height()) == (WIDTH, HEIGHT)
    assert image_timecode_ms(image) in (7480, 7520)  # the nearest frame either side
    black = QImage(WIDTH, HEIGHT, QImage.Format.Format_RGB32)
    black.fill(0)
    with pytest.raises(TimecodeError):
        image_timecode_ms(black)
