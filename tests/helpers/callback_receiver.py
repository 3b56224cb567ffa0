"""A tiny webhook receiver on 127.0.0.1 over real HTTP: records every POST's JSON body, answers
with the statuses queued in `statuses` (then 200), and can hold answers until released.

    with CallbackReceiver() as receiver:
        receiver.statuses.append(500)            # the first POST is answered 500
        ... callbackUrl=receiver.url ...
        bodies = receiver.wait_for(2)            # the JSON bodies of the first two POSTs
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections import deque
from typing import Any


class CallbackReceiver:
    def __init__(self) -> None:
        self.bodies: list[Any] = []
        self.paths: list[str] = []
        self.statuses: deque[int] = deque()
        self.release = threading.Event()  # cleared: every answer waits for it (a stalled receiver)
        self.release.set()
        self._changed = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length))
                with receiver._changed:
                    receiver.bodies.append(body)
                    receiver.paths.append(self.path)
                    status = receiver.statuses.popleft() if receiver.statuses else 200
                    receiver._changed.notify_all()
                receiver.release.wait(10)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = False
        self._thread = threading.Thread(target=self._server.serve_forever, name="callback-receiver")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/export"

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Any]:
        """The first `count` bodies received, waiting for them to arrive."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.bodies) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"{len(self.bodies)} callback(s) received, {count} expected"
                self._changed.wait(left)
            return list(self.bodies[:count])

    def __enter__(self) -> CallbackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()  # joins the handler threads (daemon_threads is False)
        self._thread.join(timeout=10)
