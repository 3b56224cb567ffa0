"""The real app as a user starts it: `faceter-viewer --demo` on an X display, video on screen.

Needs an X server (./scripts/test runs the suite under xvfb-run when there is no display).
Set FACETER_SCREENSHOT_DIR to keep the screenshot (docs/ holds the README's copy).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.slow

GRAB = textwrap.dedent(
    """
    import sys
    from PySide6.QtGui import QGuiApplication
    app = QGuiApplication(sys.argv)
    ok = QGuiApplication.primaryScreen().grabWindow(0).save(sys.argv[1], "PNG")
    sys.exit(0 if ok else 1)
    """
)


def grab_screen(path: Path, env: dict[str, str]) -> np.ndarray:
    subprocess.run([sys.executable, "-c", GRAB, str(path)], env=env, check=True, timeout=30)
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB")).astype(int)


@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display (run ./scripts/test)")
def test_demo_app_starts_and_shows_live_video(tmp_path):
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="xcb",
        XDG_CONFIG_HOME=str(tmp_path / "config"),  # fresh settings: no last camera, no geometry
        XDG_STATE_HOME=str(tmp_path / "state"),  # the log we read
    )
    log_file = tmp_path / "state" / "faceter-viewer" / "log" / "faceter-viewer.log"
    output = tmp_path / "app-output.txt"
    with open(output, "w") as sink:
        app = subprocess.Popen([sys.executable, "-m", "faceter_viewer", "--demo"], env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120  # a cold media cache is generated first
        while time.monotonic() < deadline:
            assert app.poll() is None, f"the app exited early:\n{output.read_text()}"
            if log_file.exists() and "first frame shown" in log_file.read_text(errors="replace"):
                break
            time.sleep(0.25)
        else:
            pytest.fail("no video within 120 s:\n" + (log_file.read_text() if log_file.exists() else "(no log)"))
        time.sleep(2.0)  # let a few frames and the timeline settle
        first = grab_screen(tmp_path / "screen-1.png", env)
        time.sleep(1.5)
        second = grab_screen(tmp_path / "screen-2.png", env)

        # The window is on screen, and its right part (the player) changes: the video moves.
        assert first.shape == second.shape and first.std() > 20
        right = (slice(0, 700), slice(350, 1280))
        moving = np.abs(first[right] - second[right]).sum(axis=2) > 30
        assert moving.mean() > 0.005, "the player area did not change: no moving video"
        keep = os.environ.get("FACETER_SCREENSHOT_DIR")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            with Image.open(tmp_path / "screen-2.png") as image:
                image.crop((0, 0, 1280, 800)).save(Path(keep) / "live.png")

        app.send_signal(signal.SIGTERM)
        app.wait(timeout=20)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    log = log_file.read_text(errors="replace")
    assert "Traceback" not in log
    assert "demo-key" not in log  # the key never reaches the log
