"""Threads of the app with 1 and with N camera view-models (issue 8: one worker pool per session).

Each CameraView is set to a demo camera, asked for an hour of timeline, a preview, and the archive
at a recent moment (a playlist fetched through the session's pool), then left until all of that
is done. Counted then, besides the main thread and the in-process demo service's own threads:

- Python threads (threading.enumerate()): the session's pool (at most WORKERS), its archive
  proxy, and anything a view would start of its own (none should). With real players the
  archive proxy (services/archive_proxy.py, a ThreadingHTTPServer) also runs one handler thread
  per connection libvlc keeps open ("process_request_thread"), so that count follows the
  number of players playing the archive;
- with `--backend vlc`, also the process's OS threads (/proc/self/task): libvlc runs its own
  native threads per player (input, decoder, video output), which no pool can share; that count
  grows with the players on screen by design and is printed for the record.

    .venv/bin/python benchmarks/bench_view_threads.py [--views 1 16] [--backend fake|vlc]
"""

from __future__ import annotations

import argparse
import os
import sys
import re
import threading
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks._qt import wait  # noqa: E402
from faceter_viewer.api.integration import IntegrationClient  # noqa: E402
from faceter_viewer.app import WORKERS  # noqa: E402
from faceter_viewer.demo import DemoService  # noqa: E402
from faceter_viewer.services.camera_view import CameraView  # noqa: E402
from faceter_viewer.services.playback import Mode  # noqa: E402
from faceter_viewer.services.session import Session  # noqa: E402
from faceter_viewer.services.tasks import TaskRunner  # noqa: E402

DEMO_PREFIXES = ("AnyIO worker thread", "demo-")  # the demo service's threads, serving us


def app_threads() -> list[str]:
    return sorted(
        t.name for t in threading.enumerate() if t is not threading.main_thread() and not t.name.startswith(DEMO_PREFIXES)
    )


def _kind(name: str) -> str:
    """A thread's kind: "Thread-12 (process_request_thread)" -> "process_request_thread"."""
    match = re.fullmatch(r"Thread-\d+ \((.+)\)", name)
    return match.group(1) if match else name.rstrip("0123456789_")


def os_threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return -1


def make_backend(kind: str):
    if kind == "vlc":
        from faceter_viewer.player.vlc_backend import VlcBackend

        return VlcBackend()
    from tests.helpers.fake_backend import FakeBackend

    return FakeBackend()


def playing(view: CameraView, shown: set[int]) -> bool:
    """The archive asked for is open: opened (FakeBackend) or its first frame shown (libvlc)."""
    if view.playback.mode is not Mode.ARCHIVE or view.playback.window is None:
        return False
    opened = getattr(view.backend, "opened", None)
    return bool(opened) if opened is not None else id(view) in shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--views", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--backend", choices=("fake", "vlc"), default="fake")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    with DemoService() as service, IntegrationClient(service.integration_key, service.base_url) as client:
        cameras = [c for c in client.list_cameras() if c.is_online and c.has_archive_access]
        t = service.dataset.anchor - 1500.0
        base_python, base_os = len(app_threads()), os_threads()
        print(f"before any session: {base_python} app Python threads, {base_os} OS threads in the process")
        for n in args.views:
            runner = TaskRunner(WORKERS, name="faceter-worker")  # the app's shared pool
            session = Session(IntegrationClient(service.integration_key, service.base_url), runner)  # closes it
            views = [CameraView(session, make_backend(args.backend)) for _ in range(n)]
            shown: set[int] = set()
            for i, view in enumerate(views):
                view.backend.first_frame_shown.connect(lambda _s, key=id(view): shown.add(key))
                view.set_camera(cameras[i % len(cameras)])
                view.timeline_data.request_range(t - 3600, t + 600)
                view.request_thumbnail(t)
                view.play_archive(t)
            wait(app, lambda: all(playing(v, shown) and v.timeline_data.idle for v in views), timeout=120)
            deadline = time.monotonic() + 1.0  # let the previews and the players settle
            while time.monotonic() < deadline:
                app.processEvents()
                time.sleep(0.01)
            names = app_threads()
            pool = sum(1 for name in names if name.startswith("faceter-worker"))
            others = Counter(_kind(name) for name in names if not name.startswith("faceter-worker"))
            line = (
                f"{n:>3} view(s), {args.backend} backend: {len(names)} app Python threads "
                f"(pool {pool} of max {WORKERS}; others: {', '.join(f'{k} {c}' for k, c in sorted(others.items())) or 'none'})"
            )
            if args.backend == "vlc":
                count = os_threads()
                line += f"; OS threads {count} (+{count - base_os} over the start)"
            print(line)
            for view in views:
                view.close()
            session.close()
            runner.shutdown()
            if args.backend == "vlc":
                from faceter_viewer.player.vlc_runtime import wait_for_releases

                wait_for_releases(20.0)
            app.processEvents()


if __name__ == "__main__":
    main()
