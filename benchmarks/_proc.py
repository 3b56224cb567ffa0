"""Per-process figures from /proc (Linux): CPU seconds, RSS, OS threads. No psutil needed."""

from __future__ import annotations

import os
import time

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | str = "self", *, children: bool = False) -> float:
    """User + system CPU time of the process so far (all its threads); with `children`, also
    that of its children that have ended and been waited for (the demo's ffmpeg runs)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / TICKS


def status(pid: int | str = "self") -> dict[str, str]:
    with open(f"/proc/{pid}/status") as f:
        return dict(line.split(":", 1) for line in f if ":" in line)


def rss_mb(pid: int | str = "self") -> float:
    return int(status(pid)["VmRSS"].split()[0]) / 1024


def threads(pid: int | str = "self") -> int:
    return int(status(pid)["Threads"])


class CpuMeter:
    """CPU % of one core for some processes between start() and stop(); `children`: the names
    whose ended children count too."""

    def __init__(self, pids: dict[str, int | str], children: tuple[str, ...] = ()) -> None:
        self.pids = pids
        self.children = children
        self._start: dict[str, float] = {}
        self._wall = 0.0
        self.percent: dict[str, float] = {}

    def start(self) -> None:
        self._wall = time.monotonic()
        self._start = {name: cpu_seconds(pid, children=name in self.children) for name, pid in self.pids.items()}

    def stop(self) -> dict[str, float]:
        wall = time.monotonic() - self._wall
        self.percent = {
            name: 100 * (cpu_seconds(pid, children=name in self.children) - self._start[name]) / wall
            for name, pid in self.pids.items()
        }
        return self.percent


def machine_load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"
