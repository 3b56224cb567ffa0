"""HttpSession.download, the safe and resumable part (api-rules §11): the validator file, resuming
across calls with Range + If-Range, starting over on answers that do not continue the part,
`verify`, local file errors, and what is kept or removed after a failure. The same cases against
the real demo service over HTTP: tests/integration/test_download_faults.py."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import httpx
import pytest

from faceter_viewer.api import errors
from faceter_viewer.api.http import HttpSession
from faceter_viewer.api.part_file import parse_content_range, part_path, validator_of, validator_path
from faceter_viewer.api.retry import RetryPolicy
from tests.helpers.api_fakes import DroppingStream, RecordingTransport
from tests.helpers.disk_faults import full_disk_open

DATA = bytes(range(256)) * 2400  # 614,400 bytes
ETAG = '"v1"'
LAST_MODIFIED = "Thu, 03 Dec 2026 19:07:32 GMT"


class FileServer:
    """A file host honouring Range and If-Range as RFC 9110 says, with switchable misbehaviour:
    `ignore_range` (200 to a Range request), `start_at` (a 206 from the wrong byte), `status416`,
    `etag` (the current version), `cut_after` (drop the connection after N bytes, `drops` times),
    `honour_if_range=False` (serve the range whatever If-Range says)."""

    def __init__(self, data: bytes = DATA) -> None:
        self.data = data
        self.etag: str | None = ETAG
        self.last_modified: str | None = LAST_MODIFIED
        self.ignore_range = False
        self.start_at: int | None = None
        self.status416 = False
        self.cut_after: int | None = None
        self.drops = 0
        self.honour_if_range = True
        self.transport = RecordingTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        headers = {}
        if self.etag:
            headers["ETag"] = self.etag
        if self.last_modified:
            headers["Last-Modified"] = self.last_modified
        match = re.fullmatch(r"bytes=(\d+)-", request.headers.get("Range", ""))
        if_range = request.headers.get("If-Range")
        current = if_range is None or if_range in (self.etag, self.last_modified) or not self.honour_if_range
        if match and self.status416:
            return httpx.Response(416, headers={"Content-Range": f"bytes */{len(self.data)}"})
        if match and current and not self.ignore_range:
            offset = int(match[1]) if self.start_at is None else self.start_at
            if offset >= len(self.data):
                return httpx.Response(416, headers={"Content-Range": f"bytes */{len(self.data)}"})
            body = self.data[offset:]
            headers["Content-Range"] = f"bytes {offset}-{len(self.data) - 1}/{len(self.data)}"
            status = 206
        else:
            body, status = self.data, 200
        headers["Content-Length"] = str(len(body))
        if self.drops and self.cut_after is not None:
            self.drops -= 1
            return httpx.Response(status, headers=headers, stream=DroppingStream([body[: self.cut_after]]))
        return httpx.Response(status, headers=headers, content=body)

    def session(self, sleeps) -> HttpSession:
        return HttpSession(base_url="https://files.test", transport=self.transport, sleep=sleeps)

    @property
    def ranges(self) -> list[tuple[str | None, str | None]]:
        return [(r.headers.get("Range"), r.headers.get("If-Range")) for r in self.transport.requests]


def _leave_part(dest: Path, data: bytes, validator: str | None = ETAG) -> None:
    """What an earlier process left: a .part and (usually) its validator file."""
    part_path(dest).write_bytes(data)
    if validator is not None:
        validator_path(dest).write_text(validator + "\n", encoding="utf-8")


@pytest.fixture
def server() -> FileServer:
    return FileServer()


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "clip.mp4"


def test_a_part_left_by_an_earlier_call_is_resumed_with_range_and_if_range(server, dest, sleeps):
    _leave_part(dest, DATA[:100_000])
    progress: list[int] = []
    server.session(sleeps).download("/f", dest, resume=True, on_progress=lambda n, total: progress.append(n))
    assert dest.read_bytes() == DATA
    assert server.ranges == [("bytes=100000-", ETAG)]
    assert progress[0] > 100_000, "progress goes on from the part"
    assert list(dest.parent.iterdir()) == [dest], "part and validator are gone"


def test_the_file_is_asked_for_uncompressed_so_range_offsets_are_its_bytes(server, dest, sleeps):
    _leave_part(dest, DATA[:100_000])
    server.session(sleeps).download("/f", dest, resume=True)
    assert server.transport.last.headers["Accept-Encoding"] == "identity"


def test_a_part_without_its_validator_file_is_never_appended_to(server, dest, sleeps):
    _leave_part(dest, b"x" * 100_000, validator=None)
    server.session(sleeps).download("/f", dest, resume=True)
    assert dest.read_bytes() == DATA
    assert server.ranges == [(None, None)]


def test_without_resume_an_old_part_is_overwritten(server, dest, sleeps):
    _leave_part(dest, b"x" * 100_000)
    server.session(sleeps).download("/f", dest)
    assert dest.read_bytes() == DATA and server.ranges == [(None, None)]


def test_the_validator_file_is_on_disk_before_the_first_byte_of_the_body(server, dest, sleeps):
    seen: list[str] = []
    server.session(sleeps).download(
        "/f", dest, resume=True, on_progress=lambda n, t: seen.append(validator_path(dest).read_text().strip())
    )
    assert seen and set(seen) == {ETAG}
    assert not validator_path(dest).exists()


def test_without_an_etag_last_modified_is_the_validator_and_a_weak_etag_does_not_count(server, dest, sleeps):
    server.etag = 'W/"weak"'
    server.cut_after, server.drops = 300_000, 1
    with pytest.raises(errors.NetworkError):
        session = HttpSession(
            base_url="https://files.test", transport=server.transport, sleep=sleeps, retry=RetryPolicy(max_retries=0)
        )
        session.download("/f", dest, resume=True)
    assert validator_path(dest).read_text().strip() == LAST_MODIFIED
    server.session(sleeps).download("/f", dest, resume=True)
    assert server.ranges[-1] == ("bytes=300000-", LAST_MODIFIED), "every byte received was kept"
    assert dest.read_bytes() == DATA


def test_a_200_to_a_range_request_takes_the_whole_body_from_byte_zero(server, dest, sleeps):
    _leave_part(dest, DATA[:100_000])
    server.ignore_range = True
    server.session(sleeps).download("/f", dest, resume=True)
    assert dest.read_bytes() == DATA, "not the part plus the whole file"
    assert len(server.ranges) == 1 and sleeps.delays == []


def test_a_changed_version_fails_if_range_and_the_download_starts_over(server, dest, sleeps):
    _leave_part(dest, b"old version bytes" * 1000)
    server.etag = '"v2"'
    server.cut_after, server.drops = 300_000, 1  # and the new version is cut once, then resumed
    server.session(sleeps).download("/f", dest, resume=True)
    assert dest.read_bytes() == DATA
    assert server.ranges == [("bytes=17000-", ETAG), ("bytes=300000-", '"v2"')]


def test_a_206_that_does_not_start_where_the_part_ends_starts_over_at_once(server, dest, sleeps):
    _leave_part(dest, DATA[:100_000])
    server.start_at = 0  # a 206 from byte 0
    server.session(sleeps).download("/f", dest, resume=True)
    assert dest.read_bytes() == DATA
    assert server.ranges == [("bytes=100000-", ETAG), (None, None)]
    assert sleeps.delays == [], "no retry used up"


def test_a_206_of_another_version_starts_over(server, dest, sleeps):
    _leave_part(dest, DATA[:100_000], validator='"v0"')
    server.etag = '"v1"'
    server.honour_if_range = False  # a broken server: a 206 of v1 although If-Range named v0
    server.session(sleeps).download("/f", dest, resume=True)
    assert dest.read_bytes() == DATA
    assert server.ranges == [("bytes=100000-", '"v0"'), (None, None)]


def test_a_416_drops_the_part_and_asks_for_the_whole_file(server, dest, sleeps):
    _leave_part(dest, DATA)  # complete, but killed before the rename: the server says 416
    server.session(sleeps).download("/f", dest, resume=True)
    assert dest.read_bytes() == DATA
    assert server.ranges == [(f"bytes={len(DATA)}-", ETAG), (None, None)]


def test_an_unreadable_content_range_starts_over(dest, sleeps):
    answers = iter([
        httpx.Response(206, headers={"Content-Range": "bytes=junk", "ETag": ETAG}, content=b"zzz"),
        httpx.Response(200, headers={"ETag": ETAG}, content=DATA),
    ])  # fmt: skip
    transport = RecordingTransport(lambda request: next(answers))
    _leave_part(dest, DATA[:10])
    HttpSession(base_url="https://files.test", transport=transport, sleep=sleeps).download("/f", dest, resume=True)
    assert dest.read_bytes() == DATA


def test_a_206_to_a_request_without_range_from_another_byte_is_invalid(dest, sleeps):
    transport = RecordingTransport(
        lambda request: httpx.Response(206, headers={"Content-Range": "bytes 5-9/10"}, content=b"56789")
    )
    with pytest.raises(errors.InvalidResponseError, match="from byte 5, not from byte 0"):
        HttpSession(base_url="https://files.test", transport=transport, sleep=sleeps).download("/f", dest)
    assert list(dest.parent.iterdir()) == []


# --- failures: what is kept ---------------------------------------------------------------------


def test_with_resume_a_failed_download_keeps_its_part_and_validator_for_the_next_call(server, dest, sleeps):
    server.cut_after, server.drops = 200_000, 3
    with pytest.raises(errors.NetworkError):
        server.session(sleeps).download("/f", dest, resume=True)
    assert not dest.exists()
    kept = part_path(dest).read_bytes()
    assert len(kept) == 600_000 and DATA.startswith(kept)  # three attempts of 200,000 bytes
    assert validator_path(dest).read_text().strip() == ETAG
    server.session(sleeps).download("/f", dest, resume=True)  # a new session, as a new process would
    assert dest.read_bytes() == DATA
    assert server.ranges[-1] == (f"bytes={len(kept)}-", ETAG)


def test_without_resume_a_failed_download_leaves_nothing(server, dest, sleeps):
    server.cut_after, server.drops = 250_000, 3
    with pytest.raises(errors.NetworkError):
        server.session(sleeps).download("/f", dest)
    assert list(dest.parent.iterdir()) == []


def test_a_cancelled_resumable_download_keeps_its_part(server, dest, sleeps):
    written: list[int] = []
    with pytest.raises(errors.FaceterError, match="cancelled"):
        server.session(sleeps).download(
            "/f", dest, resume=True, on_progress=lambda n, t: written.append(n), cancelled=lambda: bool(written)
        )
    assert part_path(dest).stat().st_size == written[0] and not dest.exists()


# --- verify ---------------------------------------------------------------------------------------


def test_a_failed_verification_downloads_once_more_from_byte_zero(server, dest, sleeps):
    checks: list[bytes] = []

    def verify(path: Path) -> None:
        checks.append(path.read_bytes())
        assert path == part_path(dest) and not dest.exists()
        if len(checks) == 1:
            raise errors.InvalidResponseError("no moov box")

    server.session(sleeps).download("/f", dest, resume=True, verify=verify)
    assert checks == [DATA, DATA]
    assert dest.read_bytes() == DATA
    assert server.ranges == [(None, None), (None, None)]


def test_a_second_failed_verification_is_final_and_removes_the_part(server, dest, sleeps):
    def verify(path: Path) -> None:
        raise errors.InvalidResponseError("clip.mp4.part: the mdat box runs past the end of the file")

    with pytest.raises(errors.InvalidResponseError, match="runs past the end"):
        server.session(sleeps).download("/f", dest, resume=True, verify=verify)
    assert len(server.ranges) == 2
    assert list(dest.parent.iterdir()) == [], "bad bytes are not kept for a resume"


def test_a_body_without_length_that_ends_early_is_caught_by_verify(dest, sleeps):
    """A close-delimited body looks complete to HTTP; only the container check can tell."""
    bodies = iter([DATA[:1000], DATA])
    transport = RecordingTransport(lambda request: httpx.Response(200, content=iter([next(bodies)])))

    def verify(path: Path) -> None:
        if path.stat().st_size != len(DATA):
            raise errors.InvalidResponseError("truncated")

    HttpSession(base_url="https://files.test", transport=transport, sleep=sleeps).download("/f", dest, verify=verify)
    assert dest.read_bytes() == DATA


# --- local file errors --------------------------------------------------------------------------


def test_a_full_disk_is_a_local_file_error_never_retried(server, dest, sleeps, monkeypatch):
    import faceter_viewer.api.part_file as part_file

    monkeypatch.setattr(part_file, "open", full_disk_open(300_000), raising=False)
    with pytest.raises(errors.LocalFileError) as raised:
        server.session(sleeps).download("/f", dest)
    assert str(raised.value) == f"Cannot write {part_path(dest)}: No space left on device"
    assert raised.value.errno == errno.ENOSPC and raised.value.path == str(part_path(dest))
    assert len(server.transport.requests) == 1 and sleeps.delays == []
    assert list(dest.parent.iterdir()) == []


def test_a_full_disk_keeps_a_resumable_part_and_the_next_call_resumes(server, dest, sleeps, monkeypatch):
    import faceter_viewer.api.part_file as part_file

    with monkeypatch.context() as patched:
        patched.setattr(part_file, "open", full_disk_open(300_000), raising=False)
        with pytest.raises(errors.LocalFileError, match="No space left"):
            server.session(sleeps).download("/f", dest, resume=True)
    assert part_path(dest).stat().st_size == 262_144 and not dest.exists()
    server.session(sleeps).download("/f", dest, resume=True)  # space was freed
    assert dest.read_bytes() == DATA and server.ranges[-1] == ("bytes=262144-", ETAG)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_a_folder_without_write_permission_is_a_local_file_error(server, tmp_path, sleeps):
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    try:
        with pytest.raises(errors.LocalFileError, match="Permission denied"):
            server.session(sleeps).download("/f", folder / "clip.mp4")
        assert server.transport.requests == [], "nothing is asked for that cannot be written"
    finally:
        folder.chmod(0o700)


def test_a_part_that_cannot_be_opened_is_a_local_file_error(server, dest, sleeps):
    part_path(dest).mkdir()  # a folder where the part should go: the OS refuses to open it
    with pytest.raises(errors.LocalFileError, match=re.escape(f"Cannot write {part_path(dest)}")):
        server.session(sleeps).download("/f", dest, resume=True)
    assert not dest.exists() and server.transport.requests == []


def test_a_destination_that_cannot_be_replaced_is_a_local_file_error(server, dest, sleeps):
    (dest / "inside").mkdir(parents=True)  # os.replace cannot put a file over a non-empty folder
    with pytest.raises(errors.LocalFileError, match=f"Cannot move {re.escape(str(part_path(dest)))} to"):
        server.session(sleeps).download("/f", dest)
    assert dest.is_dir() and not part_path(dest).exists()


def test_publish_fsyncs_the_part_and_the_folder(server, dest, sleeps, monkeypatch):
    synced: list[str] = []
    real_fsync = os.fsync

    def recording(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    if not Path("/proc/self/fd").exists():
        pytest.skip("needs /proc to name file descriptors")
    monkeypatch.setattr(os, "fsync", recording)
    server.session(sleeps).download("/f", dest)
    assert str(part_path(dest)) in synced
    assert synced[-1] == str(dest.parent), "the folder last, after the rename"


# --- the small parts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("bytes 100-199/2000", (100, 199, 2000)),
        ("bytes 0-0/1", (0, 0, 1)),
        ("Bytes 5-9/*", (5, 9, None)),
        ("bytes 10-5/20", None),
        ("bytes 0-20/20", None),
        ("bytes */20", None),
        ("bytes=0-9/10", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_content_range(value, parsed):
    assert parse_content_range(value) == parsed


@pytest.mark.parametrize(
    ("headers", "validator"),
    [
        ({"ETag": '"a"', "Last-Modified": LAST_MODIFIED}, '"a"'),
        ({"ETag": 'W/"a"', "Last-Modified": LAST_MODIFIED}, LAST_MODIFIED),
        ({"Last-Modified": LAST_MODIFIED}, LAST_MODIFIED),
        ({"ETag": 'W/"a"'}, None),
        ({}, None),
    ],
)
def test_validator_of(headers, validator):
    assert validator_of(httpx.Response(200, headers=headers)) == validator
