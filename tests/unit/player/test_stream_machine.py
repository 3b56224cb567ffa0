"""StreamMachine without libvlc or Qt: sequences of what libvlc reports go in, with a hand-driven
clock, and the actions VlcBackend would carry out come out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from faceter_viewer.player.libvlc_events import LIBVLC_EVENT_TYPES, LibvlcEvent
from faceter_viewer.player.player_state import PlayerState
from faceter_viewer.player.stream_actions import (
    ApplyAudio,
    ApplyRate,
    Begin,
    Discard,
    EmitError,
    EmitFirstFrame,
    EmitPosition,
    HoldForSeek,
    IssuePendingSeek,
    NextFrame,
    Pause,
    PausePlayer,
    RefreshAudio,
    ReleaseHold,
    Reopen,
    Resume,
    SeekNow,
    SetDuration,
    SetState,
    ShowFirstWhilePaused,
    ShowFrame,
    SkipRepeatsOfShown,
)
from faceter_viewer.player.stream_machine import STALLED_AFTER, STEP_TIMEOUT, StreamMachine

FRAME = 0.04  # 25 fps, the machine's default until the stream says otherwise
SOURCE = "(from 127.0.0.1:8080)"


class FakeTime:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def wall() -> FakeTime:
    return FakeTime()


@pytest.fixture
def machine(wall: FakeTime) -> StreamMachine:
    return StreamMachine(open_timeout=20.0, now=wall)


def frames(machine: StreamMachine, wall: FakeTime, count: int) -> list:
    """`count` pictures one frame apart, each reported as libvlc displays it."""
    actions = []
    for _ in range(count):
        wall.advance(FRAME)
        actions += machine.on_frame(wall.now)
    return actions


def start_playing(machine: StreamMachine, wall: FakeTime, offset: float = 0.0) -> None:
    machine.open(offset, source=SOURCE)
    machine.session_created()
    machine.on_event(LibvlcEvent.PLAYING)
    if offset:
        machine.on_event(LibvlcEvent.HELD, seekable=True)
    wall.advance(0.3)
    machine.on_frame(wall.now)
    frames(machine, wall, 5)
    assert machine.state is PlayerState.PLAYING


def test_open_buffers_then_plays_from_its_first_frame(machine: StreamMachine, wall: FakeTime):
    assert machine.open(0.0, source=SOURCE) == [
        SetState(PlayerState.OPENING),
        Begin(start_offset=0.0, paused=False),
    ]
    assert machine.session_created() == []  # from 0: nothing to hold back
    assert machine.on_event(LibvlcEvent.PLAYING) == [
        RefreshAudio(),
        ApplyAudio(),
        SetState(PlayerState.BUFFERING),  # playing, but no picture yet
    ]
    assert machine.on_event(LibvlcEvent.LENGTH, 60_000.0) == [SetDuration(60.0)]
    wall.advance(0.4)
    assert machine.on_frame(wall.now) == [
        SetState(PlayerState.PLAYING),
        ShowFrame(0.0),
        EmitFirstFrame(pytest.approx(0.4)),
        EmitPosition(0.0),  # the landing anchors the position
    ]
    later = frames(machine, wall, 2)
    assert later == [ShowFrame(pytest.approx(FRAME)), ShowFrame(pytest.approx(2 * FRAME))]
    wall.advance(0.02)
    assert machine.position() == pytest.approx(2 * FRAME + 0.02)


def test_open_at_an_offset_holds_pictures_and_seeks_once_the_first_is_held(
    machine: StreamMachine, wall: FakeTime
):
    assert machine.open(12.5, source=SOURCE)[-1] == Begin(start_offset=12.5, paused=False)
    assert machine.session_created() == [HoldForSeek()]
    assert machine.awaiting_landing
    assert machine.on_event(LibvlcEvent.HELD, seekable=True) == [IssuePendingSeek(12.5)]
    assert machine.on_event(LibvlcEvent.HELD, seekable=True) == []  # once
    wall.advance(1.0)
    assert machine.position() == 12.52  # the first frame at or after 12.5 s, standing still
    wall.advance(0.5)
    actions = machine.on_frame(wall.now)
    assert ShowFrame(12.52) in actions and actions[-1] == EmitPosition(12.52)
    assert not machine.awaiting_landing


def test_a_live_stream_opened_at_an_offset_just_shows_what_comes(
    machine: StreamMachine, wall: FakeTime
):
    machine.open(5.0, source=SOURCE)
    machine.session_created()
    assert machine.on_event(LibvlcEvent.HELD, seekable=False) == [ReleaseHold()]
    assert machine.position() == 0.0


def test_a_seek_before_the_first_picture_lands_there_instead(
    machine: StreamMachine, wall: FakeTime
):
    machine.open(0.0, source=SOURCE)
    assert machine.seek(30.0, seekable=True) == []  # no player yet (libvlc still loading)
    machine.session_created()
    assert machine.seek(30.0, seekable=True) == [HoldForSeek(), EmitPosition(30.0)]
    assert machine.seek(40.0, seekable=True) == [EmitPosition(40.0)]  # one hold is enough
    assert machine.on_event(LibvlcEvent.HELD, seekable=True) == [IssuePendingSeek(40.0)]
    wall.advance(0.5)
    assert machine.on_frame(wall.now)[-1] == EmitPosition(40.0)


def test_a_seek_while_playing_holds_the_position_until_its_picture_lands(
    machine: StreamMachine, wall: FakeTime
):
    start_playing(machine, wall)
    assert machine.seek(20.0, seekable=True) == [SeekNow(20.0), EmitPosition(20.0)]
    assert machine.awaiting_landing
    assert machine.frame_step() == []  # the picture of the seek is not there yet
    wall.advance(0.8)
    assert machine.position() == 20.0
    assert machine.tick() == []  # not a stall yet
    actions = machine.on_frame(wall.now)
    assert actions == [ShowFrame(20.0), EmitPosition(20.0)]
    frames(machine, wall, 3)
    assert machine.position() == pytest.approx(20.0 + 3 * FRAME)


def test_a_seek_in_a_live_stream_is_ignored(machine: StreamMachine, wall: FakeTime):
    start_playing(machine, wall)
    assert machine.seek(20.0, seekable=False) == []
    assert not machine.awaiting_landing


def test_a_seek_is_clamped_to_the_last_frame(machine: StreamMachine, wall: FakeTime):
    start_playing(machine, wall)
    machine.on_event(LibvlcEvent.LENGTH, 60_000.0)
    assert machine.seek(75.0, seekable=True)[0] == SeekNow(pytest.approx(60.0 - FRAME))


def test_a_seek_while_paused_opens_a_fresh_player_that_pauses_on_its_landing(
    machine: StreamMachine, wall: FakeTime
):
    start_playing(machine, wall)
    assert machine.pause() == [Pause(show_next=False), SetState(PlayerState.PAUSED)]
    assert machine.seek(8.0, seekable=True) == [
        Begin(start_offset=8.0, paused=True),
        EmitPosition(8.0),
    ]
    assert machine.session_created() == [HoldForSeek(), ShowFirstWhilePaused()]
    assert machine.on_event(LibvlcEvent.HELD, seekable=True) == [IssuePendingSeek(8.0)]
    wall.advance(0.6)
    assert machine.on_frame(wall.now) == [PausePlayer(), ShowFrame(8.0), EmitPosition(8.0)]
    assert machine.state is PlayerState.PAUSED
    assert machine.play() == [Resume(), SetState(PlayerState.PLAYING)]


def test_an_open_paused_lands_on_its_frame_and_waits_for_play(machine: StreamMachine, wall: FakeTime):
    # Synchronized tiles: each lands PAUSED on the frame asked for, then all play at once.
    assert machine.open(12.5, source=SOURCE, paused=True)[-1] == Begin(start_offset=12.5, paused=True)
    assert machine.session_created() == [HoldForSeek(), ShowFirstWhilePaused()]
    machine.on_event(LibvlcEvent.PLAYING)
    assert machine.state is PlayerState.BUFFERING
    assert machine.on_event(LibvlcEvent.HELD, seekable=True) == [IssuePendingSeek(12.5)]
    wall.advance(0.5)
    assert machine.on_frame(wall.now) == [
        PausePlayer(),
        SetState(PlayerState.PAUSED),
        ShowFrame(12.52),
        EmitFirstFrame(pytest.approx(0.5)),
        EmitPosition(12.52),
    ]
    wall.advance(2.0)
    assert machine.position() == 12.52  # standing on its frame
    assert machine.play() == [Resume(), SetState(PlayerState.PLAYING)]
    frames(machine, wall, 5)
    assert machine.position() == pytest.approx(12.52 + 5 * FRAME)


def test_play_before_a_paused_open_lands_plays_from_the_landing(machine: StreamMachine, wall: FakeTime):
    machine.open(3.0, source=SOURCE, paused=True)
    machine.session_created()
    assert machine.play() == [Resume(), SetState(PlayerState.BUFFERING)]
    machine.on_event(LibvlcEvent.HELD, seekable=True)
    wall.advance(0.5)
    actions = machine.on_frame(wall.now)
    assert PausePlayer() not in actions and SetState(PlayerState.PLAYING) in actions
    frames(machine, wall, 2)
    assert machine.position() == pytest.approx(3.0 + 2 * FRAME)


def test_no_picture_for_a_while_is_buffering_and_the_next_one_is_playing(
    machine: StreamMachine, wall: FakeTime
):
    start_playing(machine, wall)
    wall.advance(STALLED_AFTER - 0.1)
    assert machine.tick() == []
    stalled_at = machine.position()
    wall.advance(0.2)
    assert machine.tick() == [SetState(PlayerState.BUFFERING)]
    assert machine.tick() == []  # said once
    wall.advance(1.0)
    assert machine.position() == stalled_at  # the clock stopped with the pictures
    assert frames(machine, wall, 1)[0] == SetState(PlayerState.PLAYING)


def test_a_paused_player_never_stalls(machine: StreamMachine, wall: FakeTime):
    start_playing(machine, wall)
    machine.pause()
    wall.advance(10 * STALLED_AFTER)
    assert machine.tick() == []
    assert machine.state is PlayerState.PAUSED


def test_a_frame_step_moves_one_frame_when_its_picture_comes(
    machine: StreamMachine, wall: FakeTime
):
    start_playing(machine, wall)
    assert machine.frame_step() == [
        Pause(show_next=False),
        SetState(PlayerState.PAUSED),
        NextFrame(),
    ]
    paused_at = machine.position()
    wall.advance(0.1)
    assert machine.on_frame(wall.now) == [ShowFrame(pytest.approx(paused_at + FRAME))]
    wall.advance(STEP_TIMEOUT * 2)
    assert machine.tick() == []  # the step's picture came: nothing to redo


def test_a_frame_step_libvlc_ignores_is_made_by_a_fresh_paused_player(
    machine: StreamMachine, wall: FakeTime
):
    start_playing(machine, wall)
    machine.pause()
    shown = machine.position()
    assert machine.frame_step() == [NextFrame()]
    wall.advance(STEP_TIMEOUT - 0.1)
    assert machine.tick() == []
    wall.advance(0.2)
    actions = machine.tick()
    assert actions == [Begin(start_offset=pytest.approx(shown + FRAME / 2), paused=True)]
    assert machine.session_created() == [HoldForSeek(), ShowFirstWhilePaused()]
    machine.on_event(LibvlcEvent.HELD, seekable=True)
    wall.advance(0.5)
    assert machine.on_frame(wall.now) == [
        PausePlayer(),
        ShowFrame(pytest.approx(shown + FRAME)),
        EmitPosition(pytest.approx(shown + FRAME)),
    ]


def test_resuming_after_frame_steps_plays_the_next_frame_from_a_fresh_player(
    machine: StreamMachine, wall: FakeTime
):
    start_playing(machine, wall)
    machine.frame_step()
    wall.advance(0.1)
    machine.on_frame(wall.now)
    shown = machine.position()
    assert machine.play() == [
        SetState(PlayerState.BUFFERING),
        Begin(start_offset=pytest.approx(shown + FRAME / 2), paused=False),
    ]
    assert machine.session_created() == [HoldForSeek(), SkipRepeatsOfShown()]
    assert machine.position() == pytest.approx(shown + FRAME)


def test_an_error_fails_the_stream_and_play_retries_where_it_failed(
    machine: StreamMachine, wall: FakeTime
):
    start_playing(machine, wall, offset=10.0)
    machine.on_event(LibvlcEvent.LENGTH, 60_000.0)
    failed_at = machine.position()
    message = f"The video stream could not be played {SOURCE}. Check the connection and retry."
    assert machine.on_event(LibvlcEvent.ERROR) == [
        Discard(),
        SetState(PlayerState.ERROR),
        EmitError(message),
    ]
    assert machine.error == message
    wall.advance(1.0)
    assert machine.on_frame(wall.now) == []  # the failed player is gone
    assert machine.tick() == []
    assert machine.play() == [Reopen(pytest.approx(failed_at))]
    machine.open(failed_at, source=SOURCE)
    assert machine.error is None


def test_no_first_picture_within_the_open_timeout_fails(machine: StreamMachine, wall: FakeTime):
    machine.open(0.0, source=SOURCE)
    machine.session_created()
    wall.advance(19.9)
    assert machine.tick() == []
    wall.advance(0.2)
    assert machine.tick() == [
        Discard(),
        SetState(PlayerState.ERROR),
        EmitError(f"No video arrived within 20 s {SOURCE}."),
    ]


def test_the_end_stands_at_the_duration_and_play_starts_over(
    machine: StreamMachine, wall: FakeTime
):
    start_playing(machine, wall)
    machine.on_event(LibvlcEvent.LENGTH, 30_000.0)
    assert machine.on_event(LibvlcEvent.ENDED) == [SetState(PlayerState.ENDED)]
    assert machine.on_event(LibvlcEvent.STOPPED) == []  # already ended
    wall.advance(5.0)
    assert machine.position() == 30.0
    assert machine.tick() == []  # no pictures after the end is no stall
    assert machine.pause() == []
    assert machine.play() == [Reopen(0.0)]


def test_a_player_that_stops_by_itself_has_ended(machine: StreamMachine, wall: FakeTime):
    start_playing(machine, wall)
    assert machine.on_event(LibvlcEvent.STOPPED) == [SetState(PlayerState.ENDED)]


def test_commands_wait_for_the_player_and_stop_goes_idle(machine: StreamMachine, wall: FakeTime):
    machine.open(0.0, source=SOURCE)
    assert machine.pause() == [] and machine.frame_step() == []  # libvlc still loading
    assert machine.set_rate(2.0) == []  # the backend applies its rate to the new player
    assert machine.on_frame(wall.now) == []
    machine.session_created()
    assert machine.set_rate(1.5) == [ApplyRate(1.5)]
    assert machine.frame_step() == []  # nothing shown yet
    assert machine.stop() == [Discard(), SetState(PlayerState.IDLE)]
    assert machine.position() == 0.0
    assert machine.play() == [Reopen(0.0)]


def test_the_stream_frame_rate_sets_the_frame_grid(machine: StreamMachine, wall: FakeTime):
    machine.set_frame_rate(50.0)
    machine.set_frame_rate(0.0)  # "unknown" keeps what it had
    assert machine.fps == 50.0
    machine.open(1.001, source=SOURCE)
    assert machine.position() == pytest.approx(1.02)  # the next 50 fps frame


def test_every_python_vlc_event_type_maps_to_a_kind() -> None:
    assert set(LIBVLC_EVENT_TYPES.values()) == set(LibvlcEvent) - {LibvlcEvent.HELD}


def test_the_machine_imports_neither_qt_nor_libvlc_nor_the_backend() -> None:
    code = (
        "import sys; import faceter_viewer.player.stream_machine; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'vlc')"
        " or m.startswith('faceter_viewer.player.vlc_')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=Path(__file__).resolve().parents[3],  # this checkout's faceter_viewer
    )
    assert result.stdout.strip() == "[]"
