"""Running api/core work off the GUI thread, with results handed back on the GUI thread.

Like Picard's `run_task(func, next_func)`: `runner.submit(func, on_done=...)` runs `func` on a
worker thread and calls `on_done(result)` (or `on_error(exc)`) on the thread the runner lives in.
Tasks submitted under the same `key` supersede each other: the newest wins, an older one that has
not started yet is never run, and a finished older one's result is dropped, never delivered late
(napari's slicer cancels replaced futures the same way).

One runner is the session's shared pool (app.py); every service and view-model submits through
its own `TaskGroup` on it, so the number of worker threads does not grow with the number of
views, keys of two groups never supersede each other, and a group's `close()` cancels only its
own tasks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger("faceter_viewer.services.tasks")


class Ticket:
    """A handle on one submitted task."""

    def __init__(self, key: object | None) -> None:
        self.key = key
        self._cancelled = threading.Event()
        self.future: Future | None = None

    def cancel(self) -> None:
        self._cancelled.set()
        if self.future is not None:
            self.future.cancel()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()


class TaskRunner(QObject):
    """A small pool of worker threads owned by one QObject. Call `shutdown()` when done."""

    _delivered = Signal(object)  # (ticket, callback, value) emitted from a worker, run here

    def __init__(self, max_workers: int = 4, name: str = "faceter-worker", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=name)
        self._latest: dict[object, Ticket] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._delivered.connect(self._on_worker_delivered)

    def submit(
        self,
        func: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        key: object | None = None,
        pass_ticket: bool = False,
    ) -> Ticket:
        """Run `func(*args)` on a worker (with `ticket=` too when `pass_ticket`, so long work can
        check `ticket.cancelled`). Under a `key`, this task supersedes the previous one."""
        ticket = Ticket(key)
        if self._closed:
            ticket.cancel()
            return ticket
        if key is not None:
            with self._lock:
                previous = self._latest.get(key)
                self._latest[key] = ticket
            if previous is not None:
                previous.cancel()
        kwargs = {"ticket": ticket} if pass_ticket else {}
        ticket.future = self._pool.submit(self._run, ticket, func, args, kwargs, on_done, on_error)
        return ticket

    def _run(self, ticket: Ticket, func, args, kwargs, on_done, on_error) -> None:
        if ticket.cancelled:
            return
        try:
            value = func(*args, **kwargs)
        except BaseException as exc:  # handed to on_error on the GUI thread
            if on_error is None:
                # Nobody handles it: keep the traceback, or the cause is lost with the thread.
                log.warning("background task %s failed", getattr(func, "__name__", func), exc_info=exc)
                return
            self._emit(ticket, on_error, exc)
            return
        if on_done is not None:
            self._emit(ticket, on_done, value)

    def _emit(self, ticket: Ticket, callback, value) -> None:
        if ticket.cancelled or self._closed:
            return
        try:
            self._delivered.emit((ticket, callback, value))
        except RuntimeError:  # the runner was deleted while the task ran
            pass

    @Slot(object)
    def _on_worker_delivered(self, payload: tuple) -> None:
        ticket, callback, value = payload
        if ticket.cancelled or self._closed:
            return  # superseded or cancelled after the work finished: never delivered late
        if ticket.key is not None:
            with self._lock:
                if self._latest.get(ticket.key) is ticket:
                    del self._latest[ticket.key]
        callback(value)

    def cancel(self, key: object) -> None:
        with self._lock:
            ticket = self._latest.pop(key, None)
        if ticket is not None:
            ticket.cancel()

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking tasks, cancel those not started, and (by default) wait for running ones."""
        self._closed = True
        with self._lock:
            tickets = list(self._latest.values())
            self._latest.clear()
        for ticket in tickets:
            ticket.cancel()
        self._pool.shutdown(wait=wait, cancel_futures=True)


class TaskGroup:
    """One owner's tasks on a shared TaskRunner: keys are private to the group (two groups may
    use the same key without superseding each other) and `close()` cancels only this group's
    tasks, never the pool."""

    def __init__(self, runner: TaskRunner) -> None:
        self.runner = runner
        self._tickets: set[Ticket] = set()
        self._closed = False

    def submit(
        self,
        func: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        key: object | None = None,
        pass_ticket: bool = False,
    ) -> Ticket:
        """Like TaskRunner.submit, within this group."""
        if self._closed:
            ticket = Ticket(key)
            ticket.cancel()
            return ticket
        ticket: Ticket | None = None

        def finish(callback: Callable[[Any], None] | None) -> Callable[[Any], None]:
            def deliver(value: Any) -> None:
                self._tickets.discard(ticket)  # type: ignore[arg-type]
                if callback is not None:
                    callback(value)

            return deliver

        ticket = self.runner.submit(
            func,
            *args,
            on_done=finish(on_done),
            on_error=finish(on_error) if on_error is not None else _logged_error(func, finish(None)),
            key=None if key is None else (id(self), key),
            pass_ticket=pass_ticket,
        )
        self._tickets.add(ticket)
        self._prune()
        return ticket

    def cancel(self, key: object) -> None:
        self.runner.cancel((id(self), key))

    def cancel_all(self) -> None:
        for ticket in list(self._tickets):
            ticket.cancel()
        self._tickets.clear()

    def close(self) -> None:
        """Cancel this group's tasks; results of those still running are never delivered."""
        self._closed = True
        self.cancel_all()

    @property
    def pending(self) -> int:
        """Tasks submitted and not yet delivered (or cancelled)."""
        self._prune()
        return len(self._tickets)

    def _prune(self) -> None:
        # A superseded ticket is cancelled and never delivers: forget it here.
        self._tickets = {t for t in self._tickets if not t.cancelled}


def _logged_error(func: Callable[..., Any], then: Callable[[Any], None]) -> Callable[[BaseException], None]:
    def on_error(exc: BaseException) -> None:
        log.warning("background task %s failed", getattr(func, "__name__", func), exc_info=exc)
        then(exc)

    return on_error
