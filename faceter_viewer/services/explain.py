"""A failure in the user's words: `explain(exc, "load the cameras")`.

The banner says what could not be done and why, the way a user would say it ("Could not load
the cameras: the Faceter service cannot be reached."). What a developer needs — the exception's
own text with its HTTP method, path, status and errno, the error code, the request id — goes to
`details`: the log and the message's Details view, never the sentence itself.

One function for every banner that shows an exception, so two places never word the same
failure differently.
"""

from __future__ import annotations

import builtins
import errno
import re
from dataclasses import dataclass
from pathlib import Path

from faceter_viewer.api import errors
from faceter_viewer.api.redaction import redact


NO_ARCHIVE_ACCESS = "No archive access for this camera"
"""Why an archive load (timeline, preview) was refused (PermissionDeniedError): what the key
lacks, said the same wherever it shows."""


@dataclass(frozen=True)
class Explanation:
    text: str  # "Could not <doing>: <reason>." — for the banner
    details: str  # the technical text, for the log and the details view
    reason: str  # the part after the colon, where "Could not …" is said already (a preview popup)


def explain(exc: BaseException, doing: str) -> Explanation:
    """`doing` is what failed, as the user would say it: "load the cameras", "save the snapshot"."""
    reason = _reason(exc)
    return Explanation(f"Could not {doing}: {reason}.", _details(exc), reason)


# The order matters: a subclass before its base (TimeoutError is a NetworkError, NoArchiveError a
# NotFoundError). The words never hold a class name, a status or a path: those are in `details`.
_FACETER_REASONS: tuple[tuple[type[errors.FaceterError], str], ...] = (
    (errors.AuthenticationError, "the service does not accept the integration key"),
    (errors.PermissionDeniedError, "this key is not allowed to do that"),
    (errors.NoArchiveError, "there is no archive video there"),
    (errors.NotFoundError, "the service could not find it"),
    (errors.BadRequestError, "the service refused the request"),
    (errors.ServerError, "the service had an internal problem; try again later"),
    (errors.InvalidResponseError, "the service sent data this app cannot read"),
    (errors.TimeoutError, "the service did not answer in time"),
    (errors.NetworkError, "the Faceter service cannot be reached"),
)

# What the disk said, in plain words (strerror is fine too, but these read better).
_OS_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the disk is read-only",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "a file is where a folder should be",
    errno.ENAMETOOLONG: "the file name is too long",
}

_ERRNO = re.compile(r"\[(?:Errno|WinError) -?\d+\]\s*")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, errors.RateLimitedError):
        wait = f"try again in {exc.retry_after:.0f} s" if exc.retry_after else "try again in a moment"
        return f"the service is busy; {wait}"
    for cls, words in _FACETER_REASONS:
        if isinstance(exc, cls):
            return words
    if isinstance(exc, errors.FaceterError):
        return "the service answered with an error"
    # Python's own TimeoutError and ConnectionError are OSErrors: say them as the network.
    if isinstance(exc, builtins.TimeoutError):
        return "the service did not answer in time"
    if isinstance(exc, ConnectionError):
        return "the Faceter service cannot be reached"
    if isinstance(exc, OSError):
        return _disk_reason(exc)
    # A bug, not a service or disk problem: no class name here; the details have it.
    return "something unexpected went wrong in the app (the details say what)"


def _disk_reason(exc: OSError) -> str:
    if exc.errno in _OS_REASONS:
        words = _OS_REASONS[exc.errno]
    elif exc.strerror:
        words = exc.strerror[:1].lower() + exc.strerror[1:]
    elif len(exc.args) == 1 and isinstance(exc.args[0], str) and exc.args[0]:
        words = _ERRNO.sub("", exc.args[0])  # raise OSError("cannot write …"): already words
    else:
        words = "the file could not be written"
    if exc.filename and exc.strerror:
        path = Path(str(exc.filename))
        folder = path if not path.suffix else path.parent  # mkdir names the folder, open the file
        words += f" (the folder {folder})"
    return words


def _details(exc: BaseException) -> str:
    """One line per fact; redacted here too, as the details reach the log and the screen."""
    lines = [f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__]
    if isinstance(exc, errors.FaceterError):
        if exc.status is not None:
            lines.append(f"HTTP status: {exc.status}")
        if exc.code:
            lines.append(f"Code: {exc.code}")
        if exc.request_id:
            lines.append(f"Request id: {exc.request_id}")
    cause = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    if cause is not None and (type(cause), str(cause)) != (type(exc), str(exc)):  # mkdir(parents=True) repeats itself
        lines.append(f"Caused by {type(cause).__name__}: {cause}")
    return redact("\n".join(lines))
