"""The download fault matrix (issue 11, api-rules §11) against the real demo service over HTTP:
a body cut at 0/50/99 %, a reset connection, 200 instead of 206 on resume, a 206 from byte 0,
416, a changed ETag, a corrupt body, a full disk and a refused folder. In every case nothing
corrupt ever appears under the final name, and with `resume` the next call (a new session, or a
new process after SIGKILL) continues the part with Range and ends byte-identical to a clean
download. Most cases run for a clip, a video export file and an audio export file."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from faceter_viewer.api import IntegrationClient, errors, rules
from faceter_viewer.api import part_file as part_file_module
from faceter_viewer.api.models import AudioExportRequest, VideoExportRequest
from faceter_viewer.api.part_file import part_path, validator_path
from faceter_viewer.api.retry import RetryPolicy
from faceter_viewer.core.media_check import MediaCheckError, check_media
from faceter_viewer.demo.state import INTEGRATION_PREFIX
from tests.helpers.demo_fixtures import FAST_RETRY, recent_archive_time
from tests.helpers.disk_faults import full_disk_open
from tests.helpers.reset_proxy import ResetProxy

pytestmark = pytest.mark.usefixtures("demo_faults")

REPO_ROOT = Path(__file__).resolve().parents[2]
NO_RETRY = RetryPolicy(max_retries=0)


def verify(path: Path) -> None:
    """The container check a download job runs (the services layer wraps it the same way)."""
    try:
        check_media(path)
    except MediaCheckError as exc:
        raise errors.InvalidResponseError(str(exc)) from None


@dataclass
class Source:
    """One downloadable thing of the demo: how to fetch it, its fault pattern, its true bytes."""

    name: str
    pattern: str  # faults.py path pattern
    path: str  # the request path (the end of what the demo logs)
    fetch: Callable[..., Path]  # fetch(client, dest, **download options), on the client's origin
    reference: bytes = b""
    etag: str = ""


@pytest.fixture(scope="module")
def sources(demo_service, tmp_path_factory) -> Iterator[dict[str, Source]]:
    camera = demo_service.cameras[0]
    start = datetime.fromtimestamp(recent_archive_time(demo_service), UTC)
    folder = tmp_path_factory.mktemp("download-references")
    with IntegrationClient(demo_service.integration_key, demo_service.base_url) as client:
        task = client.create_video_export(camera.id, VideoExportRequest(start_date=start, duration_seconds=2))
        video = _finished(lambda: client.get_video_export(camera.id, task.export_id)).file_url
        task = client.create_audio_export(camera.id, AudioExportRequest(start_date=start, duration_seconds=2))
        audio = _finished(lambda: client.get_audio_export(camera.id, task.export_id)).file_url
        video_path, audio_path = (urlsplit(url).path for url in (video, audio))
        found = {
            "clip": Source(
                "clip", "/archive/clip", f"/v1/cameras/{camera.id}/archive/clip",
                lambda c, dest, **kw: c.download_clip(camera.id, start, 4, dest, **kw),
            ),
            # a path, not the absolute URL: the file is fetched from the client's own origin
            "video": Source(
                "video", "/demo-files/exports/*", video_path,
                lambda c, dest, **kw: c.download_file(video_path, dest, **kw),
            ),
            "audio": Source(
                "audio", "/demo-files/exports/*", audio_path,
                lambda c, dest, **kw: c.download_file(audio_path, dest, **kw),
            ),
        }  # fmt: skip
        params = rules.query_params({"startDate": start, "duration": 4})
        for source in found.values():
            clean = source.fetch(client, folder / source.name, verify=verify)
            source.reference = clean.read_bytes()
            # The validator the file server sends, read with plain httpx (not the code under test).
            url = demo_service.base_url + source.path if source.name == "clip" else demo_service.origin + source.path
            answer = httpx.get(url, params=params if source.name == "clip" else None,
                               headers={rules.KEY_HEADER: demo_service.integration_key})  # fmt: skip
            assert answer.content == source.reference
            source.etag = answer.headers["etag"]
    yield found


def _finished(get):
    deadline = time.monotonic() + 60
    while not (export := get()).is_finished:
        assert time.monotonic() < deadline, "export did not finish"
        time.sleep(0.05)
    assert export.file_url, export
    return export


@pytest.fixture(params=["clip", "video", "audio"])
def source(request, sources) -> Source:
    return sources[request.param]


@pytest.fixture
def client_of(demo_service) -> Iterator[Callable[..., IntegrationClient]]:
    """client_of(retry=...) -> a NEW IntegrationClient (a new HttpSession), closed afterwards."""
    opened: list[IntegrationClient] = []

    def make(retry: RetryPolicy = FAST_RETRY) -> IntegrationClient:
        client = IntegrationClient(demo_service.integration_key, demo_service.base_url, retry=retry)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


def _requests(service, source: Source) -> int:
    return sum(n for path, n in service.state.request_counts.items() if path.endswith(source.path))


def _ranges_since(service, source: Source, before: int) -> list[tuple[str, str | None]]:
    seen = list(service.state.range_requests)[before:]
    return [(range_, if_range) for path, range_, if_range in seen if path.endswith(source.path)]


def _leave_part(client_of, demo_faults, source: Source, dest: Path, fraction: float = 0.5) -> bytes:
    """A first call that fails mid-body with resume=True: the part it keeps (a prefix)."""
    with demo_faults.injected(f"drop={source.pattern}:1:{fraction}"):
        with pytest.raises(errors.NetworkError, match="closed mid-answer"):
            source.fetch(client_of(NO_RETRY), dest, resume=True, verify=verify)
    assert not dest.exists()
    kept = part_path(dest).read_bytes()
    assert kept and source.reference.startswith(kept)
    assert validator_path(dest).read_text().strip() == source.etag
    return kept


def _assert_clean(dest: Path, source: Source) -> None:
    assert dest.read_bytes() == source.reference
    assert list(dest.parent.iterdir()) == [dest], "no .part or .validator left"


# --- cut bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["drop", "truncate"])
@pytest.mark.parametrize("fraction", [0.0, 0.5, 0.99])
def test_a_cut_body_is_resumed_in_the_same_call(demo_service, demo_faults, client_of, source, tmp_path, kind, fraction):
    dest = tmp_path / source.name
    before = len(demo_service.state.range_requests)
    demo_faults.add_spec(f"{kind}={source.pattern}:1:{fraction}")
    source.fetch(client_of(), dest, resume=True, verify=verify)
    _assert_clean(dest, source)
    assert demo_faults.fired[kind] == 1
    cut = int(len(source.reference) * fraction)
    if cut:
        assert _ranges_since(demo_service, source, before) == [(f"bytes={cut}-", source.etag)]
    else:
        assert _ranges_since(demo_service, source, before) == [], "nothing to resume from"


@pytest.mark.parametrize("fraction", [0.0, 0.5, 0.99])
def test_a_body_cut_every_time_keeps_the_part_and_a_new_session_resumes_it(
    demo_service, demo_faults, client_of, source, tmp_path, fraction
):
    dest = tmp_path / source.name
    demo_faults.add_spec(f"drop={source.pattern}:*:{fraction}")
    with pytest.raises(errors.NetworkError, match="closed mid-answer"):
        source.fetch(client_of(), dest, resume=True, verify=verify)
    assert not dest.exists()
    if fraction == 0.0:
        assert list(tmp_path.iterdir()) == [], "an empty part is not kept"
    else:
        kept = part_path(dest).read_bytes()
        assert kept and source.reference.startswith(kept)
        assert validator_path(dest).read_text().strip() == source.etag
    demo_faults.clear()
    before = len(demo_service.state.range_requests)
    source.fetch(client_of(), dest, resume=True, verify=verify)  # the fault cleared, a new session
    _assert_clean(dest, source)
    expected = [(f"bytes={len(kept)}-", source.etag)] if fraction else []
    assert _ranges_since(demo_service, source, before) == expected


def test_without_resume_a_failed_download_leaves_nothing(demo_faults, client_of, source, tmp_path):
    demo_faults.add_spec(f"drop={source.pattern}:*:0.5")
    with pytest.raises(errors.NetworkError):
        source.fetch(client_of(), tmp_path / source.name, verify=verify)
    assert list(tmp_path.iterdir()) == []


def test_a_reset_connection_is_resumed(demo_service, client_of, source, tmp_path):
    """A real RST (a proxy closes with SO_LINGER 0) after a third of the body has passed: the
    part keeps what arrived and the retry continues it with Range."""
    dest = tmp_path / source.name
    before = len(demo_service.state.range_requests)
    with ResetProxy(demo_service.port, reset_after=len(source.reference) // 3) as proxy:
        via_proxy = IntegrationClient(
            demo_service.integration_key, proxy.origin + INTEGRATION_PREFIX, retry=FAST_RETRY
        )
        with via_proxy:
            source.fetch(via_proxy, dest, resume=True, verify=verify)
        assert proxy.resets_done == 1
    _assert_clean(dest, source)
    ranges = _ranges_since(demo_service, source, before)
    assert len(ranges) == 1 and ranges[0][1] == source.etag
    offset = int(ranges[0][0].removeprefix("bytes=").removesuffix("-"))
    assert 0 < offset < len(source.reference) // 3, "the headers came first, then part of the body"


# --- answers that do not continue the part ----------------------------------------------------


def test_200_instead_of_206_on_resume_starts_over(demo_service, demo_faults, client_of, source, tmp_path):
    dest = tmp_path / source.name
    kept = _leave_part(client_of, demo_faults, source, dest)
    before = _requests(demo_service, source)
    demo_faults.add_spec(f"ignore_range={source.pattern}:1")
    source.fetch(client_of(), dest, resume=True, verify=verify)
    _assert_clean(dest, source)
    assert demo_faults.fired["ignore_range"] == 1
    assert _requests(demo_service, source) - before == 1, "the whole body of the 200 is used"
    assert len(kept) < len(source.reference)


def test_a_206_starting_at_zero_starts_over(demo_service, demo_faults, client_of, source, tmp_path):
    dest = tmp_path / source.name
    _leave_part(client_of, demo_faults, source, dest)
    before = _requests(demo_service, source)
    demo_faults.add_spec(f"range_from_zero={source.pattern}:1")
    source.fetch(client_of(), dest, resume=True, verify=verify)
    _assert_clean(dest, source)
    assert demo_faults.fired["range_from_zero"] == 1
    assert _requests(demo_service, source) - before == 2, "the Range request, then the whole file"


def test_416_starts_over(demo_service, demo_faults, client_of, source, tmp_path):
    dest = tmp_path / source.name
    _leave_part(client_of, demo_faults, source, dest)
    before = _requests(demo_service, source)
    demo_faults.add_spec(f"status416={source.pattern}:1")
    source.fetch(client_of(), dest, resume=True, verify=verify)
    _assert_clean(dest, source)
    assert demo_faults.fired["status416"] == 1
    assert _requests(demo_service, source) - before == 2


def test_a_whole_part_left_before_the_rename_gets_416_from_the_real_server(
    demo_service, client_of, source, tmp_path
):
    """Killed after the last byte but before os.replace: the real file server answers the Range
    past the end with 416, and the download starts over."""
    dest = tmp_path / source.name
    part_path(dest).write_bytes(source.reference)
    validator_path(dest).write_text(source.etag + "\n")
    before = _requests(demo_service, source)
    source.fetch(client_of(), dest, resume=True, verify=verify)
    _assert_clean(dest, source)
    assert _requests(demo_service, source) - before == 2


def test_a_changed_etag_starts_over_and_later_resumes_with_the_new_one(
    demo_service, demo_faults, client_of, source, tmp_path
):
    dest = tmp_path / source.name
    kept = _leave_part(client_of, demo_faults, source, dest, fraction=0.3)
    before = len(demo_service.state.range_requests)
    # The file is "replaced" (new validators, same bytes) and the new answer is cut once too.
    demo_faults.add_spec(f"etag_change={source.pattern};drop={source.pattern}:1:0.6")
    source.fetch(client_of(), dest, resume=True, verify=verify)
    _assert_clean(dest, source)
    new_etag = source.etag[:-1] + '-changed"'
    cut = int(len(source.reference) * 0.6)
    assert _ranges_since(demo_service, source, before) == [
        (f"bytes={len(kept)}-", source.etag),  # refused: the file changed; whole file from 0
        (f"bytes={cut}-", new_etag),  # the cut new version continues with its own validator
    ]


def test_a_corrupt_body_of_the_right_length_is_caught_by_verify(demo_service, demo_faults, client_of, source, tmp_path):
    """`malformed` keeps the length but breaks the bytes: only the container check sees it."""
    dest = tmp_path / source.name
    demo_faults.add_spec(f"malformed={source.pattern}:1")
    source.fetch(client_of(), dest, resume=True, verify=verify)
    _assert_clean(dest, source)
    demo_faults.add_spec(f"malformed={source.pattern}")
    other = tmp_path / "other"
    with pytest.raises(errors.InvalidResponseError):
        source.fetch(client_of(), other, resume=True, verify=verify)
    assert not other.exists() and not part_path(other).exists(), "bad bytes are not kept"


# --- the local disk ---------------------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A tiny tmpfs at `folder` (needs root and a mount that works; skips otherwise)."""
    folder.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _remount(folder: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(folder)], check=True)


