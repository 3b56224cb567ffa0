"""The ctypes side of libvlc's video output and events for one media player.

`VideoCallbacks` installs the video callbacks (libvlc_video_set_callbacks and
libvlc_video_set_format_callbacks, RV32) and the event callbacks on a player, and forwards
everything to a FrameSink (vlc_frames.py). These run on libvlc's threads: they never call
libvlc and only hand over to the sink, catching every exception (ctypes would only print it).
"""

from __future__ import annotations

import ctypes
import logging
from types import ModuleType
from typing import Any

from faceter_viewer.player.libvlc_events import LIBVLC_EVENT_TYPES, LibvlcEvent
from faceter_viewer.player.vlc_frames import FrameSink

log = logging.getLogger("faceter_viewer.player.vlc_frames")

# python-vlc declares the chroma argument as c_char_p (an immutable copy), so RV32 could not be
# written back; these prototypes pass the caller's buffer.
FORMAT_CB = ctypes.CFUNCTYPE(
    ctypes.c_uint,
    ctypes.POINTER(ctypes.c_void_p),
    ctypes.POINTER(ctypes.c_char),
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
)
CLEANUP_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
LOCK_CB = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))
UNLOCK_CB = ctypes.CFUNCTYPE(
    None, ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)
)
DISPLAY_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)

CHROMA = b"RV32"  # 32-bit BGRX in memory on little-endian = QImage.Format_RGB32


class VideoCallbacks:
    """The ctypes callbacks of one media player. Keep this object alive until the player is
    released: libvlc holds raw pointers to the callbacks."""

    def __init__(self, vlc: ModuleType, sink: FrameSink) -> None:
        self._sink = sink
        self._set_format_callbacks = ctypes.CFUNCTYPE(None, ctypes.c_void_p, FORMAT_CB, CLEANUP_CB)(
            ("libvlc_video_set_format_callbacks", vlc.dll)
        )
        self._set_callbacks = ctypes.CFUNCTYPE(
            None, ctypes.c_void_p, LOCK_CB, UNLOCK_CB, DISPLAY_CB, ctypes.c_void_p
        )(("libvlc_video_set_callbacks", vlc.dll))
        self.format_cb = FORMAT_CB(self._on_format)
        self.cleanup_cb = CLEANUP_CB(self._on_cleanup)
        self.lock_cb = LOCK_CB(self._on_lock)
        self.unlock_cb = UNLOCK_CB(self._on_unlock)
        self.display_cb = DISPLAY_CB(self._on_display)
        self._event_manager: Any = None

    def install(self, player: Any) -> None:
        # ctypes passes python-vlc's object through its _as_parameter_ (the libvlc pointer).
        self._set_callbacks(player, self.lock_cb, self.unlock_cb, self.display_cb, None)
        self._set_format_callbacks(player, self.format_cb, self.cleanup_cb)

    def attach_events(self, vlc: ModuleType, player: Any) -> None:
        manager = player.event_manager()
        for name, kind in LIBVLC_EVENT_TYPES.items():
            manager.event_attach(getattr(vlc.EventType, name), self._on_event, kind)
        self._event_manager = manager  # python-vlc keeps the C callback on this object

    # ctypes calls these on libvlc threads. An exception here would only be printed by ctypes,
    # so each one is caught and logged.

    def _on_format(self, _opaque, chroma, width, height, pitches, lines) -> int:
        try:
            ctypes.memmove(chroma, CHROMA, 4)
            width[0], height[0], pitches[0], lines[0] = self._sink.on_format(width[0], height[0])
            return 1  # one picture buffer
        except Exception:
            log.exception("video format callback failed")
            return 0  # tells libvlc to give up on video

    def _on_cleanup(self, _opaque) -> None:
        pass  # the buffer stays until the next format or the sink goes away

    def _on_lock(self, _opaque, planes) -> None:
        planes[0] = self._sink.on_lock()

    def _on_unlock(self, _opaque, _picture, _planes) -> None:
        pass

    def _on_display(self, _opaque, _picture) -> None:
        try:
            self._sink.on_display()
        except Exception:
            log.exception("video display callback failed")

    def _on_event(self, event: Any, kind: LibvlcEvent) -> None:
        try:
            value = 0.0
            if kind is LibvlcEvent.BUFFERING:
                value = float(event.u.new_cache)
            elif kind is LibvlcEvent.TIME:
                value = float(event.u.new_time)
            elif kind is LibvlcEvent.LENGTH:
                value = float(event.u.new_length)
            self._sink.on_event(kind, value)
        except Exception:
            log.exception("libvlc event callback failed")
