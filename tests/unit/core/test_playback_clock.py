"""PlaybackClock: the interpolated media position, with a hand-driven wall clock."""

from __future__ import annotations

import pytest

from faceter_viewer.core.playback_clock import LANDING_GRACE, PlaybackClock

FRAME = 0.04


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


@pytest.fixture
def wall() -> FakeTime:
    return FakeTime()


def playing_clock(wall: FakeTime, start: float = 0.0) -> PlaybackClock:
    clock = PlaybackClock(now=wall)
    clock.reset(start)
    clock.set_running(True)
    clock.landed(wall.now)
    return clock


def show_frames(clock: PlaybackClock, wall: FakeTime, count: int, step: float = FRAME) -> None:
    for _ in range(count):
        clock.frame_shown(wall.advance(step))


def test_stands_at_the_target_until_the_first_frame_lands(wall: FakeTime) -> None:
    clock = PlaybackClock(now=wall)
    clock.reset(12.52)
    clock.set_running(True)
    wall.advance(0.3)
    assert clock.position() == 12.52 and clock.holding
    clock.landed(wall.now)
    wall.advance(0.1)
    assert clock.position() == pytest.approx(12.62)


def test_runs_with_the_wall_clock_times_the_rate_while_frames_come(wall: FakeTime) -> None:
    clock = playing_clock(wall)
    show_frames(clock, wall, 25)
    assert clock.position() == pytest.approx(1.0)
    clock.set_rate(2.0)
    show_frames(clock, wall, 25, step=FRAME / 2)
    assert clock.position() == pytest.approx(1.0 + 0.5 * 2)


def test_pause_freezes_and_resume_continues(wall: FakeTime) -> None:
    clock = playing_clock(wall)
    show_frames(clock, wall, 10)
    clock.set_running(False)
    paused = clock.position()
    wall.advance(5.0)
    assert clock.position() == pytest.approx(paused)
    clock.set_running(True)
    show_frames(clock, wall, 5)
    assert clock.position() == pytest.approx(paused + 5 * FRAME)


def test_snap_moves_the_paused_position_to_the_frame_on_screen(wall: FakeTime) -> None:
    clock = playing_clock(wall)
    show_frames(clock, wall, 10)
    clock.set_running(False)
    clock.snap(0.44)
    assert clock.position() == 0.44
    clock.set_running(True)
    clock.snap(9.0)  # ignored while running
    assert clock.position() == pytest.approx(0.44)


def test_a_stall_stops_the_position_and_frames_resume_it_from_the_next_frame(
    wall: FakeTime,
) -> None:
    clock = playing_clock(wall)
    show_frames(clock, wall, 25)  # 1.0 s shown
    last_frame_position = clock.position()
    wall.advance(3.0)  # the network stalls: no frames
    assert clock.position() == pytest.approx(last_frame_position + clock.stall_after())
    clock.frame_shown(wall.now)
    assert clock.position() == pytest.approx(last_frame_position + FRAME)


def test_after_a_stall_libvlc_times_correct_skipped_frames(wall: FakeTime) -> None:
    """libvlc may resume a stalled stream later than where it stopped (frames skipped); the
    largest error of its next three time changes (they lag, rarely lead) corrects that."""
    clock = playing_clock(wall)
    show_frames(clock, wall, round(LANDING_GRACE / FRAME))
    wall.advance(1.5)  # stalled
    clock.frame_shown(wall.now)  # resumed, in truth 0.8 s further on than the guess
    show_frames(clock, wall, 1)
    truth = clock.position() + 0.8
    lags = [0.3, 0.05, 0.45]
    for lag in lags[:2]:
        assert not clock.observe_libvlc_time(clock.position() + 0.8 - lag)
    assert clock.observe_libvlc_time(clock.position() + 0.8 - lags[2])
    assert clock.position() == pytest.approx(truth - 0.05)


def test_an_early_landing_frame_does_not_bias_the_position(wall: FakeTime) -> None:
    """libvlc shows the landing frame ~60 ms before its time; the frames after it set the pace."""
    clock = PlaybackClock(now=wall)
    clock.reset(0.0)
    clock.set_running(True)
    clock.landed(wall.now)  # frame 0, early
    wall.advance(0.06 + FRAME)  # frame 1 on schedule: frame 0 was due 60 ms after it came
    clock.frame_shown(wall.now)
    show_frames(clock, wall, 10)
    assert clock.position() == pytest.approx(11 * FRAME, abs=0.002)


def test_a_dropped_frame_while_refining_counts_as_two_intervals(wall: FakeTime) -> None:
    clock = playing_clock(wall)
    show_frames(clock, wall, 3)
    clock.frame_shown(wall.advance(2 * FRAME))  # one frame dropped by libvlc
    show_frames(clock, wall, 3)
    assert clock.position() == pytest.approx(8 * FRAME, abs=0.002)


def test_libvlc_time_is_ignored_after_landing_and_when_plausible(wall: FakeTime) -> None:
    clock = playing_clock(wall, start=30.0)
    show_frames(clock, wall, 10)
    # Right after a seek libvlc still reports times from before it: ignored.
    assert not clock.observe_libvlc_time(28.16)
    assert not clock.observe_libvlc_time(28.16)
    show_frames(clock, wall, round(LANDING_GRACE / FRAME))
    position = clock.position()
    # Stale by under a second (libvlc's time moves once a second): plausible, ignored.
    assert not clock.observe_libvlc_time(position - 0.9)
    assert not clock.observe_libvlc_time(position + 0.1)
    assert clock.position() == pytest.approx(position)


def test_a_persistent_libvlc_disagreement_corrects_the_position(wall: FakeTime) -> None:
    clock = playing_clock(wall)
    show_frames(clock, wall, round((LANDING_GRACE + 1.0) / FRAME))
    ahead = clock.position() + 5.0
    assert not clock.observe_libvlc_time(ahead)  # one value may be a glitch
    show_frames(clock, wall, 5)
    assert clock.observe_libvlc_time(ahead + 0.2)
    assert clock.position() == pytest.approx(ahead + 0.2)


def test_nothing_moves_before_running_or_below_zero(wall: FakeTime) -> None:
    clock = PlaybackClock(now=wall)
    clock.reset(-3.0)
    clock.landed(wall.now)
    wall.advance(2.0)
    assert clock.position() == 0.0
    assert not clock.running
