"""The peer for player benchmarks: python-vlc as a tutorial would use it, with video callbacks
into a buffer (no Qt, no threads of ours), timing the first picture it displays."""

from __future__ import annotations

import ctypes
import threading
import time

import numpy as np
import vlc

WIDTH, HEIGHT = 640, 360


class BarePlayer:
    def __init__(self, instance: vlc.Instance | None = None, *, count_distinct: bool = False) -> None:
        """`count_distinct`: also count the pictures that differ from the one before
        (`distinct`): libvlc re-displays the last picture when starved, and those are no frames."""
        self.instance = instance or vlc.Instance("--quiet", "--no-xlib", "--aout=adummy")
        self.player = self.instance.media_player_new()
        self.buffer = np.zeros((HEIGHT, WIDTH, 4), dtype=np.uint8)
        self._pointer = ctypes.c_void_p(self.buffer.ctypes.data)
        self.displayed = threading.Event()
        self.first_display: float | None = None
        self.frames = 0
        self.distinct = 0
        self._sample: bytes | None = None
        self.on_display = None  # optional callable(buffer copy) on libvlc's thread

        @vlc.CallbackDecorators.VideoLockCb
        def lock(_opaque, planes):
            planes[0] = self._pointer
            return None

        @vlc.CallbackDecorators.VideoUnlockCb
        def unlock(_opaque, _picture, _planes):
            return None

        @vlc.CallbackDecorators.VideoDisplayCb
        def display(_opaque, _picture):
            self.frames += 1
            if count_distinct:
                sample = self.buffer[::8, ::8].tobytes()  # 14 KB: the timecode band changes every frame
                if sample != self._sample:
                    self._sample = sample
                    self.distinct += 1
            if self.first_display is None:
                self.first_display = time.perf_counter()
            if self.on_display is not None:
                self.on_display(self.buffer[:, :, :3][:, :, ::-1].copy())
            self.displayed.set()

        self._callbacks = (lock, unlock, display)  # keep them alive
        self.player.video_set_callbacks(lock, unlock, display, None)
        self.player.video_set_format("RV32", WIDTH, HEIGHT, WIDTH * 4)

    def open(self, url: str, start_offset: float = 0.0) -> float:
        """Play `url` from `start_offset` s; return when it was asked (perf_counter)."""
        self.player.stop()  # so no picture of the previous media counts
        self.first_display = None
        self.displayed.clear()
        media = self.instance.media_new(url)
        media.add_option(":network-caching=500")
        if start_offset:
            media.add_option(f":start-time={start_offset:.3f}")
        self.player.set_media(media)
        asked = time.perf_counter()
        self.player.play()
        return asked

    def wait_first_frame(self, timeout: float = 20.0) -> float:
        if not self.displayed.wait(timeout):
            raise TimeoutError("no frame")
        assert self.first_display is not None
        return self.first_display

    def close(self) -> None:
        self.player.stop()
        self.player.release()
