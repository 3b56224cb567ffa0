"""A full disk where no tiny tmpfs can be mounted: `open` for api/part_file.py whose binary
files fail with ENOSPC once `room` bytes are in them, raised by the file object's write as the
OS would.

    monkeypatch.setattr(part_file, "open", full_disk_open(300_000), raising=False)
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from typing import Any


class FillingFile:
    """A file object whose write fails with ENOSPC when it would pass `room` bytes."""

    def __init__(self, real: Any, room: int) -> None:
        self._real, self._room = real, room

    def write(self, data: bytes) -> int:
        if self._real.tell() + len(data) > self._room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._real.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def full_disk_open(room: int) -> Callable[..., Any]:
    """`open` whose binary files land on a disk with `room` bytes free (text files are real)."""

    def opener(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        real = open(path, mode, *args, **kwargs)  # noqa: SIM115 - the caller closes it
        return FillingFile(real, room) if "b" in mode else real

    return opener
