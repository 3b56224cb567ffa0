"""Real demo footage made on demand with ffmpeg, every frame stamped with a readable timecode.

``MediaStore`` is what the demo server calls; ``decode_timecode`` reads a frame's time back
(tests, benchmarks and the app's own self-checks use it).
"""

from __future__ import annotations

from faceter_viewer.demo.media.look import CameraLook
from faceter_viewer.demo.media.runner import MediaError
from faceter_viewer.demo.media.store import MediaStore
from faceter_viewer.demo.media.timecode import (
    TimecodeError,
    decode_epoch_ms,
    decode_timecode,
    draw_timecode,
)

__all__ = [
    "CameraLook",
    "MediaError",
    "MediaStore",
    "TimecodeError",
    "decode_epoch_ms",
    "decode_timecode",
    "draw_timecode",
]
