"""One opened stream: a libvlc media player with its callbacks. Every open() (and every seek
made while paused, see vlc_backend) gets a fresh session, so nothing of an old stream - a late
picture, a Stopped event - reaches the new one. What the stream has done so far (first picture,
pending seek, steps...) is the stream machine's (stream_machine.py), not kept here.

All methods here are libvlc calls that return at once (measured well under 1 ms); the one that
can block, stopping the player, runs on a background thread (`release`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from faceter_viewer.player.vlc_callbacks import VideoCallbacks
from faceter_viewer.player.vlc_frames import FrameSink
from faceter_viewer.player.vlc_runtime import VlcRuntime, release_in_background
from faceter_viewer.player.vlc_tracks import TrackReader

log = logging.getLogger(__name__)


@dataclass
class VlcSession:
    runtime: VlcRuntime
    player: Any  # vlc.MediaPlayer
    media: Any  # vlc.Media
    sink: FrameSink
    callbacks: VideoCallbacks  # referenced until the player is released: libvlc calls them
    tracks: TrackReader
    size_serial: int = -1  # the sink's format serial the video size was last asked for

    @classmethod
    def create(
        cls,
        runtime: VlcRuntime,
        tracks: TrackReader,
        url: str,
        notify: Callable[[], None],
        *,
        network_caching_ms: int,
    ) -> VlcSession:
        """A player for `url` rendering through video callbacks into a new FrameSink (not
        playing yet: call play() once the sink is set up)."""
        sink = FrameSink(notify)
        callbacks = VideoCallbacks(runtime.vlc, sink)
        media = runtime.instance.media_new(url)
        media.add_option(f":network-caching={network_caching_ms}")
        player = runtime.instance.media_player_new()
        callbacks.install(player)
        callbacks.attach_events(runtime.vlc, player)
        player.set_media(media)
        return cls(runtime, player, media, sink, callbacks, tracks)

    # -- libvlc calls that return at once -------------------------------------------------------

    def play(self) -> bool:
        return self.player.play() == 0

    def set_pause(self, paused: bool) -> None:
        self.player.set_pause(1 if paused else 0)

    def seek(self, seconds: float) -> None:
        self.player.set_time(round(seconds * 1000))

    def is_seekable(self) -> bool:
        return bool(self.player.is_seekable())

    def next_frame(self) -> None:
        self.player.next_frame()

    def set_rate(self, rate: float) -> None:
        self.player.set_rate(rate)

    def apply_audio(self, muted: bool, volume: int) -> None:
        self.player.audio_set_mute(muted)
        self.player.audio_set_volume(volume)

    def has_audio(self) -> bool:
        # The count includes the "Disable" pseudo-track when there is any audio track at all.
        return self.player.audio_get_track_count() > 0

    def video_format(self) -> tuple[int, int, float] | None:
        """(width, height, fps) of the picture - the real size, not the one libvlc proposes to
        the format callback - or None while unknown. fps is 0 when the stream does not say."""
        info = self.tracks.video(self.media)
        if info is not None:
            return info.width, info.height, info.fps
        try:
            width, height = self.player.video_get_size(0)
        except Exception:  # noqa: BLE001 - python-vlc raises VLCException without a video output
            return None
        return (width, height, 0.0) if width > 0 and height > 0 else None

    # -- the end ----------------------------------------------------------------------------------

    def release(self, owner: object) -> None:
        """Silence the callbacks now; stop and free the player on a background thread, tracked
        under `owner` by vlc_runtime (wait_for_releases)."""
        self.sink.close()

        def stop_and_release() -> None:
            self.player.stop()  # joins libvlc's threads: may wait on the network
            self.player.release()
            self.media.release()
            # `self` (and so the ctypes callbacks) stays referenced until libvlc is done.

        release_in_background(stop_and_release, owner=owner)
