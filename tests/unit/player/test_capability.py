"""Capability probe pieces that need no libvlc: plugin folder search, messages, and what the
import step makes of python-vlc's failure modes (the real failures are provoked in
tests/integration/test_player_capability.py)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from faceter_viewer.player import capability
from faceter_viewer.player.capability import (
    Capabilities,
    has_plugin,
    import_vlc,
    plugin_dirs,
)


def make_plugins(root: Path, *names: str) -> Path:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    return root


def test_live555_is_found_in_any_subfolder(tmp_path: Path) -> None:
    with_live555 = make_plugins(
        tmp_path / "a", "access/libhttp_plugin.so", "access/liblive555_plugin.so"
    )
    without = make_plugins(
        tmp_path / "b", "access/libhttp_plugin.so", "demux/libadaptive_plugin.so"
    )
    assert has_plugin([without, with_live555], capability.LIVE555_PLUGIN_PREFIX) is True
    assert has_plugin([without], capability.LIVE555_PLUGIN_PREFIX) is False
    assert has_plugin([without], capability.ADAPTIVE_PLUGIN_PREFIX) is True
    assert has_plugin([], capability.LIVE555_PLUGIN_PREFIX) is None  # nothing searched: unknown
    windows = make_plugins(tmp_path / "c", "access/liblive555_plugin.dll")
    assert has_plugin([windows], capability.LIVE555_PLUGIN_PREFIX) is True


def test_plugin_dirs_honour_vlc_plugin_path_and_skip_missing_folders(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    env = {
        "VLC_PLUGIN_PATH": f"{first}{':' if sys.platform != 'win32' else ';'}{tmp_path / 'gone'}"
    }
    fake_vlc = types.SimpleNamespace(plugin_path=str(second))
    dirs = plugin_dirs(fake_vlc, env)  # type: ignore[arg-type]
    assert dirs[:2] == [first.resolve(), second.resolve()]
    assert all(d.is_dir() for d in dirs)


def test_messages_say_what_is_missing_and_what_to_do() -> None:
    missing = Capabilities(problem=capability.MSG_LIBVLC_MISSING)
    assert not missing.can_play and missing.rtsp_message == missing.problem
    assert "libvlc5" in missing.summary()
    no_rtsp = Capabilities(problem=None, libvlc_version="3.0.24", rtsp=False, hls=True)
    assert no_rtsp.can_play and no_rtsp.rtsp_message == capability.MSG_NO_RTSP
    assert "HLS yes, RTSP no" in no_rtsp.summary()
    unknown = Capabilities(problem=None, libvlc_version="3.0.24", rtsp=None, hls=None)
    assert unknown.rtsp_message == capability.MSG_RTSP_UNKNOWN
    assert Capabilities(problem=None, rtsp=True).rtsp_message is None
    assert "{version}" in capability.MSG_PLUGINS_MISSING


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (NameError("no function 'libvlc_get_version'"), capability.MSG_LIBVLC_MISSING),
        (OSError("libvlc.dll: cannot open"), capability.MSG_LIBVLC_MISSING),
        (AttributeError("dll"), capability.MSG_LIBVLC_MISSING),
    ],
)
def test_import_vlc_turns_a_failing_first_call_into_the_message(
    monkeypatch: pytest.MonkeyPatch, failure: Exception, expected: str
) -> None:
    def broken() -> bytes:
        raise failure

    monkeypatch.setitem(sys.modules, "vlc", types.SimpleNamespace(libvlc_get_version=broken))
    assert import_vlc() == (None, expected)


def test_import_vlc_turns_an_exiting_import_into_the_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """python-vlc calls sys.exit(1) while being imported when PYTHON_VLC_LIB_PATH is wrong."""

    class ExitingFinder:
        def find_spec(self, name: str, path: object = None, target: object = None) -> None:
            if name == "vlc":
                raise SystemExit(1)

    monkeypatch.delitem(sys.modules, "vlc", raising=False)
    monkeypatch.setattr(sys, "meta_path", [ExitingFinder(), *sys.meta_path])
    assert import_vlc() == (None, capability.MSG_LIBVLC_MISSING)


def test_import_vlc_without_python_vlc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vlc", None)  # import raises ImportError
    assert import_vlc() == (None, capability.MSG_PYTHON_VLC_MISSING)
