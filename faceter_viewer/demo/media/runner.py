"""Running ffmpeg: one place for process handling, error text and shutdown."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence

from faceter_viewer.demo.media.graph import ffmpeg_exe


class MediaError(RuntimeError):
    """Generating demo media failed (the message carries the end of ffmpeg's error output)."""


class FfmpegRunner:
    """Starts ffmpeg processes and remembers the running ones so ``close`` can end them."""

    def __init__(self, executable: str | None = None) -> None:
        self.executable = executable or ffmpeg_exe()
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._closed = False

    def run(
        self,
        args: Sequence[str],
        *,
        on_line: Callable[[str], None] | None = None,
        what: str = "ffmpeg",
    ) -> bytes:
        """Run ``ffmpeg args``; feed each stdout line to ``on_line`` or return all of stdout.

        Raises MediaError on a non-zero exit. If ``on_line`` raises, ffmpeg is killed first.
        """
        cmd = [self.executable, "-hide_banner", "-nostdin", "-loglevel", "error", *args]
        # stderr goes to a file, not a pipe: nobody has to drain it while we read stdout.
        with tempfile.TemporaryFile() as errors:
            process = self._start(cmd, errors)
            try:
                assert process.stdout is not None
                if on_line is None:
                    output = process.stdout.read()
                else:
                    output = b""
                    for raw in process.stdout:
                        on_line(raw.decode("utf-8", "replace").rstrip("\r\n"))
                returncode = process.wait()
            except BaseException:
                process.kill()
                process.wait()
                raise
            finally:
                process.stdout.close()
                with self._lock:
                    self._running.discard(process)
            if returncode != 0:
                errors.seek(0)
                tail = errors.read()[-1500:].decode("utf-8", "replace").strip()
                raise MediaError(f"{what} failed (exit {returncode}): {tail or 'no error text'}")
        return output

    def close(self) -> None:
        """Kill every running ffmpeg; later ``run`` calls fail at once."""
        with self._lock:
            self._closed = True
            running = list(self._running)
        for process in running:
            process.kill()

    def _start(self, cmd: list[str], errors: object) -> subprocess.Popen[bytes]:
        with self._lock:
            if self._closed:
                raise MediaError("the media store is closed")
            try:
                process = subprocess.Popen(
                    cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors
                )
            except OSError as exc:
                raise MediaError(f"cannot start ffmpeg ({self.executable}): {exc}") from exc
            self._running.add(process)
        return process
