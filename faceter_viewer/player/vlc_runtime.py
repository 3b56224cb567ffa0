"""The process-wide libvlc: loaded when the first video plays, off the GUI thread.

Every VlcBackend (one per tile of a grid) shares one `vlc.Instance`; each has its own media
player. Loading means `import vlc` (which dlopens libvlc), the capability probe and
`vlc.Instance()` - ~20 ms with libvlc's plugin cache, ~750 ms without - so it runs on a thread.
Releasing a player calls `libvlc_media_player_stop`, which joins libvlc's threads and can wait on
the network for a long time; that runs on a short-lived thread too (`release_in_background`),
and `wait_for_releases` (also registered with atexit) lets the process end only after them, so
libvlc never calls back into a finalizing interpreter. The loader thread is waited for at exit
too (`_wait_for_loader`): it hands its result over by emitting a Qt signal, and a daemon thread
still inside that C++ frame when Python finalizes is ended by a forced unwind that aborts the
process ("terminate called without an active exception").
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from faceter_viewer.player.capability import (
    Capabilities,
    capabilities_of,
    check_instance,
    import_vlc,
    libvlc_version,
)

log = logging.getLogger(__name__)

BASE_INSTANCE_ARGS = (
    "--quiet",  # libvlc prints to stderr otherwise
    "--no-xlib",  # we never give libvlc an X window; it must not call XInitThreads behind Qt
    "--no-video-title-show",
    "--no-snapshot-preview",
    "--no-stats",
    "--no-sub-autodetect-file",
)
# Without a sound server libvlc's default outputs log errors and may stall starting audio.
NO_AUDIO_ARGS = ("--aout=adummy",)


def audio_output_available(env: dict[str, str] | None = None, platform: str = sys.platform) -> bool:
    """Is there somewhere to play sound? Only Linux is checked; elsewhere there always is."""
    if not platform.startswith("linux"):
        return True
    env = dict(os.environ) if env is None else env
    if env.get("PULSE_SERVER"):
        return True
    runtime_dir = Path(env.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}")
    sockets = [runtime_dir / "pulse" / "native", runtime_dir / "pipewire-0"]
    sockets.append(Path("/var/run/pulse/native"))
    if any(path.exists() for path in sockets):
        return True
    snd = Path("/dev/snd")
    return snd.is_dir() and any(snd.glob("pcmC*D*p"))  # an ALSA playback device


def instance_args(audio: bool) -> list[str]:
    return [*BASE_INSTANCE_ARGS, *(() if audio else NO_AUDIO_ARGS)]


@dataclass(frozen=True)
class VlcRuntime:
    vlc: ModuleType
    instance: Any  # vlc.Instance
    capabilities: Capabilities
    audio_output: bool


_lock = threading.Lock()
_runtime: VlcRuntime | None = None
_failure: Capabilities | None = None
_loader: threading.Thread | None = None
_loader_thread: threading.Thread | None = None  # the last one started, cleared only by exit
_waiters: list[Callable[[VlcRuntime | None, Capabilities], None]] = []


def loaded_runtime() -> VlcRuntime | None:
    return _runtime


def load_runtime() -> tuple[VlcRuntime | None, Capabilities]:
    """Load libvlc now (blocking; cached). (runtime, capabilities) or (None, the failure)."""
    global _runtime, _failure
    with _lock:
        if _runtime is not None:
            return _runtime, _runtime.capabilities
        if _failure is not None:
            return None, _failure
    runtime, caps = _load()
    with _lock:
        if runtime is not None and _runtime is None:
            _runtime = runtime
        elif runtime is None:
            _failure = caps
        return _runtime, (_runtime.capabilities if _runtime else caps)


def load_runtime_async(on_done: Callable[[VlcRuntime | None, Capabilities], None]) -> None:
    """Call `on_done(runtime, capabilities)` once libvlc is loaded: at once (on this thread) if
    it is, else later on the loader thread - so `on_done` should only emit a queued signal."""
    global _loader, _loader_thread
    with _lock:
        done = _runtime is not None or _failure is not None
        if not done:
            _waiters.append(on_done)
            if _loader is None:
                _loader = threading.Thread(target=_load_for_waiters, name="libvlc-load")
                _loader.daemon = True
                _loader_thread = _loader
                _loader.start()
    if done:
        runtime, caps = load_runtime()
        on_done(runtime, caps)


def _load_for_waiters() -> None:
    global _loader
    runtime, caps = load_runtime()
    with _lock:
        waiters = list(_waiters)
        _waiters.clear()
        _loader = None
    for waiter in waiters:
        try:
            waiter(runtime, caps)
        except RuntimeError:  # the backend was deleted meanwhile (its C++ object is gone)
            log.debug("a player went away while libvlc loaded")


def _load() -> tuple[VlcRuntime | None, Capabilities]:
    vlc, problem = import_vlc()
    if vlc is None:
        return None, Capabilities(problem=problem)
    audio = audio_output_available()
    instance, problem = check_instance(vlc, instance_args(audio))
    if instance is None:
        return None, Capabilities(problem=problem, libvlc_version=libvlc_version(vlc))
    caps = capabilities_of(vlc)
    log.info("%s; audio output: %s", caps.summary(), "yes" if audio else "none (adummy)")
    return VlcRuntime(vlc=vlc, instance=instance, capabilities=caps, audio_output=audio), caps


# -- releasing players off the GUI thread -------------------------------------------------------

# The one registry of release threads: each running release and who asked for it (its owner, so
# one player can wait for its own releases without waiting for every other tile's).
_releases: dict[threading.Thread, object | None] = {}


def release_in_background(
    release: Callable[[], None], *, owner: object | None = None, name: str = "libvlc-release"
) -> None:
    """Run `release` (stop + release of a player) on its own thread and remember it, under
    `owner` (see wait_for_releases), until it is done."""

    def run() -> None:
        try:
            release()
        except Exception:  # a failing release must not kill the app; it is logged
            log.exception("releasing a libvlc player failed")
        finally:
            with _lock:
                _releases.pop(threading.current_thread(), None)

    thread = threading.Thread(target=run, name=name, daemon=True)
    with _lock:
        _releases[thread] = owner
    thread.start()


def wait_for_releases(timeout: float = 5.0, *, owner: object | None = None) -> bool:
    """Wait until every background release (of `owner`, or of anyone when None) is done;
    False if some are still running after `timeout` seconds."""

    def pending() -> list[threading.Thread]:
        with _lock:
            return [t for t, o in _releases.items() if owner is None or o is owner]

    deadline = time.monotonic() + timeout
    for thread in pending():
        thread.join(max(0.0, deadline - time.monotonic()))
    return not pending()


def _wait_for_loader(timeout: float = 5.0) -> None:
    with _lock:
        loader = _loader_thread
    if loader is not None:
        loader.join(timeout)


atexit.register(wait_for_releases)
atexit.register(_wait_for_loader)
