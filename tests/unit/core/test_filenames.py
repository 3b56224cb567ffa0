"""Default file names from camera titles: safe on every OS, whatever the title holds."""

from __future__ import annotations

import os
from datetime import datetime

import pytest

from faceter_viewer.core.filenames import MAX_NAME_BYTES, clean_title, is_reserved, numbered_filename, safe_filename

WHEN = datetime(2026, 4, 10, 3, 12, 5)


def test_a_plain_title_and_time():
    assert safe_filename("Front gate", WHEN, ".mp4") == "Front gate_2026-04-10_03-12-05.mp4"
    assert safe_filename("Front gate", WHEN, "mp4", extra="_audio") == "Front gate_2026-04-10_03-12-05_audio.mp4"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("clip\u202e4pm.exe", "clip4pm.exe"),  # a right-to-left override would show it reversed
        ("Ga\u200bte\u200d\ufeff", "Gate"),  # zero-width space, joiner, BOM
        ("a\u2066b\u2069c\u00ad", "abc"),  # isolates and a soft hyphen
        ('Yard: "north"/<A>|B?*', "Yard_ _north_A_B_"),
        ("  . Gate . ", "Gate"),
        ("tab\there\nnew", "tab_here_new"),
        ("", "camera"),
        ("\u200b\u202e", "camera"),
    ],
)
def test_invisible_and_forbidden_characters_go(title, expected):
    assert clean_title(title) == expected


@pytest.mark.parametrize("name", ["CON", "con", "NUL.txt", "COM1", "com¹", "LPT³", "CONIN$", "conout$", "AUX .mp4"])
def test_windows_device_names_are_not_used_as_they_are(name):
    assert is_reserved(name)
    cleaned = clean_title(name)
    assert not is_reserved(cleaned) and cleaned.startswith("_")


@pytest.mark.parametrize("title", ["Ворота склада № 3 " * 20, "倉庫の入口カメラ" * 40, "👁️‍🗨️" * 60, "a" * 400])
def test_long_titles_are_cut_in_bytes_on_a_character_boundary(title, tmp_path):
    name = safe_filename(title, WHEN, ".mp4")
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert name.endswith("_2026-04-10_03-12-05.mp4")
    assert name.encode("utf-8").decode("utf-8") == name  # no broken character
    (tmp_path / numbered_filename(name, 12)).write_bytes(b"x")  # the file system takes it, numbered too
    (tmp_path / (name + ".part")).write_bytes(b"x")
    assert len(os.listdir(tmp_path)) == 2


def test_numbered_names():
    assert numbered_filename("a.png", 1) == "a.png"
    assert numbered_filename("a.png", 3) == "a (3).png"
    assert numbered_filename("noext", 2) == "noext (2)"
