"""A size-capped, least-recently-used store of finished segment files.

Files arrive only through ``publish`` (an ``os.replace`` from a temp folder on the same file
system), so a name under the cache root is always a complete segment. Recency survives restarts
through the files' mtimes, which ``touch`` refreshes.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

SEGMENT_SUFFIX = ".ts"


class SegmentCache:
    def __init__(self, root: Path, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        self.root = root
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Path, int] = OrderedDict()  # least recently used first
        self._total = 0
        self._pinned: Counter[Path] = Counter()
        self._last_stamp = 0
        root.mkdir(parents=True, exist_ok=True)
        self._scan()

    @property
    def total_bytes(self) -> int:
        with self._lock:
            return self._total

    def __contains__(self, path: Path) -> bool:
        with self._lock:
            return path in self._entries

    def touch(self, path: Path) -> bool:
        """Mark a segment as just used; False if it is not (or no longer) in the cache."""
        with self._lock:
            if path not in self._entries:
                return False
            self._entries.move_to_end(path)
        try:
            self._stamp(path)
        except FileNotFoundError:  # removed behind our back: forget it
            self._forget(path)
            return False
        return True

    def publish(self, finished: Path, final: Path) -> None:
        """Move a complete file to its final name (atomically) and evict down to the cap."""
        final.parent.mkdir(parents=True, exist_ok=True)
        size = finished.stat().st_size
        self._stamp(finished)
        os.replace(finished, final)
        with self._lock:
            self._total += size - self._entries.pop(final, 0)
            self._entries[final] = size
            victims = self._choose_victims()
        for victim in victims:
            victim.unlink(missing_ok=True)
            log.debug("evicted %s", victim)

    @contextmanager
    def pinned(self, paths: Iterable[Path]) -> Iterator[None]:
        """Keep these paths from eviction meanwhile (segments a running job promised)."""
        paths = list(paths)
        with self._lock:
            self._pinned.update(paths)
        try:
            yield
        finally:
            with self._lock:
                self._pinned.subtract(paths)
                self._pinned += Counter()  # drop zero counts

    def _stamp(self, path: Path) -> None:
        """Set mtime to a strictly increasing 'now': the file system's clock is too coarse
        (several ms) to order a touch right after a write, and the order must survive restarts.
        """
        with self._lock:
            self._last_stamp = max(time.time_ns(), self._last_stamp + 1000)
            stamp = self._last_stamp
        os.utime(path, ns=(stamp, stamp))

    def _choose_victims(self) -> list[Path]:
        victims = []
        for path in list(self._entries):
            if self._total <= self.max_bytes:
                break
            if self._pinned[path] > 0:
                continue
            self._total -= self._entries.pop(path)
            victims.append(path)
        return victims

    def _forget(self, path: Path) -> None:
        with self._lock:
            self._total -= self._entries.pop(path, 0)

    def _scan(self) -> None:
        found = []
        for path in self.root.glob(f"*/*{SEGMENT_SUFFIX}"):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            found.append((stat.st_mtime_ns, path, stat.st_size))
            self._last_stamp = max(self._last_stamp, stat.st_mtime_ns)
        for _, path, size in sorted(found):
            self._entries[path] = size
            self._total += size
        for victim in self._choose_victims():
            victim.unlink(missing_ok=True)
