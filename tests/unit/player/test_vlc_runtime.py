"""vlc_runtime pieces that need no libvlc: the audio-output decision and background releases."""

from __future__ import annotations

import threading
from pathlib import Path

from faceter_viewer.player import vlc_runtime
from faceter_viewer.player.vlc_runtime import (
    audio_output_available,
    instance_args,
    release_in_background,
    wait_for_releases,
)


def test_audio_output_is_found_from_a_sound_server_socket(tmp_path: Path) -> None:
    runtime_dir = tmp_path / "run"
    (runtime_dir / "pulse").mkdir(parents=True)
    env = {"XDG_RUNTIME_DIR": str(runtime_dir)}
    assert not audio_output_available(env, platform="linux") or Path("/dev/snd").exists()
    (runtime_dir / "pulse" / "native").touch()
    assert audio_output_available(env, platform="linux")
    assert audio_output_available({"PULSE_SERVER": "tcp:127.0.0.1"}, platform="linux")
    assert audio_output_available({}, platform="win32")  # only Linux is checked
    assert audio_output_available({}, platform="darwin")


def test_headless_instances_get_the_dummy_audio_output() -> None:
    assert "--aout=adummy" in instance_args(audio=False)
    assert not any(arg.startswith("--aout") for arg in instance_args(audio=True))
    assert "--no-xlib" in instance_args(audio=True)


def test_releases_run_off_the_calling_thread_and_can_be_waited_for() -> None:
    started, finish = threading.Event(), threading.Event()
    threads: list[threading.Thread] = []

    def slow_release() -> None:
        threads.append(threading.current_thread())
        started.set()
        finish.wait(5)

    release_in_background(slow_release)
    assert started.wait(5)
    assert threads[0] is not threading.current_thread()
    assert not wait_for_releases(timeout=0.05)
    finish.set()
    assert wait_for_releases(timeout=5)


def test_an_owner_waits_for_its_own_releases_only() -> None:
    mine, others = threading.Event(), threading.Event()
    me, someone = object(), object()
    release_in_background(lambda: mine.wait(5), owner=me)
    release_in_background(lambda: others.wait(5), owner=someone)
    assert not wait_for_releases(timeout=0.05, owner=me)
    mine.set()
    assert wait_for_releases(timeout=5, owner=me)  # while the other one still runs
    assert not wait_for_releases(timeout=0.05)
    others.set()
    assert wait_for_releases(timeout=5)


def test_a_failing_release_is_logged_not_raised(caplog) -> None:
    def broken() -> None:
        raise RuntimeError("libvlc said no")

    release_in_background(broken)
    assert wait_for_releases(timeout=5)
    assert "releasing a libvlc player failed" in caplog.text
    assert not vlc_runtime._releases
