"""Where the integration key lives (api-rules §21), and which key and service URL a run uses.

resolve_base_url and resolve_key are the one place the README's order is written down; the CLI
and the desktop app both call them.

The OS keyring first. Where no keyring works (a headless Linux without a secret service raises
NoKeyringError on save), the key is kept in memory until the app quits, unless the user explicitly
opts in to a file readable only by them.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from faceter_viewer.api import rules

log = logging.getLogger("faceter_viewer.api.credentials")

KEYRING_SERVICE = "faceter-viewer"
KEY_ENV = "FACETER_INTEGRATION_KEY"
BASE_URL_ENV = "FACETER_BASE_URL"


class KeyFileError(ValueError):
    """The key file given with --key-file cannot be read or holds no key."""


def resolve_base_url(flag: str | None = None, *, saved: str | None = None) -> str:
    """The Integration API base URL of this run (api-rules §1): `--base-url` (`flag`), else
    $FACETER_BASE_URL, else the URL the app saved at its last sign-in (`saved`), else production.
    Empty values count as unset."""
    for candidate in (flag, os.environ.get(BASE_URL_ENV), saved):
        if candidate and candidate.strip():
            return candidate.strip()
    return rules.PRODUCTION_BASE_URL


def resolve_key(base_url: str, *, key_file: str | Path | None = None, store: KeyStore | None = None) -> str | None:
    """The integration key for `base_url`: $FACETER_INTEGRATION_KEY, else the first line of
    `key_file` (--key-file), else what `store` (by default a plain KeyStore: the OS keyring) holds
    for that URL; None when there is none. Raises KeyFileError for an unreadable key file.

    The keyring may block for a while (D-Bus): the app calls this on a worker thread."""
    key = os.environ.get(KEY_ENV, "").strip()
    if key:
        return key
    if key_file:
        try:
            return read_key_file(Path(key_file))
        except (OSError, ValueError) as exc:
            reason = (exc.strerror if isinstance(exc, OSError) else None) or exc
            raise KeyFileError(f"cannot read the key file {key_file}: {reason}") from None
    return (store if store is not None else KeyStore()).load(base_url) or None


class KeyLocation(StrEnum):
    KEYRING = "keyring"
    MEMORY = "memory"
    FILE = "file"


@dataclass
class KeyStore:
    """Stores one key per service URL."""

    fallback_file: Path | None = None  # used only when the user opted in
    _memory: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def load(self, base_url: str) -> str | None:
        if base_url in self._memory:
            return self._memory[base_url]
        key = _keyring_get(base_url)
        if key:
            return key
        if self.fallback_file is not None and self.fallback_file.is_file():
            return read_key_file(self.fallback_file)
        return None

    def save(self, base_url: str, key: str, *, allow_file: bool = False) -> KeyLocation:
        """Store the key; say where it went. Without a keyring it stays in memory unless
        `allow_file` (the user's explicit choice) and a fallback file are given."""
        self._memory[base_url] = key
        if _keyring_set(base_url, key):
            return KeyLocation.KEYRING
        if allow_file and self.fallback_file is not None:
            write_private_file(self.fallback_file, key)
            return KeyLocation.FILE
        return KeyLocation.MEMORY

    def forget(self, base_url: str) -> None:
        self._memory.pop(base_url, None)
        _keyring_delete(base_url)
        if self.fallback_file is not None:
            self.fallback_file.unlink(missing_ok=True)


def read_key_file(path: Path) -> str:
    """The key from a file (first non-empty line); ValueError when the file holds none."""
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            return line.strip()
    raise ValueError(f"{path} does not contain a key")


def write_private_file(path: Path, text: str) -> None:
    """Write a file readable only by its owner, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    os.replace(tmp, path)


def _keyring_get(base_url: str) -> str | None:
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, base_url)
    except Exception as exc:  # no backend, locked, D-Bus missing: all mean "no keyring"
        log.debug("keyring unavailable for reading: %s", type(exc).__name__)
        return None


def _keyring_set(base_url: str, key: str) -> bool:
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, base_url, key)
        return True
    except Exception as exc:
        log.info("no working keyring (%s); the key is kept in memory only", type(exc).__name__)
        return False


def _keyring_delete(base_url: str) -> None:
    try:
        import keyring

        keyring.delete_password(KEYRING_SERVICE, base_url)
    except Exception:
        pass
