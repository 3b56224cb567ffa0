"""pytest plugin: a test fails when it leaves threads or active QTimers behind (registered in
tests/conftest.py).

A leaked worker thread or a timer still ticking keeps doing work while later tests run: it fires
callbacks on objects of a finished test, shows up as a flaky failure three files later, and keeps
the process from exiting. So every test is checked, cheaply (~1-2 ms when nothing leaked):

- threads: the Python threads alive after the test that were not alive before it; those still
  winding down get a short grace period in total (a pool shut down with wait=False, a server
  thread that was told to stop);
- timers: the QTimer objects created during the test (Shiboken's table of live wrappers, not a
  gc scan) that are still active once pytest-qt closed the test's widgets and the deferred
  deletions ran. Only when one is found does the check pay for a gc.collect(): a timer whose
  owner is unreachable garbage dies with it and is not a leak.

Session- and module-scoped fixtures are set up before this function-scoped fixture, so the demo
service's server thread and other shared resources count as "before".
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator

import pytest

THREAD_GRACE_SECONDS = 1.5  # in total, for all the new threads of one test

_shared_threads: list[Callable[[threading.Thread], bool]] = []


def threads_of_a_shared_resource(belongs: Callable[[threading.Thread], bool]) -> None:
    """For session-scoped fixtures whose resource starts threads on demand (the demo service's
    live feeder, the shared media store's ffmpeg pool): the first test to use it starts them, and
    they are meant to outlive that test. `belongs(thread)` tells them apart."""
    _shared_threads.append(belongs)


@pytest.fixture(autouse=True)
def _no_leaked_threads_or_timers() -> Iterator[None]:
    threads_before = set(threading.enumerate())
    timers_before = _timer_ids()
    yield
    leaks = _leaked_threads(threads_before) + _leaked_timers(timers_before)
    if leaks:
        pytest.fail("the test left these running:\n  " + "\n  ".join(leaks), pytrace=False)


# --- threads ------------------------------------------------------------------------------------


def _leaked_threads(before: set[threading.Thread]) -> list[str]:
    new = [t for t in threading.enumerate() if t not in before and not _not_the_tests_own(t)]
    deadline = time.monotonic() + THREAD_GRACE_SECONDS
    for thread in new:
        # threading.enumerate() also lists threads whose start() has not returned yet, and
        # join() refuses those: wait for them to run first.
        while thread.ident is None and time.monotonic() < deadline:
            time.sleep(0.005)
        if thread.ident is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
    # Asked again: a pool adds a worker to its own set only once the worker has started.
    leaked = [t for t in new if (t.is_alive() or t.ident is None) and not _not_the_tests_own(t)]
    return [f"thread {t.name!r} (daemon={t.daemon}, target={_target_name(t)})" for t in leaked]


def _not_the_tests_own(thread: threading.Thread) -> bool:
    # The demo service (a session fixture) runs Starlette's sync endpoints on AnyIO's thread pool,
    # whose daemon workers start on the first request of whichever test comes first and idle on
    # for a while by design: they belong to the service, not to that test.
    if thread.daemon and thread.name == "AnyIO worker thread":
        return True
    if any(belongs(thread) for belongs in _shared_threads):
        return True
    # A _DummyThread stands for a thread Python did not start (libvlc's decoder threads calling
    # our video callbacks, Qt's threads): it cannot be joined, and on Python 3.11 it reports
    # itself alive forever once created. libvlc players are checked by their own close() tests.
    return isinstance(thread, threading._DummyThread)  # noqa: SLF001 - the only way to tell


def _target_name(thread: threading.Thread) -> str:
    target = getattr(thread, "_target", None)
    return getattr(target, "__qualname__", repr(target)) if target is not None else type(thread).__name__


# --- timers -------------------------------------------------------------------------------------


def _qt_loaded() -> bool:
    import sys

    return "PySide6.QtCore" in sys.modules


def _timer_ids() -> set[int]:
    if not _qt_loaded():
        return set()
    return {id(timer) for timer in _live_timers()}


def _live_timers() -> list:
    from PySide6.QtCore import QTimer
    from shiboken6 import Shiboken

    return [obj for obj in Shiboken.getAllValidWrappers() if isinstance(obj, QTimer)]


def _active_new_timers(before: set[int]) -> list:
    from shiboken6 import Shiboken

    return [t for t in _live_timers() if id(t) not in before and Shiboken.isValid(t) and t.isActive()]


def _leaked_timers(before: set[int]) -> list[str]:
    if not _qt_loaded():
        return []
    _run_deferred_deletes()
    if not _active_new_timers(before):
        return []
    gc.collect()  # only now: most tests leave nothing, and a full collection costs a few ms
    _run_deferred_deletes()
    return [_describe_timer(t) for t in _active_new_timers(before)]


def _run_deferred_deletes() -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    if QCoreApplication.instance() is not None:
        # pytest-qt closes the test's widgets with deleteLater(); processEvents() alone does not
        # run deferred deletions outside an event loop.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _describe_timer(timer) -> str:
    owners = []
    parent = timer.parent()
    while parent is not None:
        owners.append(type(parent).__name__ + (f"({parent.objectName()!r})" if parent.objectName() else ""))
        parent = parent.parent()
    owned_by = " in ".join(owners) if owners else "no parent"
    name = f" {timer.objectName()!r}" if timer.objectName() else ""
    return f"active QTimer{name} (interval {timer.interval()} ms, {owned_by})"
