"""File names made from camera titles and times (snapshots, clips, exports)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_STEM = 120


def safe_filename(title: str, when: datetime, suffix: str, extra: str = "") -> str:
    """`Front gate_2026-04-10_03-12-05.png`: safe on Windows, macOS and Linux.

    Characters that are illegal or awkward in a file name become `_`, the title is trimmed of
    dots and spaces at its ends (Windows drops them), reserved device names get a `_` prefix, and
    the stem is at most 120 characters. The time is written as it is given (the caller chooses
    local or UTC), without characters Windows forbids.
    """
    name = unicodedata.normalize("NFC", title)
    name = _UNSAFE.sub("_", name).strip(" .") or "camera"
    if name.split(".")[0].upper() in _RESERVED:
        name = "_" + name
    stamp = when.strftime("%Y-%m-%d_%H-%M-%S")
    stem = f"{name[:MAX_STEM - len(stamp) - len(extra) - 2]}_{stamp}{extra}"
    return stem + (suffix if suffix.startswith(".") or not suffix else "." + suffix)


def numbered_filename(name: str, n: int) -> str:
    """The n-th choice of a name when the first is taken: `a.png`, `a (2).png`, `a (3).png`."""
    if n <= 1:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        return f"{name} ({n})"
    return f"{stem} ({n}).{suffix}"
