"""Pixels of QImages as numpy arrays, for reading the demo's timecode out of painted frames."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def qimage_to_array(image: QImage) -> np.ndarray:
    """An HxWx3 RGB copy of `image` (row padding dropped)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    stride = rgb.bytesPerLine()
    raw = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=stride * rgb.height())
    return raw.reshape(rgb.height(), stride)[:, : rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3).copy()
