"""The `.part` file of one download, and the validator that lets a later process resume it
(api-rules §11).

A download writes to `<dest>.part`; beside it `<dest>.part.validator` holds the ETag (else the
Last-Modified) of the answer whose bytes the part holds, so that a later process may ask for the
rest with `Range` + `If-Range` and the server can say whether the file is still the same one. A
part without a validator file is never appended to: nothing vouches for its bytes. Every OSError
becomes `errors.LocalFileError` naming the file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from pathlib import Path
from typing import BinaryIO

import httpx

from faceter_viewer.api import errors

log = logging.getLogger("faceter_viewer.api")

PART_SUFFIX = ".part"
VALIDATOR_SUFFIX = ".part.validator"

_CONTENT_RANGE = re.compile(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*", re.IGNORECASE)


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + PART_SUFFIX)


def validator_path(dest: Path) -> Path:
    return dest.with_name(dest.name + VALIDATOR_SUFFIX)


def validator_of(response: httpx.Response) -> str | None:
    """The answer's strong ETag, else its Last-Modified, else None. A weak ETag (W/...) cannot be
    sent in If-Range (RFC 9110 §13.1.5), so it does not count."""
    etag = str(response.headers.get("etag", "")).strip()
    if etag and not etag.startswith("W/"):
        return etag
    return str(response.headers.get("last-modified", "")).strip() or None


def parse_content_range(value: str | None) -> tuple[int, int, int | None] | None:
    """`bytes 100-199/2000` -> (100, 199, 2000); `bytes 100-199/*` -> (100, 199, None); anything
    else (absent, malformed, end before start, end past the total) -> None."""
    match = _CONTENT_RANGE.fullmatch(value or "")
    if not match:
        return None
    first, last = int(match[1]), int(match[2])
    total = None if match[3] == "*" else int(match[3])
    if last < first or (total is not None and last >= total):
        return None
    return first, last, total


class PartFile:
    """An open `.part` file: append, start over, make durable, and publish under the final name."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.path = part_path(dest)
        self.validator_path = validator_path(dest)
        self.validator: str | None = None
        self._file: BinaryIO | None = None

    # --- opening -------------------------------------------------------------------------------

    def open(self, *, resume: bool) -> PartFile:
        """Open for writing. With `resume`, an existing part whose validator file survives is
        kept and appended to; any other part is emptied."""
        kept = self._resumable() if resume else None
        try:
            if kept is None:
                self._remove_validator_file()
                self._file = open(self.path, "wb")  # noqa: SIM115 - closed by close()/publish()
            else:
                self._file = open(self.path, "r+b")  # noqa: SIM115
                self._file.seek(0, os.SEEK_END)
                self.validator = kept
        except OSError as exc:
            raise _local_error("Cannot write", self.path, exc) from None
        if kept is not None:
            log.debug("resuming %s from byte %d (validator %s)", self.path.name, self.size, kept)
        return self

    def _resumable(self) -> str | None:
        """The validator of a part worth resuming, or None (no part, empty, or no validator)."""
        try:
            if self.path.stat().st_size == 0:
                return None
            text = self.validator_path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            log.debug("not resuming %s: %s", self.path.name, exc)
            return None
        return text or None

    # --- writing -------------------------------------------------------------------------------

    @property
    def size(self) -> int:
        return self._handle().tell()

    def begin(self, validator: str | None, *, persist: bool) -> None:
        """The part starts (again) from byte 0 with the body of an answer with this validator.
        With `persist`, the validator file is written and fsynced before any byte of the body, so
        a later process can resume; without a validator the file is removed (no resume)."""
        self.start_over()
        self.validator = validator
        if not persist or validator is None:
            return
        try:
            with open(self.validator_path, "w", encoding="utf-8") as out:
                out.write(validator + "\n")
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            raise _local_error("Cannot write", self.validator_path, exc) from None

    def start_over(self) -> None:
        """Drop every byte and the validator: the next request asks for the whole file."""
        handle = self._handle()
        try:
            handle.seek(0)
            handle.truncate()
        except OSError as exc:
            raise _local_error("Cannot write", self.path, exc) from None
        self.validator = None
        self._remove_validator_file()

    def write(self, chunk: bytes | memoryview) -> None:
        try:
            self._handle().write(chunk)
        except OSError as exc:
            raise _local_error("Cannot write", self.path, exc) from None

    def sync(self) -> None:
        """Flush Python's buffer and the OS cache: the bytes are on disk before anyone reads or
        publishes them."""
        handle = self._handle()
        try:
            handle.flush()
            os.fsync(handle.fileno())
        except OSError as exc:
            raise _local_error("Cannot write", self.path, exc) from None

    # --- ending --------------------------------------------------------------------------------

    def publish(self) -> Path:
        """fsync, `os.replace(part, dest)`, fsync the folder (so the rename itself survives a
        power cut), remove the validator file. Returns dest."""
        self.sync()
        self._close()
        try:
            os.replace(self.path, self.dest)
        except OSError as exc:
            raise errors.LocalFileError(
                f"Cannot move {self.path} to {self.dest}: {_reason(exc)}", path=str(self.dest), errno=exc.errno
            ) from None
        _fsync_folder(self.dest.parent)
        self._remove_validator_file()
        return self.dest

    def close(self, *, keep: bool) -> None:
        """After a failure: keep the part and its validator for a later resume, or remove both.
        An empty part is never kept. Never raises (an error is already on its way)."""
        with contextlib.suppress(OSError):
            self._close()  # flushes what Python still buffers
        try:
            keep = keep and self.path.stat().st_size > 0
        except OSError:
            keep = False
        if not keep:
            with contextlib.suppress(OSError):
                self.path.unlink(missing_ok=True)
            self._remove_validator_file()

    def _close(self) -> None:
        if self._file is not None:
            handle, self._file = self._file, None
            try:
                handle.close()
            except OSError as exc:
                raise _local_error("Cannot write", self.path, exc) from None

    def _handle(self) -> BinaryIO:
        if self._file is None:
            raise RuntimeError(f"{self.path} is not open")
        return self._file

    def _remove_validator_file(self) -> None:
        with contextlib.suppress(OSError):
            self.validator_path.unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    if not hasattr(os, "O_DIRECTORY"):  # Windows cannot open a folder to fsync it
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems refuse fsync on a folder; the rename is done
        log.debug("fsync of folder %s: %s", folder, exc)
    finally:
        os.close(fd)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _local_error(action: str, path: Path, exc: OSError) -> errors.LocalFileError:
    return errors.LocalFileError(f"{action} {path}: {_reason(exc)}", path=str(path), errno=exc.errno)
