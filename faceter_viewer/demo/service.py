"""DemoService: the Faceter-compatible demo service, in-process on 127.0.0.1 (a daemon thread),
and `run_demo_server`, the foreground form behind `faceter-viewer demo-server`.

    with DemoService(cameras=12, seed=1) as service:   # started; stopped on exit
        client = IntegrationClient(service.integration_key, service.base_url)

The listening socket is bound here (127.0.0.1, port 0 = a free one) and handed to uvicorn, so the
port is known before the server thread starts and no other process can take it in between.
"""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import platformdirs
import uvicorn

from faceter_viewer.demo.app import build_app
from faceter_viewer.demo.dataset import CameraSpec, build_dataset
from faceter_viewer.demo.faults import FaultSet, FaultSpecError, QuietInjectedDrops
from faceter_viewer.demo.live import live_segment_starts
from faceter_viewer.demo.media import MediaStore
from faceter_viewer.demo.signing import ArchiveSigner
from faceter_viewer.demo.state import ARCHIVE_PREFIX, INTEGRATION_PREFIX, DemoState

log = logging.getLogger(__name__)

DEFAULT_INTEGRATION_KEY = "demo-key-faceter-viewer-2f7c91d4"
"""Fixed so that FACETER_INTEGRATION_KEY can be set once from the printout."""

HOST = "127.0.0.1"
WarmUpProgress = Callable[[float], None]


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("faceter-viewer")) / "demo-media"