def test_a_really_full_disk_is_a_local_error_then_resumes_when_space_is_freed(
    demo_service, client_of, source, tmp_path
):
    with tmpfs(tmp_path / "disk", "16k") as disk:
        dest = disk / source.name
        before = _requests(demo_service, source)
        with pytest.raises(errors.LocalFileError, match=r"Cannot write .*\.part: No space left on device") as raised:
            source.fetch(client_of(), dest, resume=True, verify=verify)
        assert raised.value.errno == errno.ENOSPC
        assert _requests(demo_service, source) - before == 1, "never retried"
        assert not dest.exists()
        kept = part_path(dest).read_bytes()
        assert source.reference.startswith(kept)
        _remount(disk, "size=4m")  # space freed
        ranges_before = len(demo_service.state.range_requests)
        source.fetch(client_of(), dest, resume=True, verify=verify)
        assert dest.read_bytes() == source.reference
        if kept:
            assert _ranges_since(demo_service, source, ranges_before) == [(f"bytes={len(kept)}-", source.etag)]


def test_a_read_only_disk_is_a_local_error(demo_service, client_of, sources, tmp_path):
    source = sources["clip"]
    with tmpfs(tmp_path / "disk", "1m") as disk:
        _remount(disk, "ro")
        with pytest.raises(errors.LocalFileError, match="Read-only file system"):
            source.fetch(client_of(), disk / "clip.mp4", resume=True, verify=verify)
        assert list(disk.iterdir()) == []


