"""Archive playback that never skips and never re-opens for a token (issue 9 items 2 and 6): real
libvlc through the session's archive proxy, the demo service's faults, and the timecode decoded
from every frame shown.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.demo.media.timecode import decode_timecode
from faceter_viewer.player.vlc_backend import VlcBackend
from faceter_viewer.player.vlc_runtime import wait_for_releases
from faceter_viewer.services.playback import PlaybackController
from faceter_viewer.services.session import Session
from faceter_viewer.services.tasks import TaskRunner
from tests.helpers.demo_fixtures import FAST_RETRY, recent_archive_time
from tests.helpers.frames import qimage_to_array

FRAME = 0.040


class Player:
    """A controller on a real VlcBackend, recording (wall clock, decoded timecode) per frame."""

    def __init__(self, client: IntegrationClient) -> None:
        self.runner = TaskRunner(max_workers=2)
        self.session = Session(client, self.runner)
        self.backend = VlcBackend()
        self.controller = PlaybackController(self.session, self.backend)
        self.frames: list[tuple[float, float]] = []
        self.spans: list[tuple[float, float]] = []
        self.messages: list[str] = []
        self.opened = 0
        self.backend.frame_ready.connect(self._on_frame)
        self.controller.span_unavailable.connect(lambda a, b: self.spans.append((a, b)))
        self.controller.archive_started.connect(lambda _t: setattr(self, "opened", self.opened + 1))
        self.session.messages.posted.connect(lambda m: self.messages.append(m.text))

    def _on_frame(self, image) -> None:
        try:
            shown = decode_timecode(qimage_to_array(image)).timestamp()
        except ValueError:
            return
        if not self.frames or shown != self.frames[-1][1]:  # libvlc re-displays when starved
            self.frames.append((time.monotonic(), shown))

    def close(self) -> None:
        self.controller.close()
        self.backend.close()
        self.runner.shutdown()
        assert wait_for_releases(10.0)
        self.session.close()


@pytest.fixture
def player(fast_retry_client) -> Iterator[Player]:
    player = Player(fast_retry_client)
    yield player
    player.close()


def camera_of(client: IntegrationClient, service, index: int = 0):
    wanted = service.cameras[index].id
    return next(c for c in client.list_cameras() if c.id == wanted)


def jumps(frames: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Consecutive decoded times that do not follow each other (a skip, or going back)."""
    return [(a, b) for (_, a), (_, b) in zip(frames, frames[1:], strict=False) if not 0 < b - a <= 0.5]


def test_archive_under_30_percent_errors_never_leaves_the_asked_moment(qtbot, player, fast_retry_client, demo_service, demo_faults):
    camera = camera_of(fast_retry_client, demo_service)
    t = float(recent_archive_time(demo_service, 900))
    demo_faults.add("error_rate", "/archive-api/**", probability=0.3)
    player.controller.set_camera(camera)
    player.controller.play_archive(t)
    qtbot.waitUntil(lambda: len(player.frames) > 0, timeout=30000)
    started = time.monotonic()
    qtbot.wait(20000)
    elapsed = time.monotonic() - started
    shown = [s for _, s in player.frames]
    # Every frame lies in the asked window: from t, no further than the time played.
    assert min(shown) >= t - FRAME and max(shown) <= t + elapsed + 2.0, (shown[0], shown[-1])
    assert jumps(player.frames) == []  # nothing skipped
    for start, end in player.spans:  # what could not be loaded was said, and not played past
        assert max(shown) < start + FRAME
        assert any(text.startswith("Could not load ") and camera.title in text for text in player.messages)
    if not player.spans:
        assert max(shown) >= t + elapsed - 5.0  # it kept playing
    assert player.opened == 1  # no jump to another window, no re-open
    assert not any("no archive" in text.lower() for text in player.messages)


