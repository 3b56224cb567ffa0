"""A TCP proxy on 127.0.0.1 that resets a connection (a real RST, SO_LINGER 0) after it has
passed a number of bytes from the server to the client: the "connection reset by peer" of a
download whose network failed. Later connections pass untouched.

    with ResetProxy(upstream_port, reset_after=50_000) as proxy:
        client = IntegrationClient(key, proxy.origin + "/integration-api")
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading


class ResetProxy:
    def __init__(self, upstream_port: int, *, reset_after: int, resets: int = 1) -> None:
        self.upstream_port = upstream_port
        self.reset_after = reset_after
        self.resets_left = resets
        self.resets_done = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._accepter = threading.Thread(target=self._accept, name="reset-proxy", daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ResetProxy:
        self._accepter.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._accepter.join(5)
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.close()
            threads = list(self._threads)
        for thread in threads:
            thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            for sock in (client, upstream):
                sock.settimeout(0.2)  # the pumps look at the stop flags between reads
            closed = threading.Event()
            with self._lock:
                reset = self.resets_left > 0
                self.resets_left -= int(reset)
                self._sockets += [client, upstream]
                pumps = [
                    threading.Thread(target=self._pump, args=(client, upstream, None, closed), daemon=True),
                    threading.Thread(
                        target=self._pump,
                        args=(upstream, client, self.reset_after if reset else None, closed),
                        daemon=True,
                    ),
                ]
                self._threads += pumps
            for pump in pumps:
                pump.start()

    def _pump(
        self, source: socket.socket, target: socket.socket, reset_after: int | None, closed: threading.Event
    ) -> None:
        passed = 0
        try:
            while not (self._stop.is_set() or closed.is_set()):
                try:
                    data = source.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    break
                if reset_after is not None and passed + len(data) > reset_after:
                    target.sendall(data[: reset_after - passed])
                    self._reset(target)
                    with self._lock:
                        self.resets_done += 1
                    break
                target.sendall(data)
                passed += len(data)
        except OSError:
            pass
        finally:
            closed.set()  # one direction ended: the connection is over, the other pump stops too
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.close()

    @staticmethod
    def _reset(sock: socket.socket) -> None:
        """Close with SO_LINGER 0: the kernel sends RST instead of FIN."""
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
