"""LiveKeeper: when live re-opens itself and what the header says meanwhile, driven by a scripted
player (tests/helpers/fake_backend.py) and injected clocks, so "the picture froze for 4.2 s"
happens exactly when the test says and nothing waits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from PySide6.QtGui import QImage

from faceter_viewer.player.backend import PlayerState
from faceter_viewer.services.live_keeper import (
    BACKOFF_SECONDS,
    CATCH_UP_SECONDS,
    OPEN_SECONDS,
    STALL_SECONDS,
    LiveHealth,
    LiveKeeper,
    LiveState,
    backoff_delay,
)
from tests.helpers.fake_backend import FakeBackend

WALL_START = datetime(2026, 12, 2, 18, 2, 30).timestamp()
URL = "http://127.0.0.1:1/live/cam/index.m3u8"


class Clocks:
    """A monotonic and a wall clock that move together, only when told."""

    def __init__(self) -> None:
        self.mono = 1000.0
        self.wall_at_start = WALL_START

    def now(self) -> float:
        return self.mono

    def wall(self) -> float:
        return self.wall_at_start + (self.mono - 1000.0)


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def keeper(qtbot, backend: FakeBackend, clocks: Clocks) -> Iterator[LiveKeeper]:
    keeper = LiveKeeper(backend, lambda: backend.open(URL), now=clocks.now, wall=clocks.wall)
    keeper.changes = []
    keeper.health_changed.connect(keeper.changes.append)
    keeper.recoveries = []
    keeper.recovered.connect(lambda: keeper.recoveries.append(clocks.mono))
    backend.open(URL)  # what PlaybackController.play_live does before start()
    keeper.start()
    yield keeper
    keeper.stop()


def run(keeper: LiveKeeper, clocks: Clocks, seconds: float, *, frames: FakeBackend | None = None) -> None:
    """Let `seconds` pass in watchdog ticks; with `frames`, a new picture every 40 ms."""
    step = 0.04 if frames is not None else 0.25
    end = clocks.mono + seconds
    while clocks.mono < end - 1e-9:
        clocks.mono = min(end, clocks.mono + step)
        if frames is not None:
            frames.frame_ready.emit(QImage(16, 16, QImage.Format.Format_RGB32))
        keeper.tick()


def opens(backend: FakeBackend) -> int:
    return len(backend.opened)


def test_the_backoff_doubles_from_one_second_and_stops_at_fifteen():
    assert [backoff_delay(n) for n in range(7)] == [1.0, 2.0, 4.0, 8.0, 15.0, 15.0, 15.0]
    assert BACKOFF_SECONDS[-1] == 15.0


def test_a_player_that_keeps_failing_is_reopened_with_growing_delays(keeper, backend, clocks):
    backend.show_first_frame()
    assert keeper.health.label == "● LIVE"
    reopened_at = []
    for _ in range(6):
        backend.fail()
        assert keeper.health.state is LiveState.RECONNECTING
        before, failed_at = opens(backend), clocks.mono
        while opens(backend) == before:
            run(keeper, clocks, 0.25)
            assert clocks.mono - failed_at < 20, "never re-opened"
        reopened_at.append(round(clocks.mono - failed_at))
    assert reopened_at == [1, 2, 4, 8, 15, 15]
    assert backend.last_opened.url == URL


def test_pictures_that_flow_again_reset_the_backoff_and_say_so(keeper, backend, clocks):
    backend.show_first_frame()
    for _ in range(3):  # three failures in a row: the next wait would be 8 s
        backend.fail()
        run(keeper, clocks, 5)
    assert keeper.health.attempt == 3
    backend.show_first_frame()  # the third re-open plays
    assert keeper.health == LiveHealth(LiveState.PLAYING, clocks.wall(), 0)
    assert len(keeper.recoveries) == 1
    backend.fail()
    before = opens(backend)
    run(keeper, clocks, 1.0)
    assert opens(backend) == before + 1, "the backoff did not start from 1 s again"


def test_a_frozen_picture_is_stalled_since_its_time_then_reopened(keeper, backend, clocks):
    backend.show_first_frame()
    run(keeper, clocks, 2.5, frames=backend)  # frames until 18:02:32.5
    frozen_at = clocks.wall()
    backend.report_buffering(0.0)  # the StreamMachine's watchdog: a second without a picture
    assert keeper.health.state is LiveState.STALLED
    assert keeper.health.label == "stalled since 18:02:32"
    assert keeper.health.last_frame_wall == pytest.approx(frozen_at)
    before = opens(backend)
    run(keeper, clocks, STALL_SECONDS - 0.2)
    assert opens(backend) == before, "re-opened before the stall lasted STALL_SECONDS"
    run(keeper, clocks, 0.5)
    assert keeper.health.state is LiveState.RECONNECTING
    assert keeper.health.label == "reconnecting… (stalled since 18:02:32)"
    run(keeper, clocks, backoff_delay(0))
    assert opens(backend) == before + 1
    assert keeper.health.label.startswith("reconnecting…"), "the old picture is still on screen"
    backend.show_first_frame()
    assert keeper.health.label == "● LIVE"


def test_the_keeper_notices_a_stall_even_without_buffering_reported(keeper, backend, clocks):
    backend.show_first_frame()
    run(keeper, clocks, 1.5)  # no frames, no state change from the player
    assert keeper.health.state is LiveState.STALLED
    run(keeper, clocks, STALL_SECONDS)
    assert keeper.health.state is LiveState.RECONNECTING


def test_an_open_that_never_shows_a_picture_is_retried(keeper, backend, clocks):
    assert keeper.health.label == "connecting…"
    run(keeper, clocks, OPEN_SECONDS - 0.5)
    assert opens(backend) == 1
    run(keeper, clocks, 1.0 + backoff_delay(0))
    assert opens(backend) == 2


def test_an_ended_stream_is_reopened(keeper, backend, clocks):
    backend.show_first_frame()
    backend.end()  # libvlc ENDs live HLS when its playlist or first segment is refused
    assert keeper.health.state is LiveState.RECONNECTING
    run(keeper, clocks, 1.0)
    assert opens(backend) == 2


def test_stalls_that_healed_but_left_the_picture_behind_reopen_at_the_live_edge(keeper, backend, clocks):
    backend.show_first_frame()
    lag = 0.0
    while lag < CATCH_UP_SECONDS - 2.5:
        run(keeper, clocks, 2.5)  # a 2.5-s freeze libvlc recovered from by itself
        run(keeper, clocks, 1.0, frames=backend)
        lag += 2.5
        assert opens(backend) == 1, "re-opened before the stalls added up"
    run(keeper, clocks, 2.5)
    run(keeper, clocks, 0.5, frames=backend)
    assert opens(backend) == 2
    assert len(keeper.recoveries) >= 1


def test_nothing_is_reopened_once_live_is_left(keeper, backend, clocks):
    backend.show_first_frame()
    backend.fail()
    keeper.stop()  # the user clicked the archive meanwhile
    assert keeper.health == LiveHealth()
    assert keeper.health.label == ""
    run(keeper, clocks, 30)
    backend.report_state(PlayerState.ENDED)
    assert opens(backend) == 1


def test_the_header_never_says_live_while_the_picture_does_not_move(keeper, backend, clocks):
    backend.show_first_frame()
    for step in range(400):  # frames, stalls, failures, ends and re-opens in a fixed mix
        kind = step % 23
        if kind < 12:
            run(keeper, clocks, 0.2, frames=backend)
        elif kind == 15:
            backend.fail()
        elif kind == 19:
            backend.end()
        else:
            run(keeper, clocks, 0.5)
        if keeper.health.label == "● LIVE":
            assert clocks.mono - keeper._last_frame_at <= 1.0 + 1e-6
