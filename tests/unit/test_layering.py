"""The layer rule at run time: importing any module under faceter_viewer/api/ or
faceter_viewer/core/ loads neither Qt (PySide6/shiboken6) nor libvlc (vlc).

The import statements themselves are checked by import-linter (pyproject.toml [tool.importlinter],
tests/unit/test_import_contracts.py). This check covers what reading the source cannot show: a
dynamic import (importlib.import_module), and Qt or libvlc pulled in through a third-party package
(import-linter does not look inside those). Each check runs in a fresh interpreter whose import
system refuses those packages, so an import that some other test already did cannot hide a
violation. Every module of the two layers is found by walking the packages, so new modules are
covered without touching this file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PURE_LAYERS = ["faceter_viewer.api", "faceter_viewer.core"]
FORBIDDEN = ["PySide6", "shiboken6", "vlc"]

# argv: forbidden top-level names (comma-separated), then the packages to walk.
CHECKER = textwrap.dedent(
    """
    import importlib, importlib.abc, pkgutil, sys, traceback

    forbidden = set(sys.argv[1].split(","))
    packages = sys.argv[2:]
    attempts = []      # (importing module, forbidden module) - recorded even if the error is caught

    def importer_module():
        frame = sys._getframe(2)
        while frame is not None:
            name = frame.f_globals.get("__name__", "")
            if any(name == p or name.startswith(p + ".") for p in packages):
                return name
            frame = frame.f_back
        return "?"

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path=None, target=None):
            if fullname.split(".")[0] in forbidden:
                attempts.append((importer_module(), fullname))
                raise ImportError(f"{fullname} is forbidden in this layer (tests/unit/test_layering.py)")
            return None

    for name in list(sys.modules):
        if name.split(".")[0] in forbidden:
            del sys.modules[name]
    sys.meta_path.insert(0, Block())

    problems, checked = [], []
    def walk_error(name):
        problems.append(f"{name}: cannot be imported:\\n{traceback.format_exc()}")

    for package in packages:
        try:
            pkg = importlib.import_module(package)
        except Exception:
            problems.append(f"{package}: cannot be imported:\\n{traceback.format_exc()}")
            continue
        checked.append(package)
        for info in pkgutil.walk_packages(pkg.__path__, package + ".", onerror=walk_error):
            checked.append(info.name)
            try:
                importlib.import_module(info.name)
            except Exception:
                problems.append(f"{info.name}: cannot be imported:\\n{traceback.format_exc()}")

    for importer, target in attempts:
        problems.insert(0, f"{importer} imports {target}")
    leaked = sorted(n for n in sys.modules if n.split(".")[0] in forbidden)
    if leaked:
        problems.append(f"forbidden modules were loaded anyway: {leaked}")
    print("CHECKED", len(checked), " ".join(checked))
    if problems:
        print("\\n".join(problems), file=sys.stderr)
        sys.exit(1)
    """
)


def run_checker(packages: list[str], extra_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    paths = [str(p) for p in (extra_path, REPO_ROOT) if p is not None]
    env["PYTHONPATH"] = os.pathsep.join(paths + [env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run(
        [sys.executable, "-c", CHECKER, ",".join(FORBIDDEN), *packages],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
    )


def test_api_and_core_import_without_qt_or_vlc() -> None:
    result = run_checker(PURE_LAYERS)
    assert result.returncode == 0, (
        "api/ and core/ must not import PySide6, shiboken6 or vlc (see ARCHITECTURE.md, layers):\n"
        + result.stderr
    )
    assert "CHECKED" in result.stdout and "faceter_viewer.core" in result.stdout, result.stdout


def test_checker_names_the_module_that_loads_qt_or_vlc(tmp_path: Path) -> None:
    """The check itself can fail, on what import-linter cannot see: a dynamic Qt import (caught
    and hidden in a sub-module) and libvlc loaded through a third-party package."""
    layer = tmp_path / "layered_sample" / "core"
    (layer / "timeline").mkdir(parents=True)
    (tmp_path / "layered_sample" / "__init__.py").write_text("")
    (layer / "__init__.py").write_text("")
    (layer / "clean.py").write_text("import json\n")
    (layer / "timeline" / "__init__.py").write_text("")
    (layer / "timeline" / "scale.py").write_text(
        "import importlib\n"
        "try:\n    QtCore = importlib.import_module('PySide6.QtCore')\nexcept ImportError:\n    QtCore = None\n"
    )
    (tmp_path / "third_party_player.py").write_text("import vlc\n")  # not ours: import-linter stops here
    (layer / "playback.py").write_text("import third_party_player\n")

    result = run_checker(["layered_sample.core"], extra_path=tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "layered_sample.core.timeline.scale imports PySide6" in result.stderr
    assert "layered_sample.core.playback imports vlc" in result.stderr
    assert "layered_sample.core.clean" not in result.stderr
    assert "layered_sample.core.clean" in result.stdout  # it was walked and passed
