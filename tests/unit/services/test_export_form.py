"""The export dialog's checks, names, requests and estimate words (services/export_form.py).
The dialog itself, against the demo service, is tests/integration/test_export_dialog.py."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from faceter_viewer.api import rules
from faceter_viewer.core.filenames import MAX_NAME_BYTES
from faceter_viewer.services.export_form import (
    EVENT_TAIL,
    ExportForm,
    SpeedMemory,
    callback_url_problem,
    default_file_name,
    download_eta,
    estimate_text,
    event_range,
    format_size,
    room_mates,
    total_size,
    typed_file_name,
    whole_seconds,
)
from faceter_viewer.services.exports.job import ExportMode
from tests.helpers.cameras import make_camera

NOW = 1_776_000_000.0  # 2026-04-12 13:20:00 UTC
BERLIN = ZoneInfo("Europe/Berlin")
GATE = make_camera("gate", "Front gate")
YARD = make_camera("yard", "Yard", isAudioGranted=False)
LOCKED = make_camera("locked", "Vault", isArchiveGranted=False)


def form(**changes) -> ExportForm:
    values = dict(cameras=(GATE,), start=NOW - 600, end=NOW - 540, mode=ExportMode.VIDEO, folder=Path("/tmp/x"), tz=BERLIN)
    values.update(changes)
    return ExportForm(**values)


def test_a_minute_of_the_archive_is_fine():
    assert form().refusal(NOW) is None
    assert form().duration == 60


def test_every_refusal_names_its_field_and_says_why():
    cases = {
        "cameras": [form(cameras=()), form(cameras=(GATE, LOCKED))],
        "end": [form(end=NOW - 700), form(start=NOW - 30, end=NOW + 30)],
        "duration": [form(end=NOW - 600), form(end=NOW - 600 + rules.MAX_EXPORT_SECONDS + 1)],
        "start": [
            form(start=NOW + 60, end=NOW + 120),
            form(start=float("nan")),
            form(archive={"gate": 0.0}),
            form(sizes={"gate": 0}),
        ],
        "mode": [form(mode=ExportMode.AUDIO, cameras=(GATE, YARD))],
        "audio": [form(audio=True, cameras=(YARD,))],
        "callback": [form(callback_url="ftp://example.com/x"), form(callback_url="https://")],
        "folder": [form(folder=None)],
        "name": [form(file_name=" .mp4 ")],
    }
    for field, forms in cases.items():
        for bad in forms:
            refusal = bad.refusal(NOW)
            assert refusal is not None and refusal.field == field, (field, bad, refusal)
            assert refusal.text.endswith(".") and "HTTP" not in refusal.text
    assert "Vault" in form(cameras=(GATE, LOCKED)).refusal(NOW).text  # which camera it is
    assert "Yard" in form(audio=True, cameras=(YARD,)).refusal(NOW).text


def test_too_long_says_the_limit_and_how_to_get_there():
    text = form(start=NOW - 5400, end=NOW).refusal(NOW).text
    assert "1 h 30 min" in text and "1 h 00 min" in text and "in parts" in text
    assert form(start=NOW - rules.MAX_EXPORT_SECONDS, end=NOW).refusal(NOW) is None  # the limit itself is allowed


def test_what_is_known_of_the_archive_decides_before_the_size():
    assert form(archive={"gate": 12.0}, sizes={"gate": 0}).refusal(NOW) is None  # the timeline saw recordings
    assert form(archive={"gate": None}, sizes={"gate": 0}).refusal(NOW).field == "start"  # not loaded: size says
    assert form(archive={"gate": None}, sizes={"gate": None}).refusal(NOW) is None  # nothing known: let it try
    text = form(cameras=(GATE, YARD), sizes={"gate": 10, "yard": 0}).refusal(NOW).text
    assert "Yard" in text and "no archive" in text


def test_audio_in_a_video_export_without_the_grant_is_refused_but_a_silent_one_is_not():
    assert form(cameras=(YARD,), audio=False).refusal(NOW) is None
    assert form(cameras=(YARD,), audio=True, mode=ExportMode.CLIP).refusal(NOW) is None  # a clip asks no audio


def test_the_range_is_widened_to_whole_seconds():
    assert whole_seconds(10.2, 20.7) == (10.0, 21.0)
    assert form(start=NOW - 600.5, end=NOW - 540.2).duration == 61
    [request] = form(start=NOW - 600.5, end=NOW - 540.2).requests()
    assert request.start == datetime.fromtimestamp(NOW - 601, UTC) and request.duration == 61


def test_an_event_is_exported_with_its_pre_roll_and_a_tail_never_past_now():
    assert event_range(NOW - 100, NOW - 90, 5.0, NOW) == (NOW - 105, NOW - 90 + EVENT_TAIL)
    assert event_range(NOW - 100, None, 5.0, NOW) == (NOW - 105, NOW - 100 + EVENT_TAIL)  # an instant
    assert event_range(NOW - 3, NOW - 1, 5.0, NOW) == (NOW - 8, NOW)


def test_room_mates_are_the_same_group_in_tree_order():
    hall = {"id": "l", "title": "HQ", "room": {"id": "r1", "title": "Hall"}}
    other = {"id": "l", "title": "HQ", "room": {"id": "r2", "title": "Lab"}}
    a, b10, b2, c = (
        make_camera("a", "Camera 1", location=hall),
        make_camera("b10", "Camera 10", location=hall),
        make_camera("b2", "Camera 2", location=hall),
        make_camera("c", "Camera 3", location=other),
    )
    assert [cam.id for cam in room_mates(a, [a, b10, b2, c])] == ["b2", "b10"]


def test_default_names_use_local_time_and_the_modes_extension():
    assert default_file_name(GATE, NOW, ExportMode.VIDEO, BERLIN) == "Front gate_2026-04-12_15-20-00.mp4"
    assert default_file_name(GATE, NOW, ExportMode.AUDIO, BERLIN).endswith(".m4a")
    sneaky = make_camera("x", "clip\u202egpj.exe CON")
    assert "\u202e" not in default_file_name(sneaky, NOW, ExportMode.CLIP, BERLIN)


def test_a_typed_name_is_made_safe_and_gets_the_modes_extension():
    assert typed_file_name("evidence 7.mp4", ExportMode.AUDIO) == "evidence 7.m4a"
    assert typed_file_name("a/b:c", ExportMode.CLIP) == "a_b_c.mp4"
    assert typed_file_name("NUL", ExportMode.CLIP) == "_NUL.mp4"
    assert typed_file_name("   ", ExportMode.CLIP) == ""
    long = typed_file_name("я" * 300, ExportMode.VIDEO)
    assert len(long.encode("utf-8")) <= MAX_NAME_BYTES and long.endswith(".mp4")


def test_one_request_per_camera_with_the_typed_name_for_the_first():
    requests = form(cameras=(GATE, YARD), file_name="case 12", evidence=False, callback_url=" http://127.0.0.1:9/cb ",
                    sizes={"gate": 100, "yard": 200}).requests()  # fmt: skip
    assert [r.camera.id for r in requests] == ["gate", "yard"]
    assert [r.file_name for r in requests] == ["case 12.mp4", "Yard_2026-04-12_15-10-00.mp4"]
    assert all(r.folder == Path("/tmp/x") and r.duration == 60 and not r.evidence for r in requests)
    assert [r.size_estimate for r in requests] == [100, 200]
    assert requests[0].callback_url == "http://127.0.0.1:9/cb"
    [clip] = form(mode=ExportMode.CLIP, audio=True).requests()
    assert clip.audio is False  # only a video export asks for audio


@pytest.mark.parametrize(
    ("url", "ok"),
    [("", True), ("http://127.0.0.1:8080/hook", True), ("HTTPS://example.com", True), ("file:///etc/passwd", False),
     ("example.com/hook", False), ("http://host:99999/", False), ("javascript:alert(1)", False)],
)  # fmt: skip
def test_callback_urls(url, ok):
    assert (callback_url_problem(url) is None) is ok


def test_sizes_speed_and_the_words_for_them():
    assert total_size({"a": 10, "b": 5}, ["a", "b"]) == 15
    assert total_size({"a": 10}, ["a", "b"]) is None
    assert download_eta(10_000_000, 2_000_000) == 5.0
    assert download_eta(10_000_000, None) is None
    assert [format_size(n) for n in (999, 1500, 12_345_678, 2_500_000_000)] == ["999 B", "1.5 KB", "12.3 MB", "2.5 GB"]
    assert estimate_text(12_345_678, 2_000_000, ExportMode.CLIP) == "About 12.3 MB: about 6.2 s to download (at 2.0 MB/s)."
    assert "after a first download" in estimate_text(12_345_678, None, ExportMode.VIDEO)
    assert "for 2 cameras" in estimate_text(1_000_000, None, ExportMode.VIDEO, cameras=2)
    assert "much smaller" in estimate_text(1_000_000, 1e6, ExportMode.AUDIO)
    memory = SpeedMemory(None)
    memory.observe(1e6)
    assert memory.value == 1e6
    memory.observe(2e6)
    assert memory.value == pytest.approx(1.3e6)
    memory.observe(float("inf"))
    assert SpeedMemory(-1).value is None and memory.value == pytest.approx(1.3e6)