def test_a_full_disk_by_a_patched_writer(demo_service, client_of, source, tmp_path, monkeypatch):
    dest = tmp_path / source.name
    before = _requests(demo_service, source)
    with monkeypatch.context() as patched:
        patched.setattr(part_file_module, "open", full_disk_open(5000), raising=False)
        with pytest.raises(errors.LocalFileError, match="No space left on device"):
            source.fetch(client_of(), dest, verify=verify)
    assert _requests(demo_service, source) - before == 1
    assert list(tmp_path.iterdir()) == []


def test_permission_denied(demo_service, client_of, source, tmp_path, monkeypatch):
    """A folder the user may not write to. Root may write anywhere, so there the refusal comes
    from a patched open with the error the OS gives everybody else."""
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    if os.geteuid() == 0:

        def refusing(path, mode="r", *args, **kwargs):
            if Path(path).parent == folder and ("w" in mode or "+" in mode):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
            return open(path, mode, *args, **kwargs)

        monkeypatch.setattr(part_file_module, "open", refusing, raising=False)
    before = _requests(demo_service, source)
    try:
        with pytest.raises(errors.LocalFileError, match=r"Cannot write .*locked.*\.part: Permission denied"):
            source.fetch(client_of(), folder / source.name, resume=True, verify=verify)
    finally:
        folder.chmod(0o700)
    assert _requests(demo_service, source) == before, "nothing asked for that cannot be written"
    assert list(folder.iterdir()) == []


