"""Where snapshots go and how they are written (on a worker: this is disk I/O)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtGui import QImage

from faceter_viewer.core.filenames import numbered_filename

MAX_SAME_NAME = 1000  # "name (2).png" … : more snapshots than that in one second is a bug


def snapshot_folder() -> Path:
    """The user's Pictures folder, in a "Faceter Viewer" subfolder."""
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return Path(pictures or Path.home()) / "Faceter Viewer"


def write_png(image: QImage, path: Path) -> Path:
    """Write a PNG at `path`, or at "name (2).png", "name (3).png"… when that name is taken (two
    snapshots in the same second); returns the path written. Never overwrites a file and never
    leaves a half-written one: the picture is written under a temporary name, then given its
    final name only if nobody has it (a hard link is an exclusive, atomic create)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A temporary name of its own: two snapshots of one second are written at the same time.
    handle, name = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=path.parent)
    os.close(handle)
    tmp = Path(name)
    if not image.save(str(tmp), "PNG"):
        tmp.unlink(missing_ok=True)
        raise OSError(f"cannot write {path}")
    try:
        for n in range(1, MAX_SAME_NAME + 1):
            target = path.with_name(numbered_filename(path.name, n))
            if _claim(tmp, target):
                return target
        raise FileExistsError(f"{MAX_SAME_NAME} snapshots named {path.name} already exist")
    finally:
        tmp.unlink(missing_ok=True)


def _claim(tmp: Path, target: Path) -> bool:
    """Give the written file the name `target` unless it exists; False when it does."""
    try:
        os.link(tmp, target)
        return True
    except FileExistsError:
        return False
    except OSError:
        pass  # a file system without hard links (FAT, some network shares): reserve the name
    try:
        with open(target, "xb"):
            pass
    except FileExistsError:
        return False
    os.replace(tmp, target)  # over the empty file this call just created
    return True
