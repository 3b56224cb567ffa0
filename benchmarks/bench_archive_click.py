"""Click on the timeline → first archive frame, and seek → the right frame, against a bare
python-vlc player on the same signed playlist in the same run.

Ours: PlayerPanel.play_archive(T) (timeline + playlist fetched on a worker, VlcBackend opens at the
offset, the first frame painted in the VideoWidget). Peer: BarePlayer.open(url, start-time) with
the playlist URL our ArchiveClient signs for the same moment; time to its first displayed frame.
Seek: ours is a second play_archive while playing; the peer's is a new open at the new offset
(libvlc's set_time lands on a keyframe, not on the frame asked for). Both checked by timecode.

    .venv/bin/python benchmarks/bench_archive_click.py [--runs 8]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks._bare_vlc import BarePlayer  # noqa: E402
from benchmarks._qt import wait
from benchmarks._stats import summary  # noqa: E402
from faceter_viewer.api.integration import IntegrationClient  # noqa: E402
from faceter_viewer.core.archive_window import plan_window  # noqa: E402
from faceter_viewer.core.timeline.intervals import ArchiveIntervals  # noqa: E402
from faceter_viewer.demo import DemoService  # noqa: E402
from faceter_viewer.demo.media.timecode import decode_timecode  # noqa: E402
from faceter_viewer.player.vlc_backend import VlcBackend  # noqa: E402
from faceter_viewer.services.session import Session  # noqa: E402
from faceter_viewer.services.tasks import TaskRunner  # noqa: E402
from faceter_viewer.app import WORKERS  # noqa: E402
from faceter_viewer.services.camera_view import CameraView  # noqa: E402
from faceter_viewer.ui.player_panel import PlayerPanel  # noqa: E402
from tests.helpers.frames import qimage_to_array  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    with DemoService() as service, IntegrationClient(service.integration_key, service.base_url) as client:
        camera = next(c for c in client.list_cameras() if c.is_online and c.has_archive_access)
        archive = client.archive(camera)
        anchor = service.dataset.anchor - 1200
        targets = [anchor - 40 * i + 0.52 for i in range(args.runs + 1)]
        for t in targets:  # generate the media once, so both players read a warm cache
            archive.fetch_playlist(t, 10)
            service.media.pregenerate(service.cameras[[c.id for c in service.cameras].index(camera.id)].look, int(t) - int(t) % 2, int(t) + 12)

        runner = TaskRunner(WORKERS)  # the app's shared pool
        panel = PlayerPanel(CameraView(Session(client, runner), VlcBackend()))
        panel.resize(900, 600)
        panel.show()
        panel.show_camera(camera)
        first: list[float] = []
        panel.video.first_frame_painted.connect(lambda: first.append(time.perf_counter()))

        ours_click, ours_seek, bare_click, bare_seek = [], [], [], []
        for i, t in enumerate(targets[1:]):
            first.clear()
            asked = time.perf_counter()
            panel.play_archive(t)
            wait(app, lambda: bool(first))
            shown = decode_timecode(qimage_to_array(panel.video.current_image())).timestamp()
            assert abs(shown - t) <= 0.041, (shown, t)
            (ours_click if i % 2 == 0 else ours_seek).append((first[0] - asked) * 1000)
            wait(app, lambda: panel.video.painted_frames > 0)
        panel.shutdown()
        runner.shutdown()

        bare = BarePlayer()
        right_frame: list[float] = []
        bare_right_click, bare_right_seek = [], []
        for i, t in enumerate(targets[1:]):
            found = client.archive(camera).timeline(t - 1, t + 3600)
            window = plan_window(ArchiveIntervals.from_pairs((x.time / 1000, (x.time + x.duration) / 1000) for x in found), t, time.time())
            window = window.with_playlist(archive.fetch_playlist(window.start, window.duration))
            right_frame.clear()

            def check(picture, target=t) -> None:  # on libvlc's thread: is this the frame asked for?
                if not right_frame:
                    try:
                        if abs(decode_timecode(picture).timestamp() - target) <= 0.041:
                            right_frame.append(time.perf_counter())
                    except ValueError:
                        pass

            bare.on_display = check
            asked = bare.open(archive.playlist_url(window.start, window.duration), window.start_offset)
            frame = bare.wait_first_frame()
            deadline = time.monotonic() + 10
            while not right_frame and time.monotonic() < deadline:
                time.sleep(0.002)
            (bare_click if i % 2 == 0 else bare_seek).append((frame - asked) * 1000)
            if right_frame:
                (bare_right_click if i % 2 == 0 else bare_right_seek).append((right_frame[0] - asked) * 1000)
        bare.close()

    print(f"Archive click and seek on the demo service, {len(ours_click)} + {len(ours_seek)} runs")
    print("Ours always shows the asked-for frame first (checked by timecode). The bare player with")
    print(":start-time shows whatever frame libvlc lands on first, and the asked-for one later:")
    print(summary("bare: open at offset → any first frame", bare_click))
    print(summary("bare: open at offset → the right frame", bare_right_click))
    print(summary("ours: timeline click → right frame", ours_click, bare_right_click, "ratio <= 1.5x"))
    print(summary("bare: re-open while playing → any frame", bare_seek))
    print(summary("bare: re-open while playing → right frame", bare_right_seek))
    print(summary("ours: seek while playing → right frame", ours_seek, bare_right_seek, "ratio <= 1.5x"))


if __name__ == "__main__":
    main()
