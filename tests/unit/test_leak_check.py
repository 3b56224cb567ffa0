"""The leak check of tests/helpers/leak_check.py fails the tests that leak, and only those: run on
a small test file in a fresh pytest process (pytester), with the project's own conftest."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]

LEAKY_TESTS = '''
import threading
import pytest
from PySide6.QtCore import QObject, QTimer

kept = []


def test_leaks_a_thread():
    stop = threading.Event()
    kept.append(stop)
    threading.Thread(target=stop.wait, name="forgotten-worker", daemon=True).start()


def test_leaks_a_timer(qapp):
    owner = QObject()
    timer = QTimer(owner)
    timer.start(60_000)
    kept.append(owner)


def test_a_thread_that_ends_soon_is_fine():
    threading.Thread(target=lambda: __import__("time").sleep(0.2), name="short").start()


def test_a_timer_stopped_or_garbage_is_fine(qapp):
    stopped = QTimer()
    stopped.start(60_000)
    stopped.stop()
    kept.append(stopped)
    owner = QObject()
    owner.cycle = owner  # only the garbage collector frees it (and its timer)
    QTimer(owner).start(60_000)
'''


@pytest.mark.slow
def test_leaks_fail_the_test_that_made_them(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    pytester.makeconftest('pytest_plugins = ["tests.helpers.leak_check"]')
    pytester.makepyfile(test_leaky=LEAKY_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=4, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_leaks_a_thread*",
            "*thread 'forgotten-worker' (daemon=True, target=Event.wait)*",
            "*ERROR at teardown of test_leaks_a_timer*",
            "*active QTimer (interval 60000 ms, QObject)*",
        ]
    )
