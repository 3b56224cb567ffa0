"""The bookmark form's checks, the POST body it becomes, and the snapshot encoding
(services/bookmarks.py). The round trip over HTTP is tests/integration/test_bookmark_dialog.py."""

from __future__ import annotations

import base64

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from faceter_viewer.api.models import NewEvent
from faceter_viewer.services.bookmarks import BookmarkDraft, GridMarks, jpeg_base64

NOW = 1_776_000_000.0


def draft(**changes) -> BookmarkDraft:
    values = dict(camera_id="cam-1", event_id="e-1", start=NOW - 60)
    values.update(changes)
    return BookmarkDraft(**values)


def test_a_plain_instant_at_the_playhead_is_fine():
    assert draft().problem(NOW) is None
    assert draft(start=NOW + 1).problem(NOW) is None  # our clock and the service's differ a little


def test_the_form_says_what_is_wrong_and_where():
    cases = {
        "start": [draft(start=NOW + 60), draft(start=float("nan"))],
        "end": [draft(end=NOW - 61), draft(end=NOW - 60)],
        "attributes": [draft(attributes=(("note", "a"), (" note ", "b"))), draft(attributes=(("", "orphan"),))],
        "grid": [draft(grid=GridMarks(2, 2, (0, 0, 0, 0)))],
    }
    for field, drafts in cases.items():
        for bad in drafts:
            problem = bad.problem(NOW)
            assert problem is not None and problem.field == field, (bad, problem)
            assert problem.text.endswith(".") and "HTTP" not in problem.text
    assert "future" in draft(start=NOW + 60).problem(NOW).text
    assert draft(attributes=(("", ""), ("note", ""))).problem(NOW) is None  # blank rows are left out


def test_the_body_is_the_documented_new_event():
    body = draft(
        end=NOW - 30.5,
        event_type="Human",
        attributes=(("note", "door open"), ("", ""), ("by", "guard")),
        grid=GridMarks(2, 3, (0, 1, 0, 0, 0, 1)),
    ).to_new_event(snapshot="QUJD")
    wire = body.to_api()
    assert wire["eventId"] == "e-1"
    assert wire["eventType"] == "Human" and wire["instant"] is False
    assert wire["startDate"].endswith("Z") and wire["endDate"].endswith(".500Z")
    assert wire["attributes"] == {"note": "door open", "by": "guard"}  # §6: one object when posted
    assert wire["grid"] == {"rows": 2, "cols": 3, "cells": [0, 1, 0, 0, 0, 1]}
    assert wire["snapshot"] == "QUJD"
    assert NewEvent.model_validate(wire) == body  # what the service parses is what was meant

    instant = draft().to_new_event().to_api()
    assert instant["instant"] is True and "endDate" not in instant and "grid" not in instant and "snapshot" not in instant


def test_the_same_draft_always_sends_the_same_event_id():
    one = draft(event_id="fixed")
    assert one.to_new_event().event_id == one.to_new_event().event_id == "fixed"


def test_the_snapshot_is_a_jpeg_in_base64_scaled_to_fit(qapp):
    image = QImage(3840, 2160, QImage.Format.Format_ARGB32)
    image.fill(QColor(200, 30, 30))
    text = jpeg_base64(image)
    data = base64.b64decode(text, validate=True)
    assert data[:3] == b"\xff\xd8\xff"  # a JPEG
    decoded = QImage.fromData(data, "JPEG")
    assert (decoded.width(), decoded.height()) == (1920, 1080)
    pixel = decoded.pixelColor(960, 540)
    assert abs(pixel.red() - 200) < 8 and pixel.green() < 40

    small = QImage(640, 360, QImage.Format.Format_RGB32)
    small.fill(Qt.GlobalColor.white)
    assert QImage.fromData(base64.b64decode(jpeg_base64(small))).size() == small.size()
