"""File names made from camera titles and times (snapshots, clips, exports), safe on every OS.

A camera title is whatever someone typed in a cloud console, so it may hold what a file name
must not: characters Windows forbids (`<>:"/\\|?*`, controls), invisible ones that make a name
read differently from what it is (bidi overrides such as U+202E turn "clip‮4pm.exe" around;
zero-width spaces and joiners, the BOM, other format characters), a Windows device name
(`CON`, `NUL`, `COM1`, `CONIN$`, and the superscript `COM¹` Windows also reserves), or enough
multi-byte letters to pass the 255-byte limit of ext4, APFS and NTFS-on-Linux. The length is
capped in UTF-8 bytes (MAX_NAME_BYTES for the whole name, suffix included), cut on a character
boundary, so a Cyrillic or CJK title never makes an unwritable name.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_DIGITS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³")  # Windows reserves COM¹..³ too
_RESERVED = {
    "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$",
    *(f"COM{d}" for d in _DIGITS), *(f"LPT{d}" for d in _DIGITS),
}  # fmt: skip
MAX_NAME_BYTES = 240  # under the 255-byte limit, with room for " (12)" and ".part"


def clean_title(title: str) -> str:
    """The title as a file-name part: NFC, no invisible or forbidden characters, no dots or
    spaces at its ends (Windows drops them), not a device name; "camera" when nothing is left."""
    name = unicodedata.normalize("NFC", title)
    # Cf: format characters (bidi controls, zero-width space/joiners, BOM, soft hyphen); Co/Cn:
    # private-use and unassigned code points, which render as nothing or a box.
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cf", "Co", "Cn", "Cs"))
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .") or "camera"
    if is_reserved(name):
        name = "_" + name
    return name


def is_reserved(name: str) -> bool:
    """A Windows device name, with or without an extension ("NUL.txt", "com1 .mp4" too)."""
    return name.split(".")[0].strip(" ").upper() in _RESERVED


def safe_filename(title: str, when: datetime, suffix: str, extra: str = "") -> str:
    """`Front gate_2026-04-10_03-12-05.png`: the cleaned title (cut to fit), the time as given
    (the caller chooses local or UTC) without characters Windows forbids, `extra`, the suffix.
    At most MAX_NAME_BYTES in UTF-8."""
    stamp = when.strftime("%Y-%m-%d_%H-%M-%S")
    suffix = suffix if suffix.startswith(".") or not suffix else "." + suffix
    tail = f"_{stamp}{_UNSAFE.sub('_', extra)}{suffix}"
    room = MAX_NAME_BYTES - len(tail.encode("utf-8"))
    name = _cut_to_bytes(clean_title(title), max(room, 1)).rstrip(" .") or "camera"
    return name + tail


def _cut_to_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 is at most `limit` bytes (whole characters)."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")


def numbered_filename(name: str, n: int) -> str:
    """The n-th choice of a name when the first is taken: `a.png`, `a (2).png`, `a (3).png`."""
    if n <= 1:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        return f"{name} ({n})"
    return f"{stem} ({n}).{suffix}"
