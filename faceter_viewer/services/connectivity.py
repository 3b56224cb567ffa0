"""Is the Faceter service reachable? One answer for the whole session, and one message.

A request that got no answer at all (errors.NetworkError: connection refused or dropped, DNS,
a timeout) is reported here by whoever sent it (`Session.report`). The monitor then:

- posts ONE message, "Faceter service unreachable, retrying in N s", counting down each second
  under one key (the bar updates it in place), with "Retry now";
- probes the service on the shared pool with backoff (2, 3, then every 5 s), one probe at a time;
- when the service answers (any answer: even an error status means it is there), withdraws the
  message and emits `recovered`. Each service then picks up what it was doing: playback resumes
  at the frame on screen, the timeline asks again for what failed, the camera list loads.

While it is offline, services post no banners of their own about requests that got no answer:
`report()` returning True means "said already". An error the service did answer (403, 500...)
is not a connectivity matter and stays with the caller.

Time comes from an injected monotonic clock and `tick()` is public, so unit tests drive it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from faceter_viewer.api import errors
from faceter_viewer.services.messages import MessageHub, MessageLevel
from faceter_viewer.services.tasks import TaskGroup

log = logging.getLogger("faceter_viewer.services.connectivity")

PROBE_DELAYS = (2.0, 3.0, 5.0)  # seconds before each probe; the last one repeats
TICK_MS = 1000  # the countdown's step
MESSAGE_KEY = "connectivity"


def is_unreachable(exc: BaseException) -> bool:
    """The request got no answer: the service (or the way to it) is gone, not this request."""
    return isinstance(exc, errors.NetworkError)


class ConnectivityMonitor(QObject):
    online_changed = Signal(bool)
    recovered = Signal()  # the service answers again after being unreachable

    def __init__(
        self,
        probe: Callable[[], object],
        tasks: TaskGroup,
        messages: MessageHub,
        parent: QObject | None = None,
        *,
        delays: tuple[float, ...] = PROBE_DELAYS,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._probe = probe
        self._tasks = tasks
        self._messages = messages
        self._delays = delays
        self._now = now
        self._online = True
        self._attempt = 0  # probes that failed since the service was lost
        self._probe_at: float | None = None  # monotonic: when the next probe starts
        self._probing = False
        self._if_online: list[Callable[[], None]] = []  # check() callers waiting for the answer
        self._shown: str | None = None  # the countdown text last posted (the same again is no news)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)

    @property
    def online(self) -> bool:
        return self._online

    def report(self, exc: BaseException) -> bool:
        """A request failed with `exc`. True when it is a connectivity failure: the monitor
        says so to the user (once) and will tell `recovered`; the caller posts nothing."""
        if not is_unreachable(exc):
            return False
        if self._online:
            log.warning("the Faceter service is unreachable: %s", exc)
            self._online = False
            self._attempt = 0
            self._schedule_probe()
            self._timer.start()
            self.online_changed.emit(False)
        return True

    def check(self, if_online: Callable[[], None] | None = None) -> None:
        """Something suggests the service may be gone (a live stream failed, which libvlc
        fetched without our client): probe once now; a failure makes the monitor offline.
        `if_online` runs when the service answered, so the caller's own message (the stream's
        failure) shows only when it is not the service that is gone."""
        if not self._online:
            return
        if if_online is not None:
            self._if_online.append(if_online)
        if not self._probing:
            self._start_probe()

    def retry_now(self) -> None:
        if not self._online and not self._probing:
            self._start_probe()

    def tick(self) -> None:
        """Every second while offline: the countdown, and the probe when it is due."""
        if self._online or self._probing:
            return
        if self._probe_at is not None and self._now() >= self._probe_at:
            self._start_probe()
        else:
            self._post()

    def close(self) -> None:
        self._if_online.clear()
        self._timer.stop()
        self._tasks.close()
        if not self._online:
            self._messages.withdraw(MESSAGE_KEY)

    # --- probing ------------------------------------------------------------------------------

    def _schedule_probe(self) -> None:
        delay = self._delays[min(self._attempt, len(self._delays) - 1)]
        self._probe_at = self._now() + delay
        self._post()

    def _start_probe(self) -> None:
        self._probing = True
        self._probe_at = None
        if not self._online:
            self._post()
        self._tasks.submit(self._probe, on_done=self._on_probe_answered, on_error=self._on_probe_failed, key="probe")

    def _on_probe_answered(self, _result: object) -> None:
        self._probing = False
        if self._online:
            waiting, self._if_online = self._if_online, []
            for callback in waiting:
                callback()
            return
        log.info("the Faceter service answers again")
        self._online = True
        self._timer.stop()
        self._shown = None
        self._messages.withdraw(MESSAGE_KEY)
        self.online_changed.emit(True)
        self.recovered.emit()

    def _on_probe_failed(self, exc: BaseException) -> None:
        if not is_unreachable(exc):
            self._on_probe_answered(None)  # an error status is an answer: the service is there
            return
        self._probing = False
        if self._online:
            self._if_online.clear()  # their failure was the service's: the one message says it
            self.report(exc)  # check() found it gone
            return
        self._attempt += 1
        self._schedule_probe()

    def _post(self) -> None:
        if self._probing or self._probe_at is None:
            text = "Faceter service unreachable, retrying now…"
        else:
            seconds = max(1, math.ceil(self._probe_at - self._now()))
            text = f"Faceter service unreachable, retrying in {seconds} s"
        if text == self._shown:
            return  # posting it again would count as a repeat ("×2") of one message
        self._shown = text
        self._messages.post(
            text, MessageLevel.WARNING, action_text="Retry now", on_action=self.retry_now, key=MESSAGE_KEY
        )
