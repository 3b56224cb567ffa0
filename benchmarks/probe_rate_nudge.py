"""What libvlc does with a small rate change on a playing archive stream (the sync controller's
correction): is the picture smooth, when does the new rate show, how far does a short nudge
move the picture, and does our position (PlaybackClock) follow?

One VlcBackend plays a demo archive (HLS, 2-s TS segments, AAC audio through `--aout=adummy`)
at a base rate; it is then nudged (e.g. 1.03x for 1 s) and put back, several times. Every
frame reaching the GUI is decoded (its burnt-in timecode) with libvlc's display time. Per nudge
it prints:

- `old cadence for`: how long after set_rate the pictures kept the old rate (frame intervals
  unchanged), before one early or late picture put them where the new rate would have them;
- `shift`: how far the picture moved against the base-rate line (the line fitted before the
  nudge against the one fitted after), and what (rate - base) x (time at that rate) predicts;
- `ours - picture`: our position at each frame's display time minus the frame's time, median
  and worst, during the nudge and after it.

    .venv/bin/python benchmarks/probe_rate_nudge.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks._qt import wait  # noqa: E402
from faceter_viewer.api.integration import IntegrationClient  # noqa: E402
from faceter_viewer.app import WORKERS  # noqa: E402
from faceter_viewer.demo import DemoService  # noqa: E402
from faceter_viewer.demo.media.timecode import TimecodeError, decode_epoch_ms  # noqa: E402
from faceter_viewer.player import vlc_backend  # noqa: E402
from faceter_viewer.player.vlc_backend import VlcBackend  # noqa: E402
from faceter_viewer.services.camera_view import CameraView  # noqa: E402
from faceter_viewer.services.session import Session  # noqa: E402
from faceter_viewer.services.tasks import TaskRunner  # noqa: E402
from tests.helpers.frames import qimage_to_array  # noqa: E402

SETTLE = 3.0  # seconds at the base rate between nudges
NUDGES_1X = [(1.03, 1.0), (1.05, 0.4), (0.95, 2.0), (1.10, 0.5), (1.03, 3.0), (0.97, 0.2)]
NUDGES_4X = [(4.12, 1.0), (4.20, 0.4), (3.80, 1.0), (4.40, 0.5)]


class FrameLog:
    """(display time, decoded media time, our position at the display time) of every frame."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, float, float]] = []
        self.recording = False
        original = vlc_backend.VlcBackend._on_frame

        def on_frame(backend, session, frame) -> None:
            original(backend, session, frame)
            if not self.recording:
                return
            try:
                decoded = decode_epoch_ms(qimage_to_array(frame.image)) / 1000.0
            except TimecodeError:
                return
            self.rows.append((frame.shown_at, decoded, backend._machine._clock.position(frame.shown_at)))

        vlc_backend.VlcBackend._on_frame = on_frame  # type: ignore[method-assign]


def run(app, view: CameraView, log: FrameLog, start: float, base: float, nudges) -> None:
    backend = view.backend
    first: list[float] = []
    backend.first_frame_shown.connect(lambda _s: first.append(time.monotonic()))
    backend.set_rate(base)
    view.play_archive(start)
    wait(app, lambda: bool(first), timeout=30)
    wait(app, lambda: time.monotonic() >= first[0] + 1.0, timeout=5)
    log.rows.clear()
    log.recording = True

    def hold(seconds: float) -> None:
        until = time.monotonic() + seconds
        wait(app, lambda: time.monotonic() >= until, timeout=seconds + 5)

    marks = []  # (set at, back at, rate, seconds)
    hold(SETTLE)
    for rate, seconds in nudges:
        began = time.monotonic()
        backend.set_rate(rate)
        hold(seconds)
        back = time.monotonic()
        backend.set_rate(base)
        marks.append((began, back, rate, seconds))
        hold(SETTLE)
    log.recording = False
    data = np.array(log.rows)
    window = view.playback.window
    assert window is not None
    data[:, 2] = [window.time_at(position) for position in data[:, 2]]  # seconds into the playlist -> wall time
    # The media time the picture had against the wall, per frame; the offset to a base-rate line.
    print(f"  {len(data)} frames decoded; frame steps: {np.median(np.diff(data[:, 1])) * 1000:.0f} ms median")
    for index, (began, back, rate, seconds) in enumerate(marks):
        before_from = marks[index - 1][1] + 1.5 if index else data[0, 0]
        before = data[(data[:, 0] >= before_from) & (data[:, 0] < began)]
        after = data[(data[:, 0] >= back + 1.5) & (data[:, 0] < back + SETTLE)]
        line = lambda rows: np.median(rows[:, 1] - base * rows[:, 0])  # noqa: E731 - offset at base rate
        shift = (line(after) - line(before)) * 1000
        predicted = (rate - base) * (back - began) * 1000
        # The first frame after set_rate whose interval differs from the base cadence by more
        # than 3 ms: the moment the new rate reached the pictures.
        during = data[data[:, 0] >= began]
        steps = np.diff(during[:, 0])
        cadence = (1 / 25) / base
        odd = np.nonzero(np.abs(steps - cadence) > 0.003)[0]
        switched = (during[odd[0] + 1, 0] - began) * 1000 if len(odd) else float("nan")
        ours = (data[:, 2] - data[:, 1]) * 1000
        in_nudge = ours[(data[:, 0] >= began) & (data[:, 0] < back + 1.5)]
        settled = ours[(data[:, 0] >= back + 1.5) & (data[:, 0] < back + SETTLE)]
        worst = in_nudge[np.argmax(np.abs(in_nudge))]
        print(
            f"  {rate:4.2f}x for {seconds:3.1f} s: old cadence for {switched:5.0f} ms; shift {shift:+6.1f} ms"
            f" (predicted {predicted:+6.1f}); ours - picture: during {np.median(in_nudge):+6.1f} ms"
            f" (worst {worst:+6.1f}), after {np.median(settled):+6.1f} ms"
        )


def main() -> None:
    app = QApplication.instance() or QApplication([])
    log = FrameLog()
    with DemoService() as service, IntegrationClient(service.integration_key, service.base_url) as client:
        spec = service.cameras[0]
        camera = next(c for c in client.list_cameras() if c.id == spec.id)
        start = float(service.dataset.anchor - 1100)
        print("warming the demo media...")
        service.media.pregenerate(spec.look, int(start), int(start) + 300)
        runner = TaskRunner(WORKERS)
        session = Session(client, runner)
        view = CameraView(session, VlcBackend())
        view.set_camera(camera)
        try:
            print("1x, nudged:")
            run(app, view, log, start, 1.0, NUDGES_1X)
            print("4x, nudged:")
            run(app, view, log, start + 60, 4.0, NUDGES_4X)
        finally:
            view.close()
            runner.shutdown()
            session.close()


if __name__ == "__main__":
    main()
