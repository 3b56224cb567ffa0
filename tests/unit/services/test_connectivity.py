"""The connectivity monitor: one message with a countdown, probes with backoff, `recovered`
when the service answers (a real TaskRunner runs the probe; the clock is injected)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from faceter_viewer.api import errors
from faceter_viewer.services.connectivity import MESSAGE_KEY, ConnectivityMonitor
from faceter_viewer.services.messages import MessageHub, MessageLevel
from faceter_viewer.services.tasks import TaskGroup, TaskRunner


class Service:
    """What the probe reaches: down (no answer), up, or up but failing (an error status)."""

    def __init__(self) -> None:
        self.state = "up"
        self.probes = 0

    def probe(self) -> bool:
        self.probes += 1
        if self.state == "down":
            raise errors.NetworkError("POST /v1/integration-key/validate: cannot connect ([Errno 111])")
        if self.state == "failing":
            raise errors.ServerError("Server error: boom", status=500)
        return True


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def parts(qtbot) -> Iterator[tuple[ConnectivityMonitor, Service, Clock, list, list]]:
    runner = TaskRunner(max_workers=1)
    hub = MessageHub()
    service, clock = Service(), Clock()
    monitor = ConnectivityMonitor(service.probe, TaskGroup(runner), hub, now=clock)
    posted, withdrawn = [], []
    hub.posted.connect(posted.append)
    hub.withdrawn.connect(withdrawn.append)
    yield monitor, service, clock, posted, withdrawn
    monitor.close()
    runner.shutdown()


def test_a_failure_with_an_answer_is_not_a_connectivity_matter(parts) -> None:
    monitor, service, _clock, posted, _ = parts
    assert monitor.report(errors.ServerError("boom", status=500)) is False
    assert monitor.report(errors.PermissionDeniedError()) is False
    assert monitor.online and posted == [] and service.probes == 0


def test_unreachable_is_said_once_counts_down_probes_with_backoff_and_recovers(qtbot, parts) -> None:
    monitor, service, clock, posted, withdrawn = parts
    service.state = "down"
    recovered = []
    monitor.recovered.connect(lambda: recovered.append(True))
    exc = errors.NetworkError("GET /archive-api/archives/x/timeline: cannot connect ([Errno 111])")
    assert monitor.report(exc) is True
    assert monitor.report(exc) is True  # a second failure: no second message
    assert [m.text for m in posted] == ["Faceter service unreachable, retrying in 2 s"]
    message = posted[0]
    assert message.key == MESSAGE_KEY and message.level is MessageLevel.WARNING and message.action_text == "Retry now"
    assert "Errno" not in message.text and "GET" not in message.text

    clock.t += 1.0
    monitor.tick()
    assert posted[-1].text == "Faceter service unreachable, retrying in 1 s"
    clock.t += 1.0
    monitor.tick()  # due: the first probe
    qtbot.waitUntil(lambda: service.probes == 1)
    qtbot.waitUntil(lambda: posted[-1].text == "Faceter service unreachable, retrying in 3 s")
    clock.t += 3.0
    monitor.tick()
    qtbot.waitUntil(lambda: posted[-1].text == "Faceter service unreachable, retrying in 5 s")
    clock.t += 5.0
    monitor.tick()
    qtbot.waitUntil(lambda: posted[-1].text == "Faceter service unreachable, retrying in 5 s" and service.probes == 3)
    assert not monitor.online and recovered == []
    assert {m.key for m in posted} == {MESSAGE_KEY}  # one message, updated

    service.state = "up"
    message.on_action()  # "Retry now"
    qtbot.waitUntil(lambda: recovered == [True])
    assert monitor.online and withdrawn == [MESSAGE_KEY] and service.probes == 4


def test_an_error_status_from_the_probe_means_the_service_is_back(qtbot, parts) -> None:
    monitor, service, clock, _posted, withdrawn = parts
    service.state = "down"
    monitor.report(errors.TimeoutError("timed out"))
    service.state = "failing"
    clock.t += 2.0
    monitor.tick()
    qtbot.waitUntil(lambda: monitor.online)
    assert withdrawn == [MESSAGE_KEY]


def test_check_finds_the_service_gone(qtbot, parts) -> None:
    monitor, service, _clock, posted, _ = parts
    monitor.check()
    qtbot.waitUntil(lambda: service.probes == 1)
    qtbot.wait(50)
    assert monitor.online and posted == []
    service.state = "down"
    monitor.check()
    qtbot.waitUntil(lambda: not monitor.online)
    assert [m.text for m in posted] == ["Faceter service unreachable, retrying in 2 s"]


def test_the_countdown_never_posts_the_same_text_twice(qtbot, parts) -> None:
    monitor, service, clock, posted, _ = parts
    service.state = "down"
    monitor.report(errors.NetworkError("no"))
    for _ in range(4):
        clock.t += 0.4
        monitor.tick()
    texts = [m.text for m in posted]
    assert texts == ["Faceter service unreachable, retrying in 2 s", "Faceter service unreachable, retrying in 1 s"]
