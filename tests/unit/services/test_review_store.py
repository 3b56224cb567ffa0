"""The reviewed-events store: real SQLite files, a real writer thread, a real killed process."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import platformdirs
import pytest

from faceter_viewer.services.messages import MessageHub
from faceter_viewer.services.review_store import SCHEMA_VERSION, ReviewState, ReviewStore, default_path

URL = "http://127.0.0.1:9/integration-api"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def make_state(tmp_path):
    states: list[ReviewState] = []

    def make(path: Path | None = None, **options) -> ReviewState:
        state = ReviewState(path or tmp_path / "reviewed.sqlite3", **options)
        states.append(state)
        return state

    yield make
    for state in states:
        state.close()


def load(qtbot, state: ReviewState, camera_id: str, base_url: str = URL) -> None:
    with qtbot.waitSignal(state.loaded, timeout=3000, check_params_cb=lambda cid: cid == camera_id):
        state.load(base_url, camera_id)
    assert state.is_loaded(base_url, camera_id)


def test_default_path_is_in_the_user_data_folder():
    path = default_path()
    assert path.parent == Path(platformdirs.user_data_dir("faceter-viewer"))
    assert path.suffix == ".sqlite3"


def test_marks_are_in_memory_at_once_and_on_disk_after_a_restart(qtbot, make_state, tmp_path):
    state = make_state()
    with qtbot.waitSignal(state.changed) as blocker:
        state.mark(URL, "cam-1", ["e1", "e2"])
    assert blocker.args == ["cam-1", {"e1", "e2"}]
    assert state.is_reviewed(URL, "cam-1", "e1")  # memory, before any write
    assert state.reviewed_ids(URL, "cam-1") == frozenset({"e1", "e2"})
    state.mark(URL + "/", "cam-2", ["e1"])  # a trailing '/' is the same service
    state.mark("https://cloud.faceter.cam/integration-api", "cam-1", ["e9"])  # another service
    state.mark(URL, "cam-1", ["e2"], reviewed=False)
    assert state.flush()
    state.close()

    again = make_state()
    for camera_id in ("cam-1", "cam-2"):
        load(qtbot, again, camera_id)
    assert again.reviewed_ids(URL, "cam-1") == frozenset({"e1"})
    assert again.reviewed_ids(URL, "cam-2") == frozenset({"e1"})
    assert not again.is_reviewed(URL, "cam-1", "e9")  # it belongs to the other service

    # The file: WAL, its schema version, one row per (service, camera, event).
    db = sqlite3.connect(tmp_path / "reviewed.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 1
    rows = sorted(db.execute("SELECT service, camera_id, event_id FROM reviewed"))
    db.close()
    assert rows == [
        (URL, "cam-1", "e1"),
        (URL, "cam-2", "e1"),
        ("https://cloud.faceter.cam/integration-api", "cam-1", "e9"),
    ]


def test_changed_names_only_what_changed_once_loaded(qtbot, make_state):
    state = make_state()
    load(qtbot, state, "cam-1")
    state.mark(URL, "cam-1", ["a", "b"])
    with qtbot.waitSignal(state.changed) as blocker:
        state.mark(URL, "cam-1", ["b", "c"])
    assert blocker.args == ["cam-1", {"c"}]
    with qtbot.assertNotEmitted(state.changed):
        state.mark(URL, "cam-1", ["a"])  # already reviewed
        state.mark(URL, "cam-1", ["zzz"], reviewed=False)  # never was
        state.mark(URL, "cam-1", [])
    with qtbot.waitSignal(state.changed) as blocker:
        state.mark(URL, "cam-1", ["a", "zzz"], reviewed=False)
    assert blocker.args == ["cam-1", {"a"}]


def test_marks_made_while_a_load_is_on_its_way_win_over_the_disk(qtbot, make_state, tmp_path):
    first = make_state()
    first.mark(URL, "cam-1", ["old-1", "old-2"])
    first.close()

    state = make_state()
    with qtbot.waitSignal(state.loaded, timeout=3000):
        state.load(URL, "cam-1")
        # Before the answer comes back (it is delivered through the event loop, later):
        state.mark(URL, "cam-1", ["old-1"], reviewed=False)
        state.mark(URL, "cam-1", ["new-1"])
    assert state.reviewed_ids(URL, "cam-1") == frozenset({"old-2", "new-1"})
    state.close()
    again = make_state()
    load(qtbot, again, "cam-1")
    assert again.reviewed_ids(URL, "cam-1") == frozenset({"old-2", "new-1"})


def test_loading_a_loaded_camera_answers_again(qtbot, make_state):
    state = make_state()
    load(qtbot, state, "cam-1")
    state.mark(URL, "cam-1", ["a"])
    load(qtbot, state, "cam-1")  # memory is the truth now: it stays
    assert state.reviewed_ids(URL, "cam-1") == frozenset({"a"})


def test_the_gui_thread_never_waits_for_the_disk(qtbot, make_state, tmp_path):
    """A writer stuck on a locked database: mark() and the memory queries still return at once."""
    state = make_state()
    load(qtbot, state, "cam-1")
    blocker = sqlite3.connect(tmp_path / "reviewed.sqlite3", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # the writer's next transaction waits (up to its 5-s timeout)
    try:
        started = time.perf_counter()
        for i in range(50):
            state.mark(URL, "cam-1", [f"e{i}"])
        assert state.is_reviewed(URL, "cam-1", "e49")
        assert time.perf_counter() - started < 0.05
        assert not state.flush(timeout=0.3)  # the writes are indeed still waiting
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert state.flush()


# --- a killed process ---------------------------------------------------------------------------

WRITER = """
import sys, itertools
from faceter_viewer.services.review_store import ReviewState
state = ReviewState(sys.argv[1])
for i in itertools.count():
    state.mark(sys.argv[2], "cam-1", [f"e{i}"])
    if not state.flush(5.0):
        raise SystemExit("flush timed out")
    print(i, flush=True)
