"""Can this computer play video, and which kinds? One probe, clear messages.

Three ways libvlc fails, each reproduced on Debian 12 (ARCHITECTURE.md, known traps):

- libvlc is not installed: `import vlc` (python-vlc) SUCCEEDS on Linux - it loads the process
  itself when it finds no library - and the first call raises NameError ("no function ...").
  Elsewhere it raises OSError, and with PYTHON_VLC_LIB_PATH pointing at a missing file python-vlc
  calls sys.exit(1) during the import.
- libvlc is there but its plugins are not: `vlc.Instance()` returns None.
- libvlc plays HLS but not RTSP: Debian builds it without live555, the only module that speaks
  RTSP to cameras (`access/libaccess_realrtsp_plugin.so` is RealNetworks' dialect, no help).
  libvlc 3 has no API listing its modules, so the plugin folders are searched for the live555
  plugin file; when no plugin folder can be found the answer is "unknown" (None), not "no".

`probe_capabilities()` imports vlc, so call it when the first video is about to play (it takes
~20 ms with the plugin cache, up to a second without: run it off the GUI thread).
`python -m faceter_viewer.player.capability` prints the result, for support requests.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

log = logging.getLogger(__name__)

LIVE555_PLUGIN_PREFIX = "liblive555_plugin"
ADAPTIVE_PLUGIN_PREFIX = "libadaptive_plugin"  # HLS/DASH

MSG_PYTHON_VLC_MISSING = (
    "Video playback needs the python-vlc package, which is not installed. "
    "Reinstall Faceter Viewer (pip install faceter-viewer) to get it."
)
MSG_LIBVLC_MISSING = (
    "Video playback needs VLC (libvlc 3), which was not found on this computer. "
    "Install VLC (on Debian/Ubuntu: sudo apt install libvlc5 vlc-plugin-base; on Windows and "
    "macOS: the installer from videolan.org) and restart Faceter Viewer."
)
MSG_PLUGINS_MISSING = (
    "VLC (libvlc {version}) was found, but its plugins were not, so it cannot open any video. "
    "Reinstall VLC (on Debian/Ubuntu: sudo apt install --reinstall vlc-plugin-base), or point "
    "VLC_PLUGIN_PATH at its plugins folder, and restart Faceter Viewer."
)
MSG_NO_RTSP = (
    "This VLC cannot play RTSP streams (it was built without the live555 module, as Debian's "
    "is), so live video uses HLS instead."
)
MSG_RTSP_UNKNOWN = (
    "Could not tell whether this VLC can play RTSP (its plugin folder was not found); "
    "if RTSP fails, use HLS."
)


@dataclass(frozen=True)
class Capabilities:
    """What the installed libvlc can do. `problem` is None when video can play at all."""

    problem: str | None
    libvlc_version: str | None = None
    rtsp: bool | None = None  # None: could not tell
    hls: bool | None = None
    plugin_dirs: tuple[str, ...] = ()

    @property
    def can_play(self) -> bool:
        return self.problem is None

    @property
    def rtsp_message(self) -> str | None:
        """Why RTSP is not offered (None when it is)."""
        if not self.can_play:
            return self.problem
        if self.rtsp is None:
            return MSG_RTSP_UNKNOWN
        return None if self.rtsp else MSG_NO_RTSP

    def summary(self) -> str:
        if not self.can_play:
            return self.problem or ""
        word = {True: "yes", False: "no", None: "unknown"}
        where = ", ".join(self.plugin_dirs) or "not found"
        return (
            f"libvlc {self.libvlc_version}: HLS {word[self.hls]}, RTSP {word[self.rtsp]}"
            f" (plugins: {where})"
        )


def import_vlc() -> tuple[ModuleType | None, str | None]:
    """(the vlc module, None) or (None, the user message). Never raises, never exits."""
    try:
        import vlc
    except ImportError:
        return None, MSG_PYTHON_VLC_MISSING
    except (OSError, NotImplementedError, SystemExit) as exc:
        # python-vlc exits the interpreter when PYTHON_VLC_LIB_PATH names a missing file.
        log.warning("libvlc could not be loaded: %r", exc)
        return None, MSG_LIBVLC_MISSING
    try:
        vlc.libvlc_get_version()
    except (NameError, OSError, AttributeError) as exc:
        log.warning("libvlc is not usable (%r): is it installed?", exc)
        return None, MSG_LIBVLC_MISSING
    return vlc, None


def libvlc_version(vlc: ModuleType) -> str:
    raw = vlc.libvlc_get_version()
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def check_instance(vlc: ModuleType, args: Sequence[str]) -> tuple[object | None, str | None]:
    """(a vlc.Instance, None) or (None, the user message)."""
    try:
        instance = vlc.Instance(list(args))
    except (NameError, OSError, AttributeError) as exc:
        log.warning("libvlc_new failed: %r", exc)
        return None, MSG_LIBVLC_MISSING
    if instance is None:
        return None, MSG_PLUGINS_MISSING.format(version=libvlc_version(vlc))
    return instance, None


def plugin_dirs(vlc: ModuleType | None = None, env: dict[str, str] | None = None) -> list[Path]:
    """Folders libvlc loads its plugins from, as far as they can be found, existing ones only."""
    env = os.environ if env is None else env
    candidates: list[Path] = []
    for entry in env.get("VLC_PLUGIN_PATH", "").split(os.pathsep):
        if entry:
            candidates.append(Path(entry))
    module_path = getattr(vlc, "plugin_path", None)  # python-vlc finds it on Windows/macOS
    if module_path:
        candidates += [Path(module_path), Path(module_path) / "plugins"]
    for library in loaded_libvlccore_paths():
        # libvlccore looks next to itself: <libdir>/vlc/plugins (Linux), ../plugins (macOS app).
        candidates += [library.parent / "vlc" / "plugins", library.parent.parent / "plugins"]
        candidates.append(library.parent / "plugins")
    candidates += [
        Path(p) / "vlc" / "plugins"
        for p in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64",
                  "/usr/lib", "/usr/local/lib")
    ]  # fmt: skip
    seen: list[Path] = []
    for path in candidates:
        try:
            resolved = path.resolve()
        except OSError:
            continue
        if resolved.is_dir() and resolved not in seen:
            seen.append(resolved)
    return seen


def loaded_libvlccore_paths() -> list[Path]:
    """Where the libvlccore this process has loaded lives (Linux: /proc/self/maps)."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return []
    found: list[Path] = []
    try:
        for line in maps.read_text(errors="replace").splitlines():
            path = line.split(maxsplit=5)[-1] if line.count(" ") >= 5 else ""
            if "libvlccore" in Path(path).name and Path(path) not in found:
                found.append(Path(path))
    except OSError:
        return []
    return found


