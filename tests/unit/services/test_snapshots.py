"""Snapshots on disk: a taken name is never overwritten, two at once are two files, no leftovers."""

from __future__ import annotations

import threading

from PySide6.QtGui import QColor, QImage

from faceter_viewer.core.filenames import numbered_filename
from faceter_viewer.services.snapshots import write_png


def picture(colour: int) -> QImage:
    image = QImage(64, 36, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    return image


def test_numbered_names():
    assert numbered_filename("Gate_2026-04-10_03-12-05.png", 1) == "Gate_2026-04-10_03-12-05.png"
    assert numbered_filename("Gate_2026-04-10_03-12-05.png", 2) == "Gate_2026-04-10_03-12-05 (2).png"
    assert numbered_filename("Gate", 3) == "Gate (3)"


def test_a_taken_name_is_never_overwritten(qapp, tmp_path):
    path = tmp_path / "Gate_2026-04-10_03-12-05.png"
    first = write_png(picture(0xFF0000), path)
    second = write_png(picture(0x00FF00), path)
    assert first == path and second == tmp_path / "Gate_2026-04-10_03-12-05 (2).png"
    assert QImage(str(first)).pixelColor(1, 1) == QColor(0xFF0000)  # the first is intact
    assert QImage(str(second)).pixelColor(1, 1) == QColor(0x00FF00)
    assert sorted(p.name for p in tmp_path.iterdir()) == [second.name, first.name]  # no .part left


def test_snapshots_written_at_the_same_time_are_all_kept(qapp, tmp_path):
    path = tmp_path / "Gate_2026-04-10_03-12-05.png"
    written: list = []
    start = threading.Barrier(4)

    def write(colour: int) -> None:
        start.wait()
        written.append(write_png(picture(colour), path))

    threads = [threading.Thread(target=write, args=(0x101010 * (i + 1),)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(written)) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)
    colours = {QImage(str(p)).pixelColor(1, 1).name() for p in written}
    assert len(colours) == 4  # each file holds its own picture
