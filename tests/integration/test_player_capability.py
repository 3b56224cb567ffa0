"""The capability probe against real broken installations, each made in a child process:

- libvlc missing: PYTHON_VLC_LIB_PATH names a library without libvlc's symbols (libm), which is
  exactly what python-vlc does on Linux when it finds no libvlc (it loads the process itself):
  `import vlc` works, the first call raises NameError. Or it names a missing file: python-vlc
  calls sys.exit(1) while being imported.
- plugins missing: a copy of libvlc + libvlccore in an empty folder; libvlccore looks for its
  plugins next to itself, finds none, and vlc.Instance() returns None.
- no RTSP: Debian's own libvlc (no live555), when this machine has it.

Each must end in the user message, not a traceback, both from the probe's command line and
from a VlcBackend asked to play.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from faceter_viewer.player import capability
from faceter_viewer.player.backend import PlayerState
from faceter_viewer.player.capability import probe_capabilities
from faceter_viewer.player.vlc_backend import VlcBackend
from faceter_viewer.player.vlc_runtime import wait_for_releases

REPO_ROOT = Path(__file__).resolve().parents[2]

BACKEND_SCRIPT = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication
    from faceter_viewer.player.vlc_backend import VlcBackend

    app = QApplication([])
    backend = VlcBackend()
    messages = []
    backend.error_occurred.connect(messages.append)
    backend.error_occurred.connect(lambda _: app.quit())
    QTimer.singleShot(15000, app.quit)
    backend.open("http://127.0.0.1:9/never-fetched.m3u8")
    app.exec()
    print("STATE", backend.state().name)
    print("MESSAGE", messages[0] if messages else None)
    """
)


def libvlc_library() -> Path:
    vlc = pytest.importorskip("vlc")
    for line in Path("/proc/self/maps").read_text().splitlines():
        path = line.split()[-1]
        if Path(path).name.startswith("libvlc.so"):
            return Path(path)
    name = getattr(vlc.dll, "_name", None)
    if name and Path(name).is_file():
        return Path(name)
    pytest.skip("cannot tell where libvlc is loaded from")


def hidden_libvlc_env(kind: str, tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO_ROOT))
    if kind == "missing file":
        env["PYTHON_VLC_LIB_PATH"] = str(tmp_path / "no-such-libvlc.so")
    elif kind == "not libvlc":
        other = ctypes.util.find_library("m")
        if other is None:
            pytest.skip("no libm to stand in for a missing libvlc")
        env["PYTHON_VLC_LIB_PATH"] = other
    elif kind == "no plugins":
        library = libvlc_library()
        folder = tmp_path / "lonely-libvlc"
        folder.mkdir()
        for pattern in ("libvlc.so*", "libvlccore.so*"):
            for file in library.parent.glob(pattern):
                shutil.copy2(file, folder / file.name)
        env["PYTHON_VLC_LIB_PATH"] = str(folder / library.name)
        env["LD_LIBRARY_PATH"] = str(folder)
        env.pop("VLC_PLUGIN_PATH", None)
    return env


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("missing file", capability.MSG_LIBVLC_MISSING),
        ("not libvlc", capability.MSG_LIBVLC_MISSING),
        ("no plugins", capability.MSG_PLUGINS_MISSING.split("{version}")[0]),
    ],
)
def test_probe_command_explains_a_broken_libvlc(kind: str, expected: str, tmp_path: Path) -> None:
    env = hidden_libvlc_env(kind, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "faceter_viewer.player.capability"],
        capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=60, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert expected in result.stdout, output
    assert "Traceback" not in output


@pytest.mark.parametrize("kind", ["missing file", "not libvlc", "no plugins"])
def test_backend_reports_the_message_instead_of_crashing(kind: str, tmp_path: Path) -> None:
    env = hidden_libvlc_env(kind, tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", BACKEND_SCRIPT],
        capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=60, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "STATE ERROR" in result.stdout, output
    message = next(line for line in result.stdout.splitlines() if line.startswith("MESSAGE "))
    assert ("plugins were not" in message) if kind == "no plugins" else ("was not found" in message)
    assert "Traceback" not in output


def test_probe_of_this_machine_matches_its_plugin_folder() -> None:
    caps = probe_capabilities()
    assert caps.can_play, caps.problem
    assert caps.hls is True
    live555 = [p for d in caps.plugin_dirs for p in Path(d).rglob("liblive555_plugin*")]
    assert caps.rtsp is bool(live555)
    assert (caps.rtsp_message is None) is bool(live555)


def test_rtsp_without_live555_is_refused_with_the_message(qtbot: QtBot) -> None:
    caps = probe_capabilities()
    if caps.rtsp is not False:
        pytest.skip("this libvlc has live555 (or it cannot be told): RTSP is not refused")
    backend = VlcBackend()
    try:
        with qtbot.waitSignal(backend.error_occurred, timeout=10000) as error:
            backend.open("rtsp://127.0.0.1:9/stream")
        assert error.args[0] == capability.MSG_NO_RTSP
        assert backend.state() is PlayerState.ERROR
    finally:
        backend.close(wait=True)
        assert wait_for_releases(10.0)
