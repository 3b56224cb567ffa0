"""One run of the real app (AppController, real libvlc, offscreen) for the layout restart test
(tests/integration/test_window_layouts.py). Run twice with the same settings folder:

    python tests/helpers/layout_restart.py arrange SETTINGS_DIR BASE_URL KEY
        3×3, cameras on tiles 0, 1 and 4, saved as "Hall and doors", window closed (state saved)
    python tests/helpers/layout_restart.py look SETTINGS_DIR BASE_URL KEY
        waits for the restored tiles to play; prints what came back

The last line of the output is a JSON object.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(step: str, settings_dir: str, base_url: str, key: str) -> int:
    os.environ["XDG_DATA_HOME"] = str(Path(settings_dir) / "data")
    from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    QCoreApplication.setOrganizationName("FaceterLayoutTests")
    QCoreApplication.setApplicationName("faceter-viewer-layouts")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(Path(settings_dir) / "settings"))

    from faceter_viewer.app import AppController
    from faceter_viewer.player.backend import PlayerState
    from faceter_viewer.player.vlc_runtime import wait_for_releases

    def wait_until(condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out waiting for {what}")
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.01)

    controller = AppController()
    result: dict = {}
    try:
        controller.open_session(base_url, key)
        wait_until(lambda: controller.window is not None and controller.window.layouts is not None, 30, "the window")
        window = controller.window
        wait_until(lambda: bool(window.browser.model.cameras()), 30, "the cameras")
        layouts = window.layouts
        layout = layouts.layout_view
        if step == "arrange":
            online = [c for c in window.session.cameras() if c.is_online][:3]
            layouts.set_kind("3x3")
            for index, camera in zip((0, 1, 4), online, strict=True):
                layout.set_tile_camera(index, camera)
            layouts.save_as("Hall and doors")
            wait_until(lambda: layout.view(4).backend.state() is PlayerState.PLAYING, 40, "tile 4 live")
            result = {"cameras": list(layout.camera_ids())}
        else:

            def playing() -> list[bool]:
                return [
                    layout.view(i) is not None
                    and layout.tile_camera_id(i) is not None
                    and layout.view(i).backend.state() is PlayerState.PLAYING
                    for i in range(layout.count)
                ]

            wanted = [layout.tile_camera_id(i) is not None for i in range(layout.count)]
            wait_until(lambda: playing() == wanted, 40, "the restored tiles to play")
            panel = window.player_panel
            result = {
                "kind": layouts.kind.value,
                "grid_shown": layouts.grid_shown,
                "cameras": list(layout.camera_ids()),
                "named": [named.name for named in layouts.named],
                "tiles_playing": playing(),
                "single_player_decoding": panel.backend.state() is not PlayerState.IDLE,
            }
    finally:
        controller.close_session()  # closing the window saves its state
        controller.runner.shutdown()
        wait_for_releases(10.0)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