# --- across processes -------------------------------------------------------------------------

_KILLED_DOWNLOAD = """
import os, signal, sys
from datetime import datetime, UTC
from faceter_viewer.api import IntegrationClient

key, base_url, camera_id, start, dest = sys.argv[1:]
client = IntegrationClient(key, base_url)

def progress(written, total):
    os.kill(os.getpid(), signal.SIGKILL)  # mid-body: the first 256 KiB are on their way to disk

client.download_clip(camera_id, datetime.fromtimestamp(int(start), UTC), 16, dest, on_progress=progress, resume=True)
"""


def test_a_part_left_by_a_killed_process_is_resumed_by_a_new_process_with_range(demo_service, client_of, tmp_path):
    camera = demo_service.cameras[0]
    start = recent_archive_time(demo_service)
    reference = client_of().download_clip(camera.id, datetime.fromtimestamp(start, UTC), 16, tmp_path / "clean.mp4")
    assert reference.stat().st_size > 300_000, "long enough to be killed mid-body"
    dest = tmp_path / "clip.mp4"
    child = subprocess.run(
        [sys.executable, "-c", _KILLED_DOWNLOAD, demo_service.integration_key, demo_service.base_url, camera.id,
         str(start), str(dest)],
        cwd=REPO_ROOT, capture_output=True, timeout=120,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr.decode(errors="replace")
    assert not dest.exists()
    assert part_path(dest).stat().st_size == 256 * 1024
    etag = validator_path(dest).read_text().strip()
    assert etag.startswith('"')
    before = len(demo_service.state.range_requests)
    client_of().download_clip(camera.id, datetime.fromtimestamp(start, UTC), 16, dest, resume=True, verify=verify)
    assert dest.read_bytes() == reference.read_bytes()
    seen = [(r, i) for path, r, i in list(demo_service.state.range_requests)[before:] if path.endswith("/archive/clip")]
    assert seen == [(f"bytes={256 * 1024}-", etag)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.mp4", "clip.mp4"]
