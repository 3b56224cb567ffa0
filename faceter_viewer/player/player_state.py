"""PlayerState: where a player stands. Its own module, without Qt, so the stream machine
(stream_machine.py) can use it; player/backend.py re-exports it with the interface."""

from __future__ import annotations

import enum


class PlayerState(enum.Enum):
    IDLE = "idle"  # nothing opened, or stopped
    OPENING = "opening"  # open() called, the stream is being connected
    BUFFERING = "buffering"  # connected, waiting for (more) pictures
    PLAYING = "playing"  # pictures are moving
    PAUSED = "paused"
    ENDED = "ended"  # a finite stream (archive) played to its end; live streams that stop too
    ERROR = "error"  # see the message of error_occurred
