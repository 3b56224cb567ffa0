"""`faceter-viewer --incident "CAMERA@TIME"`: parsed on the command line (a bad one is a usage
error before any window), handed to the main window once its session is attached."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from faceter_viewer.app import AppController
from faceter_viewer.cli.main import build_parser, main
from faceter_viewer.core.incident import IncidentRequest


def test_the_spec_is_parsed_into_a_request_in_local_time():
    args = build_parser().parse_args(["--demo", "--incident", "Entrance@2026-04-10 03:12"])
    assert args.incident == IncidentRequest("Entrance", datetime(2026, 4, 10, 3, 12).timestamp())
    assert build_parser().parse_args([]).incident is None


@pytest.mark.parametrize(("spec", "words"), [("Entrance", "CAMERA@TIME"), ("Entrance@soon", "is not a time")])
def test_a_bad_spec_is_a_usage_error_that_says_why(spec, words, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--incident", spec])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--incident" in err and words in err


def test_it_opens_the_app_so_it_takes_no_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--incident", "Entrance@2026-04-10 03:12", "cameras"])
    assert exit_info.value.code == 2
    assert "without a COMMAND" in capsys.readouterr().err


class Window:
    def __init__(self) -> None:
        self.opened: list[IncidentRequest] = []

    def open_incident(self, request: IncidentRequest) -> None:
        self.opened.append(request)


def test_the_request_goes_to_the_first_window_once(qtbot):
    request = IncidentRequest("Entrance", time.time() - 600)
    controller = AppController(incident=request)
    try:
        first, second = Window(), Window()
        controller._hand_over_incident(first)
        controller._hand_over_incident(second)  # signed out and in again: not re-opened
        assert first.opened == [request] and second.opened == []

        posted = []
        controller.messages.posted.connect(posted.append)
        controller.incident = request
        controller._hand_over_incident(object())  # a window without the incident view: said, not crashed
        assert len(posted) == 1 and "incident view" in posted[0].text
    finally:
        controller.runner.shutdown()