class DemoService:
    def __init__(
        self,
        *,
        cameras: int = 12,
        seed: int = 1,
        token_ttl: int = 3600,
        archive_days: int = 3,
        faults: str | None = None,
        export_delay: float = 3.0,
        export_failure_rate: float = 0.0,
        cache_dir: Path | None = None,
        max_cache_bytes: int = 2 * 1024**3,
        media: MediaStore | None = None,
        integration_key: str = DEFAULT_INTEGRATION_KEY,
        live_idle_seconds: float = 30.0,
        port: int = 0,
        access_log: bool = False,
    ) -> None:
        """`media`: share a MediaStore (it is then not closed by stop()); otherwise one is made
        on `cache_dir` (default: the user cache dir). `faults`: a spec (faults.py grammar).
        `export_failure_rate`: the fraction (0..1) of exports that end Failed on purpose, chosen
        by a RNG seeded with `seed` (exports.py); outside 0..1 raises ValueError here."""
        if not 0.0 <= export_failure_rate <= 1.0:
            raise ValueError(f"the export failure rate must be between 0 and 1, got {export_failure_rate}")
        self.seed = seed
        self.port = port
        self._access_log = access_log
        self.faults = FaultSet(seed=seed, spec=faults)  # a bad spec raises FaultSpecError here
        self._owns_media = media is None
        self.media = media or MediaStore(cache_dir or default_cache_dir(), max_cache_bytes=max_cache_bytes)
        self._work_dir = Path(tempfile.mkdtemp(prefix="faceter-demo-"))
        self.dataset = build_dataset(seed=seed, count=cameras, archive_days=archive_days, now=time.time())
        self.state = DemoState(
            dataset=self.dataset,
            media=self.media,
            signer=ArchiveSigner(ttl=token_ttl),
            faults=self.faults,
            integration_key=integration_key,
            work_dir=self._work_dir,
            export_delay=export_delay,
            export_failure_rate=export_failure_rate,
            live_idle_seconds=live_idle_seconds,
        )
        self.app = build_app(self.state)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._log_filter = QuietInjectedDrops(self.faults)
        self._stopped = False

    # --- addresses ----------------------------------------------------------------------------

    @property
    def integration_key(self) -> str:
        return self.state.integration_key

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """The Integration API base (what FACETER_BASE_URL / --base-url take)."""
        return self.origin + INTEGRATION_PREFIX

    @property
    def archive_base_url(self) -> str:
        return self.origin + ARCHIVE_PREFIX

    @property
    def cameras(self) -> list[CameraSpec]:
        return self.dataset.cameras

    # --- life cycle ---------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> DemoService:
        if self._thread is not None:
            return self
        if self._stopped:
            raise RuntimeError("a stopped DemoService cannot be started again")
        # After stop_serving() the same port is bound again: clients see the service come back.
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the
        # listening socket names it, and without it every keep-alive answer waits ~40 ms (Nagle).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((HOST, self.port))
        except OSError:
            sock.close()
            raise
        self._socket = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            http="h11",
            ws="none",
            loop="asyncio",
            log_config=None,
            access_log=self._access_log,
            timeout_graceful_shutdown=3,
            timeout_keep_alive=5,
        )
        self._server = uvicorn.Server(config)
        logging.getLogger("uvicorn.error").addFilter(self._log_filter)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="demo-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the demo service did not start")
            time.sleep(0.01)
        log.info("demo service listening on %s", self.origin)
        return self

    def stop(self) -> None:
        """Stop serving, end ffmpeg and worker threads, remove temporary files. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self.stop_serving()
        self.state.close()
        if self._owns_media:
            self.media.close()
        logging.getLogger("uvicorn.error").removeFilter(self._log_filter)
        shutil.rmtree(self._work_dir, ignore_errors=True)

    def stop_serving(self) -> None:
        """Close the port (connections are refused) but keep the state: `start()` serves the
        same cameras, archive and tokens on the same port again (the service gone and back)."""
        server, thread, sock = self._server, self._thread, self._socket
        self._server = self._thread = self._socket = None
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(timeout=10)
            if thread.is_alive():
                server.force_exit = True
                thread.join(timeout=5)
        if sock is not None:
            sock.close()

    def __enter__(self) -> DemoService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- first-run media ----------------------------------------------------------------------

    def warm_up_camera(self) -> CameraSpec:
        """The camera the app shows first: the first online camera with archive access."""
        return next((c for c in self.cameras if c.is_online and c.archive_granted), self.cameras[0])

    def _live_window(self) -> tuple[CameraSpec, int, int]:
        camera = self.warm_up_camera()
        starts = live_segment_starts(time.time())
        return camera, starts[0], starts[-1] + 2

    def needs_warm_up(self) -> bool:
        """True when the first camera's live window is not cached yet (a first run, or a cold
        cache): the app then shows a progress dialog while warm_up() runs."""
        camera, start, end = self._live_window()
        return not all(self.media.is_cached(camera.look, s) for s in range(start, end, 2))

    def warm_up(self, on_progress: WarmUpProgress | None = None) -> None:
        """Generate the first live/archive window of the first camera (progress 0..1; raise in
        the callback to stop). Blocking: call it from a worker thread. Quick when cached."""
        camera, start, end = self._live_window()
        # 10 s of archive before the live window and 20 s after "now": the player starts at
        # either, and needs_warm_up() stays false for a while after this returns.
        self.media.pregenerate(camera.look, start - 10, end + 20, on_progress)


def run_demo_server(
    port: int = 0,
    cameras: int = 12,
    seed: int = 1,
    token_ttl: int = 3600,
    faults: str | None = None,
    export_delay: float = 3.0,
    archive_days: int = 3,
    cache_dir: Path | None = None,
    *,
    export_failure_rate: float = 0.0,
    warm_up: bool = True,
    access_log: bool = False,
    out: TextIO | None = None,
    stop_event: threading.Event | None = None,
) -> int:
    """Run the demo service in the foreground until Ctrl+C (or `stop_event`); print its base URL
    and integration key. Returns the exit status: 0, or 2 for a bad argument / busy port."""
    out = out or sys.stdout
    try:
        service = DemoService(
            cameras=cameras,
            seed=seed,
            token_ttl=token_ttl,
            faults=faults,
            export_delay=export_delay,
            export_failure_rate=export_failure_rate,
            archive_days=archive_days,
            cache_dir=cache_dir,
            port=port,
            access_log=access_log,
        )
    except (FaultSpecError, ValueError) as exc:
        print(f"faceter-viewer demo-server: {exc}", file=sys.stderr)
        return 2
    try:
        service.start()
    except OSError as exc:
        service.stop()
        print(f"faceter-viewer demo-server: cannot listen on {HOST}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    stop_event = stop_event or threading.Event()
    restore_sigterm = _stop_on_sigterm(stop_event)
    try:
        print(f"Faceter demo service ({cameras} cameras, seed {seed}, token TTL {token_ttl} s)", file=out)
        print(f"  Integration API: {service.base_url}", file=out)
        print(f"  Integration key: {service.integration_key}", file=out)
        print(f"  Archive API:     {service.archive_base_url}", file=out)
        if faults:
            print(f"  Faults:          {faults}", file=out)
        if export_failure_rate:
            print(f"  Export failures: {export_failure_rate * 100:g} % of exports fail on purpose", file=out)
        print("Use it with:", file=out)
        print(f"  export FACETER_BASE_URL={service.base_url}", file=out)
        print(f"  export FACETER_INTEGRATION_KEY={service.integration_key}", file=out)
        out.flush()
        if warm_up and service.needs_warm_up():
            service.warm_up(_text_progress(out))
        print("Serving. Press Ctrl+C to stop.", file=out)
        out.flush()
        while not stop_event.wait(0.5):
            pass
    except KeyboardInterrupt:
        print("\nStopping the demo service…", file=out)
    finally:
        service.stop()
        restore_sigterm()
    return 0


def _stop_on_sigterm(stop_event: threading.Event) -> Callable[[], None]:
    """SIGTERM (a service manager, `kill`) stops as cleanly as Ctrl+C. Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop_event.set())
    return lambda: signal.signal(signal.SIGTERM, previous)


def _text_progress(out: TextIO) -> WarmUpProgress:
    """"Generating the first demo video:  40%" at every 10 %: on one line in a terminal, one
    line each otherwise (a log file)."""
    shown = [-1]
    one_line = out.isatty()

    def report(fraction: float) -> None:
        step = int(fraction * 10)
        if step > shown[0]:
            shown[0] = step
            text = f"Generating the first demo video: {step * 10:3d}%"
            if one_line:
                print("\r" + text, end="\n" if step >= 10 else "", file=out, flush=True)
            else:
                print(text, file=out, flush=True)

    return report
