"""Where snapshots go and how they are written (on a worker: this is disk I/O)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtGui import QImage


def snapshot_folder() -> Path:
    """The user's Pictures folder, in a "Faceter Viewer" subfolder."""
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return Path(pictures or Path.home()) / "Faceter Viewer"


def write_png(image: QImage, path: Path) -> Path:
    """Write a PNG under a temporary name, then rename: never a half-written snapshot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    if not image.save(str(tmp), "PNG"):
        tmp.unlink(missing_ok=True)
        raise OSError(f"cannot write {path}")
    tmp.replace(path)
    return path
