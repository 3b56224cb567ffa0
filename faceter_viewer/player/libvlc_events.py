"""The kinds of event a FrameSink (vlc_frames.py) collects for the GUI thread: libvlc's media
player events that matter here, plus the sink's own HELD. No Qt, no libvlc: the stream machine
(stream_machine.py) reads them too.
"""

from __future__ import annotations

import enum


class LibvlcEvent(enum.Enum):
    OPENING = "opening"
    BUFFERING = "buffering"  # value: the cache fill in percent
    PLAYING = "playing"
    PAUSED = "paused"
    STOPPED = "stopped"
    ENDED = "ended"
    ERROR = "error"
    TIME = "time"  # value: libvlc's time in ms
    LENGTH = "length"  # value: the media's length in ms
    ES_ADDED = "es_added"
    VOUT = "vout"
    # Not libvlc's: the sink held back the stream's first picture for a pending seek (libvlc
    # displayed it, so its start-up is over and a seek now lands precisely).
    HELD = "held"


# python-vlc EventType name -> the kind it is collected as (vlc_callbacks attaches these).
LIBVLC_EVENT_TYPES: dict[str, LibvlcEvent] = {
    "MediaPlayerOpening": LibvlcEvent.OPENING,
    "MediaPlayerBuffering": LibvlcEvent.BUFFERING,
    "MediaPlayerPlaying": LibvlcEvent.PLAYING,
    "MediaPlayerPaused": LibvlcEvent.PAUSED,
    "MediaPlayerStopped": LibvlcEvent.STOPPED,
    "MediaPlayerEndReached": LibvlcEvent.ENDED,
    "MediaPlayerEncounteredError": LibvlcEvent.ERROR,
    "MediaPlayerTimeChanged": LibvlcEvent.TIME,
    "MediaPlayerLengthChanged": LibvlcEvent.LENGTH,
    "MediaPlayerESAdded": LibvlcEvent.ES_ADDED,
    "MediaPlayerVout": LibvlcEvent.VOUT,
}