def has_plugin(dirs: Iterable[Path], prefix: str) -> bool | None:
    """True/False when some plugin folder was searched; None when there was none to search."""
    searched = False
    for directory in dirs:
        searched = True
        for _ in directory.rglob(prefix + "*"):
            return True
    return False if searched else None


def probe_capabilities(instance_args: Sequence[str] = ("--quiet",)) -> Capabilities:
    """Load libvlc (if not yet) and report what it can do. Never raises."""
    vlc, problem = import_vlc()
    if vlc is None:
        return Capabilities(problem=problem)
    instance, problem = check_instance(vlc, instance_args)
    if instance is None:
        return Capabilities(problem=problem, libvlc_version=libvlc_version(vlc))
    instance.release()
    return capabilities_of(vlc)


def capabilities_of(vlc: ModuleType) -> Capabilities:
    """What a working libvlc (its Instance was created) can do."""
    dirs = plugin_dirs(vlc)
    return Capabilities(
        problem=None,
        libvlc_version=libvlc_version(vlc),
        rtsp=has_plugin(dirs, LIVE555_PLUGIN_PREFIX),
        hls=has_plugin(dirs, ADAPTIVE_PLUGIN_PREFIX),
        plugin_dirs=tuple(str(d) for d in dirs),
    )


@functools.cache
def cached_capabilities() -> Capabilities:
    """probe_capabilities() once per process."""
    return probe_capabilities()


def main(argv: Sequence[str] | None = None) -> int:
    """Print what this computer's libvlc can do; exit status 0 when video can play."""
    logging.basicConfig(level=logging.ERROR)
    caps = probe_capabilities()
    print(caps.summary())
    if caps.can_play and caps.rtsp_message:
        print(caps.rtsp_message)
    sys.stdout.flush()
    return 0 if caps.can_play else 1


if __name__ == "__main__":
    sys.exit(main())