"""

READER = """
import json, sys
from PySide6.QtCore import QCoreApplication
from faceter_viewer.services.review_store import ReviewState
app = QCoreApplication([])
state = ReviewState(sys.argv[1])
state.loaded.connect(lambda camera_id: app.quit())
state.load(sys.argv[2], "cam-1")
app.exec()
print(json.dumps(sorted(state.reviewed_ids(sys.argv[2], "cam-1"))))
state.close()
"""


def _python(code: str, *args: str, **popen) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=env, text=True, **popen)


def test_a_mark_survives_a_sigkill_right_after_it(tmp_path):
    path = tmp_path / "reviewed.sqlite3"
    writer = _python(WRITER, str(path), URL, stdout=subprocess.PIPE)
    marked = -1
    try:
        # Each line: that mark is committed. Kill while the next marks are being written.
        for line in writer.stdout:
            marked = int(line)
            if marked >= 30:
                writer.send_signal(signal.SIGKILL)
                break
    finally:
        writer.kill()
        writer.wait(10)
        writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL and marked >= 30

    reader = _python(READER, str(path), URL, stdout=subprocess.PIPE)
    out, _ = reader.communicate(timeout=60)
    assert reader.returncode == 0
    ids = set(json.loads(out))
    assert {f"e{i}" for i in range(marked + 1)} <= ids  # every mark it said was done
    assert ids <= {f"e{i}" for i in range(marked + 10)}  # and nothing it never made


# --- a bad file ---------------------------------------------------------------------------------


def test_a_corrupt_file_is_moved_aside_and_a_new_one_started(qtbot, make_state, tmp_path):
    path = tmp_path / "reviewed.sqlite3"
    path.write_bytes(b"this is not an SQLite database at all" * 100)
    hub = MessageHub()
    with qtbot.waitSignal(hub.posted, timeout=3000) as blocker:
        state = make_state(path, messages=hub)
    message = blocker.args[0]
    assert message.level == "warning"
    assert "could not be read" in message.text and "new one was started" in message.text
    assert "unreadable" in message.details
    kept = list(tmp_path.glob("reviewed.sqlite3.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"this is not")

    state.mark(URL, "cam-1", ["e1"])
    state.close()
    again = make_state(path)
    load(qtbot, again, "cam-1")
    assert again.reviewed_ids(URL, "cam-1") == frozenset({"e1"})
    assert again.available


def test_an_unwritable_folder_keeps_marks_in_memory_and_says_so_once(qtbot, make_state, tmp_path):
    (tmp_path / "a-file").write_text("in the way")
    hub = MessageHub()
    posted = []
    hub.posted.connect(posted.append)
    state = make_state(tmp_path / "a-file" / "reviewed.sqlite3", messages=hub)  # its folder is a file
    qtbot.waitUntil(lambda: bool(posted), timeout=3000)
    assert posted[0].text.startswith("Reviewed marks will not be kept after you quit: ")
    assert "errno" not in posted[0].text.lower()
    assert "File: " in posted[0].details
    qtbot.waitUntil(lambda: not state.available, timeout=3000)

    with qtbot.waitSignal(state.changed):
        state.mark(URL, "cam-1", ["e1"])
    load(qtbot, state, "cam-1")
    assert state.reviewed_ids(URL, "cam-1") == frozenset({"e1"})  # memory still has it
    assert state.flush()
    assert len(posted) == 1


def test_a_file_of_a_newer_version_is_left_alone(qtbot, make_state, tmp_path):
    path = tmp_path / "reviewed.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=99")
    db.execute("CREATE TABLE future (x)")
    db.commit()
    db.close()
    hub = MessageHub()
    with qtbot.waitSignal(hub.posted, timeout=3000) as blocker:
        state = make_state(path, messages=hub)
    assert "newer version" in blocker.args[0].text
    state.mark(URL, "cam-1", ["e1"])
    assert state.flush()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 99
    assert [row[0] for row in db.execute("SELECT name FROM sqlite_master")] == ["future"]
    db.close()
    assert not list(tmp_path.glob("*.unreadable-*"))


def test_without_a_message_hub_the_log_says_it(qtbot, make_state, tmp_path, caplog):
    (tmp_path / "a-file").write_text("in the way")
    state = make_state(tmp_path / "a-file" / "x.sqlite3")
    qtbot.waitUntil(lambda: not state.available, timeout=3000)
    assert any("Reviewed marks will not be kept" in record.getMessage() for record in caplog.records)


def test_a_store_without_qt_round_trips(tmp_path):
    store = ReviewStore(tmp_path / "sub" / "r.sqlite3")  # the folder is made
    store.mark("s", "c", ["1", "2"], True)
    store.mark("s", "c", ["1"], False)
    assert store.reviewed_ids("s", "c") == {"2"}
    store.close()
    thread_names = {thread.name for thread in threading.enumerate()}
    assert "faceter-review-writer" not in thread_names
