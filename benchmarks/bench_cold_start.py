"""Cold start: process start → main window shown, against a bare PySide6 window in the same run.

The app is started with a key in the environment against a demo service running in this
process (so no sign-in dialog and no demo start-up are counted), on the X display or offscreen.

    .venv/bin/python benchmarks/bench_cold_start.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._stats import summary  # noqa: E402
from faceter_viewer.demo import DemoService  # noqa: E402

BARE = textwrap.dedent(
    """
    import sys, time
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow
    app = QApplication(sys.argv)
    window = QMainWindow()
    window.resize(1280, 800)
    window.show()
    QTimer.singleShot(0, lambda: (print("shown", time.time(), flush=True), app.quit()))
    app.exec()
    """
)


def bare_run(env: dict[str, str]) -> float:
    started = time.time()
    out = subprocess.run([sys.executable, "-c", BARE], env=env, capture_output=True, text=True, timeout=60).stdout
    return (float(out.split()[1]) - started) * 1000


def app_run(env: dict[str, str], service: DemoService) -> float:
    with tempfile.TemporaryDirectory() as home:
        run_env = dict(env, XDG_STATE_HOME=home, XDG_CONFIG_HOME=home,
                       FACETER_INTEGRATION_KEY=service.integration_key, FACETER_BASE_URL=service.base_url)
        log = Path(home) / "faceter-viewer" / "log" / "faceter-viewer.log"
        started = time.time()
        app = subprocess.Popen([sys.executable, "-m", "faceter_viewer"], env=run_env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while time.time() - started < 60:
                if log.exists():
                    for line in log.read_text(errors="replace").splitlines():
                        if "main window shown" in line:
                            stamp = time.mktime(time.strptime(line[:19], "%Y-%m-%d %H:%M:%S")) + int(line[20:23]) / 1000
                            return (stamp - started) * 1000
                time.sleep(0.01)
            raise RuntimeError("the app did not show its window")
        finally:
            app.kill()
            app.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    env = dict(os.environ)
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    with DemoService() as service:
        app_run(env, service)  # warm the OS file cache once, for both
        bare_run(env)
        bare, ours = [], []
        for _ in range(args.runs):
            bare.append(bare_run(env))
            ours.append(app_run(env, service))
    print(f"Cold start to window shown ({'X display' if env.get('DISPLAY') else 'offscreen'}), {args.runs} runs each")
    print(summary("bare PySide6 QMainWindow", bare))
    print(summary("faceter-viewer main window", ours, bare, "ratio <= 1.5x"))


if __name__ == "__main__":
    main()
