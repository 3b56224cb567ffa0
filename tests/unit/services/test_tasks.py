from __future__ import annotations

import threading

import pytest

from faceter_viewer.services.tasks import TaskGroup, TaskRunner


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


# --- TaskGroup: one owner's tasks on the shared pool -----------------------------------------


def test_two_groups_with_the_same_key_do_not_supersede_each_other(qtbot, runner):
    first, second = TaskGroup(runner), TaskGroup(runner)
    gate = threading.Event()
    results = []
    first.submit(lambda: gate.wait(5) and "first", on_done=results.append, key="load")
    second.submit(lambda: gate.wait(5) and "second", on_done=results.append, key="load")
    gate.set()
    qtbot.waitUntil(lambda: len(results) == 2)
    assert sorted(results) == ["first", "second"]


def test_within_a_group_the_newest_of_a_key_wins(qtbot, runner):
    group = TaskGroup(runner)
    gate = threading.Event()
    results = []
    group.submit(lambda: gate.wait(5) and "old", on_done=results.append, key="load")
    group.submit(lambda: "new", on_done=results.append, key="load")
    gate.set()
    qtbot.waitUntil(lambda: group.pending == 0)
    qtbot.wait(50)
    assert results == ["new"]


def test_closing_a_group_cancels_its_tasks_only_and_keeps_the_pool(qtbot, runner):
    closing, staying = TaskGroup(runner), TaskGroup(runner)
    gate = threading.Event()
    results = []
    closing.submit(lambda: gate.wait(5) and "closed", on_done=results.append)
    staying.submit(lambda: gate.wait(5) and "kept", on_done=results.append)
    closing.close()
    gate.set()
    qtbot.waitUntil(lambda: staying.pending == 0)
    assert results == ["kept"]
    assert closing.submit(lambda: "after close", on_done=results.append).cancelled
    staying.submit(lambda: "pool still runs", on_done=results.append)
    qtbot.waitUntil(lambda: len(results) == 2)
    assert results[-1] == "pool still runs"


def test_an_unhandled_worker_failure_is_logged_with_its_traceback(qtbot, runner, caplog):
    group = TaskGroup(runner)

    def broken_load():
        raise ValueError("boom")

    group.submit(broken_load)
    qtbot.waitUntil(lambda: group.pending == 0)
    [record] = [r for r in caplog.records if "broken_load" in r.getMessage()]
    # The traceback travels as exc_info, or as exc_text once the app's redaction filter masked it.
    text = record.exc_text or "".join(__import__("traceback").format_exception(*record.exc_info))
    assert "Traceback" in text and "ValueError: boom" in text
