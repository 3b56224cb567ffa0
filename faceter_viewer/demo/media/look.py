"""What the generated picture of one demo camera looks like."""

from __future__ import annotations

import colorsys
import hashlib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CameraLook:
    camera_id: str  # cache key
    title: str  # drawn on every frame
    hue: int = 0  # 0..359 background tint so cameras differ

    def cache_dir_name(self) -> str:
        """A file-system-safe folder name that changes when anything drawn changes.

        The id alone is the cache key the callers think of, but a renamed camera must not be
        served frames with the old title, so title and hue go into a short hash.
        """
        safe_id = re.sub(r"[^A-Za-z0-9_.-]", "_", self.camera_id)[:48] or "camera"
        digest = hashlib.sha256(f"{self.camera_id}\0{self.title}\0{self.hue}".encode()).hexdigest()
        return f"{safe_id}-{digest[:10]}"

    def rgb_hex(self, saturation: float, value: float) -> str:
        """The camera's tint as ffmpeg colour syntax (0xRRGGBB)."""
        r, g, b = colorsys.hsv_to_rgb((self.hue % 360) / 360, saturation, value)
        return f"0x{round(r * 255):02X}{round(g * 255):02X}{round(b * 255):02X}"
