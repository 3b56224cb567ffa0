"""What a layout tile's header says: its title, its state and its time (issue 12).

One function, `tile_header(view, camera_id, sync_state, known)`, from the tile's CameraView and
the SyncController's word on it, so every tile states the same things the same way:

    live             "● LIVE", or the live keeper's "stalled since …" / "reconnecting…"
    archive          "archive" (paused: "archive ❚❚"), with the tile's own wall time
    buffering        while the player opens, fills its buffer or lands at the layout's time
    no archive here  the layout plays a moment this camera did not record (it joins later)
    offline          the camera is offline (its picture is its last preview)
    unavailable      the tile's camera is not in the camera list (gone, or not loaded yet)
    empty            no camera on the tile
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from faceter_viewer.player.backend import PlayerState
from faceter_viewer.services.camera_view import CameraView
from faceter_viewer.services.playback import Mode
from faceter_viewer.services.sync_controller import TileSync


class TileState(enum.StrEnum):
    EMPTY = "empty"
    UNAVAILABLE = "unavailable"
    LIVE = "live"
    ARCHIVE = "archive"
    BUFFERING = "buffering"
    NO_ARCHIVE = "no archive here"
    OFFLINE = "offline"
    IDLE = "idle"  # a camera, not playing (out of view, or no live address)


@dataclass(frozen=True)
class TileHeader:
    title: str
    state: TileState
    text: str  # the state as the header writes it
    time: float | None = None  # the tile's wall time (archive), epoch seconds


EMPTY_TITLE = "Empty: drag a camera here"


def tile_header(view: CameraView | None, camera_id: str | None, sync_state: TileSync, *, known: bool) -> TileHeader:
    """`known`: the camera list has loaded (an unknown id is "not available", not "loading")."""
    if camera_id is None:
        return TileHeader(EMPTY_TITLE, TileState.EMPTY, "")
    camera = view.camera if view is not None else None
    if view is None or camera is None or camera.id != camera_id:
        if known:
            return TileHeader("Camera not available", TileState.UNAVAILABLE, "not in the camera list")
        return TileHeader("Loading…", TileState.UNAVAILABLE, "")
    title = camera.title or camera.id
    mode = view.playback.mode
    state = view.backend.state()
    busy = state in (PlayerState.OPENING, PlayerState.BUFFERING)
    if sync_state is TileSync.NO_ARCHIVE:
        return TileHeader(title, TileState.NO_ARCHIVE, "no archive here", view.playback.current_time())
    if mode is Mode.ARCHIVE:
        at = view.playback.current_time()
        if busy or sync_state in (TileSync.SEEKING, TileSync.BUFFERING):
            return TileHeader(title, TileState.BUFFERING, "buffering…", at)
        paused = state is PlayerState.PAUSED
        return TileHeader(title, TileState.ARCHIVE, "archive ❚❚" if paused else "archive", at)
    if mode is Mode.LIVE:
        if busy:
            return TileHeader(title, TileState.BUFFERING, "buffering…")
        return TileHeader(title, TileState.LIVE, view.playback.live_health.label)
    if not camera.is_online:
        return TileHeader(title, TileState.OFFLINE, "offline")
    return TileHeader(title, TileState.IDLE, "")
