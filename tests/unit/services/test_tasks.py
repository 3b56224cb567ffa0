from __future__ import annotations

import threading

import pytest

from faceter_viewer.services.tasks import TaskRunner


@pytest.fixture
def runner():
    runner = TaskRunner(max_workers=2)
    yield runner
    runner.shutdown()


def test_result_arrives_on_the_gui_thread(qtbot, runner):
    seen = {}

    def work():
        seen["worker"] = threading.current_thread()
        return 42

    def done(value):
        seen["value"] = value
        seen["callback"] = threading.current_thread()

    runner.submit(work, on_done=done)
    qtbot.waitUntil(lambda: "value" in seen)
    assert seen["value"] == 42
    assert seen["worker"] is not threading.main_thread()
    assert seen["callback"] is threading.main_thread()


def test_error_goes_to_on_error(qtbot, runner):
    errors = []

    def work():
        raise ValueError("boom")

    runner.submit(work, on_done=lambda v: errors.append("done?"), on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], ValueError)


def test_newest_task_under_a_key_wins(qtbot):
    runner = TaskRunner(max_workers=1)  # so "second" is still queued when "third" replaces it
    release = threading.Event()
    delivered = []
    started = []

    def slow(name):
        started.append(name)
        release.wait(5)
        return name

    runner.submit(slow, "first", on_done=delivered.append, key="preview")
    qtbot.waitUntil(lambda: started == ["first"])
    runner.submit(slow, "second", on_done=delivered.append, key="preview")
    runner.submit(slow, "third", on_done=delivered.append, key="preview")
    release.set()
    qtbot.waitUntil(lambda: delivered == ["third"])
    # the first one ran (it had started) but its result was dropped; "second" never ran
    qtbot.wait(50)
    assert delivered == ["third"]
    assert "second" not in started
    runner.shutdown()


def test_cancel_and_shutdown_stop_delivery(qtbot):
    runner = TaskRunner(max_workers=1)
    gate = threading.Event()
    delivered = []
    runner.submit(lambda: gate.wait(5), on_done=delivered.append, key="k")
    runner.cancel("k")
    gate.set()
    runner.shutdown()
    ticket = runner.submit(lambda: 1, on_done=delivered.append)
    assert ticket.cancelled
    qtbot.wait(50)
    assert delivered == []
