"""Figures every benchmark prints: median, p95, and the ratio to a peer measured in the same run."""

from __future__ import annotations

import statistics


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(name: str, values_ms: list[float], peer_ms: list[float] | None = None, goal: str = "") -> str:
    median = statistics.median(values_ms)
    line = f"{name:<44} median {median:8.2f} ms   p95 {percentile(values_ms, 0.95):8.2f} ms   n={len(values_ms)}"
    if peer_ms:
        line += f"   ratio to peer {median / statistics.median(peer_ms):5.2f}x"
    if goal:
        line += f"   (goal {goal})"
    return line
