"""The video track's size and frame rate, read from libvlc with a correct ctypes layout.

Why not python-vlc's `Media.tracks_get()`: its `MediaTrack` declares libvlc's union
{audio, video, subtitle} as three consecutive pointers, so `track.video` of a video track reads
the wrong field (NULL), and it never calls `libvlc_media_tracks_release` (a leak per call).
Why not only `MediaPlayer.video_get_size()`: after a seek made as the streams appear (how we
open at an offset), libvlc 3 keeps answering 0x0 for that player.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from types import ModuleType
from typing import Any

TRACK_VIDEO = 1  # libvlc_track_type_t: unknown -1, audio 0, video 1, text 2


class _VideoTrack(ctypes.Structure):
    _fields_ = (
        ("height", ctypes.c_uint),
        ("width", ctypes.c_uint),
        ("sar_num", ctypes.c_uint),
        ("sar_den", ctypes.c_uint),
        ("frame_rate_num", ctypes.c_uint),
        ("frame_rate_den", ctypes.c_uint),
    )  # more fields follow in libvlc; we only read these and never allocate the struct


class _MediaTrack(ctypes.Structure):
    _fields_ = (
        ("codec", ctypes.c_uint32),
        ("original_fourcc", ctypes.c_uint32),
        ("id", ctypes.c_int),
        ("type", ctypes.c_int),
        ("profile", ctypes.c_int),
        ("level", ctypes.c_int),
        ("details", ctypes.c_void_p),  # the union: audio / video / subtitle pointer
        ("bitrate", ctypes.c_uint),
        ("language", ctypes.c_char_p),
        ("description", ctypes.c_char_p),
    )


_TRACKS = ctypes.POINTER(ctypes.POINTER(_MediaTrack))


@dataclass(frozen=True)
class VideoTrackInfo:
    width: int
    height: int
    fps: float  # 0 when the stream does not say


class TrackReader:
    """Binds libvlc_media_tracks_get/release once per loaded libvlc."""

    def __init__(self, vlc: ModuleType) -> None:
        self._get = ctypes.CFUNCTYPE(ctypes.c_uint, ctypes.c_void_p, ctypes.POINTER(_TRACKS))(
            ("libvlc_media_tracks_get", vlc.dll)
        )
        self._release = ctypes.CFUNCTYPE(None, _TRACKS, ctypes.c_uint)(
            ("libvlc_media_tracks_release", vlc.dll)
        )

    def video(self, media: Any) -> VideoTrackInfo | None:
        """The first video track with a known size, or None."""
        tracks = _TRACKS()
        count = self._get(media, ctypes.byref(tracks))
        if not count:
            return None
        try:
            for index in range(count):
                track = tracks[index].contents
                if track.type != TRACK_VIDEO or not track.details:
                    continue
                video = ctypes.cast(track.details, ctypes.POINTER(_VideoTrack)).contents
                if video.width and video.height:
                    fps = (
                        video.frame_rate_num / video.frame_rate_den if video.frame_rate_den else 0.0
                    )
                    return VideoTrackInfo(video.width, video.height, fps)
            return None
        finally:
            self._release(tracks, count)
