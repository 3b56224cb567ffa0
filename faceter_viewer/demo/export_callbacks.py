"""The demo's `callbackUrl` calls: POST a finished export's status JSON to a loopback address.

Only loopback hosts are called (127.0.0.0/8, ::1, `localhost`): the demo runs on a user's machine
from a URL anyone can type into an export request, and must not become a way to make that
machine send requests elsewhere. Any other host is logged and skipped; names other than
`localhost` are not resolved (a name that resolves to 127.0.0.1 today may not tomorrow).

Calls run on their own worker threads ("demo-export-callback"), never on a request handler's or
the export worker's: one try and CALLBACK_RETRY_DELAYS more (any answer other than 2xx, or no
answer, is retried); `close()` abandons the waits and joins the threads.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import httpx

log = logging.getLogger(__name__)

CALLBACK_RETRY_DELAYS = (0.5, 1.5)
"""Seconds before the 2nd and the 3rd try."""
CALLBACK_TIMEOUT_SECONDS = 3.0


def is_loopback_url(url: str) -> bool:
    """An http(s) URL whose host is a loopback address or `localhost` (no DNS is asked)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _where(url: str) -> str:
    """scheme://host:port of a URL: what the log says (a query may carry a receiver's secret)."""
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}" if parts.netloc else repr(url[:40])
    except ValueError:
        return repr(url[:40])


class CallbackSender:
    def __init__(self, retry_delays: tuple[float, ...] = CALLBACK_RETRY_DELAYS) -> None:
        self.retry_delays = tuple(retry_delays)
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None  # started by the first callback
        self._client: httpx.Client | None = None

    def send(self, url: str, body: dict[str, Any]) -> bool:
        """Queue the POST of `body` to `url`; False (logged) when the URL is not called at all."""
        if not is_loopback_url(url):
            log.warning(
                "callbackUrl %s is not a loopback address: not called (the demo calls back to this machine only)",
                _where(url),
            )
            return False
        with self._lock:
            if self._stopping.is_set():
                return False
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="demo-export-callback")
                # trust_env=False: a proxy from the environment must not carry a loopback call away.
                self._client = httpx.Client(timeout=CALLBACK_TIMEOUT_SECONDS, trust_env=False)
            self._executor.submit(self._post, url, body)
        return True

    def threads(self) -> set[threading.Thread]:
        """The sender's worker threads (none before the first callback)."""
        executor = self._executor
        return set(executor._threads) if executor is not None else set()  # noqa: SLF001

    def close(self) -> None:
        with self._lock:
            self._stopping.set()
            executor, client = self._executor, self._client
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        if client is not None:
            client.close()

    def _post(self, url: str, body: dict[str, Any]) -> None:
        assert self._client is not None
        delays = (0.0, *self.retry_delays)
        for attempt, delay in enumerate(delays, 1):
            if self._stopping.wait(delay):
                return
            try:
                answer = self._client.post(url, json=body)
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            else:
                if answer.is_success:
                    log.info("callback for export %s sent to %s", body.get("exportId"), _where(url))
                    return
                outcome = f"HTTP {answer.status_code}"
            log.warning(
                "callback for export %s to %s failed (try %d of %d): %s",
                body.get("exportId"), _where(url), attempt, len(delays), outcome,
            )  # fmt: skip