@pytest.mark.slow
def test_two_minutes_with_a_30_s_token_play_on_without_re_opening(qtbot, make_demo_service):
    service = make_demo_service(token_ttl=30)
    with IntegrationClient(service.integration_key, service.base_url, retry=FAST_RETRY) as client:
        player = Player(client)
        try:
            camera = camera_of(client, service)
            t = float(recent_archive_time(service, 900))
            player.controller.set_camera(camera)
            player.controller.play_archive(t)
            qtbot.waitUntil(lambda: len(player.frames) > 0, timeout=30000)
            started = time.monotonic()
            qtbot.wait(120_000)
            played = time.monotonic() - started
        finally:
            player.close()
        counts = service.state.request_counts
        refreshes = counts[f"/integration-api/v1/cameras/{camera.id}"]
        assert refreshes <= played / 30 + 1, refreshes
        segments = {p: n for p, n in counts.items() if "/segments/" in p}
        assert segments and set(segments.values()) == {1}, "a segment was downloaded twice"
        assert sum(n for p, n in counts.items() if p.endswith("/index.m3u8")) == 1
        assert player.opened == 1 and player.spans == []
        assert jumps(player.frames) == []
        steady = [f for f in player.frames if f[0] > started + 1.0]  # past the first picture
        stalls = [b[0] - a[0] for a, b in zip(steady, steady[1:], strict=False) if b[0] - a[0] > 0.5]
        assert stalls == []
        assert player.frames[-1][1] - player.frames[0][1] >= played - 2.0


@pytest.mark.slow
def test_the_service_gone_for_15_s_and_back_playback_resumes_where_it_was(qtbot, make_demo_service):
    service = make_demo_service()
    with IntegrationClient(service.integration_key, service.base_url, retry=FAST_RETRY) as client:
        player = Player(client)
        withdrawn: list[str] = []
        player.session.messages.withdrawn.connect(withdrawn.append)
        try:
            camera = camera_of(client, service)
            t = float(recent_archive_time(service, 900))
            player.controller.set_camera(camera)
            player.controller.play_archive(t)
            qtbot.waitUntil(lambda: len(player.frames) > 25, timeout=30000)
            service.stop_serving()
            qtbot.wait(15000)
            before_return = player.frames[-1]
            cursor = player.controller.current_time()  # what the timeline cursor shows
            service.start()
            back = time.monotonic()
            qtbot.waitUntil(lambda: player.frames[-1][0] > back and len(player.frames) > 0, timeout=10000)
            resumed_after = player.frames[-1][0] - back
            qtbot.waitUntil(lambda: player.frames[-1][1] > before_return[1] + 3.0, timeout=10000)
        finally:
            player.close()
    print(f"first moving frame {resumed_after:.2f} s after the service came back")
    stall = max(b[0] - a[0] for a, b in zip(player.frames, player.frames[1:], strict=False))
    assert stall > 5.0  # the picture did stop while the service was gone (more than the buffer)
    assert resumed_after < 10.0
    assert cursor is not None and abs(cursor - before_return[1]) < 0.5  # at the frame on screen
    assert jumps(player.frames) == []  # resumed at the frame it stopped at: nothing skipped
    assert player.opened == 1  # the proxy's held segment request fetched again: no re-open
    assert player.spans == []  # the footage was never missing, the service was
    assert player.messages and all(text.startswith("Faceter service unreachable") for text in player.messages)
    assert "connectivity" in withdrawn
    assert player.session.connectivity.online


def test_a_click_while_the_service_is_gone_plays_when_it_is_back(qtbot, make_demo_service):
    service = make_demo_service()
    with IntegrationClient(service.integration_key, service.base_url, retry=FAST_RETRY) as client:
        player = Player(client)
        try:
            camera = camera_of(client, service)
            t = float(recent_archive_time(service, 600))
            player.controller.set_camera(camera)
            service.stop_serving()
            player.controller.play_archive(t)
            qtbot.waitUntil(lambda: not player.session.connectivity.online, timeout=10000)
            qtbot.wait(2000)
            assert player.frames == [] and player.controller.current_time() == t  # it stays there
            service.start()
            qtbot.waitUntil(lambda: len(player.frames) > 0, timeout=15000)
        finally:
            player.close()
    assert abs(player.frames[0][1] - t) <= FRAME
    assert all(text.startswith("Faceter service unreachable") for text in player.messages)
