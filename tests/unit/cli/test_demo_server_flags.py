"""`faceter-viewer demo-server` flags: --export-failure-rate takes a fraction 0..1."""

from __future__ import annotations

import pytest

from faceter_viewer.cli.main import build_parser


def test_export_failure_rate_defaults_to_zero_and_takes_a_fraction():
    assert build_parser().parse_args(["demo-server"]).export_failure_rate == 0.0
    assert build_parser().parse_args(["demo-server", "--export-failure-rate", "0.25"]).export_failure_rate == 0.25


@pytest.mark.parametrize("value", ["1.5", "-0.1", "nan", "half"])
def test_export_failure_rate_outside_0_to_1_is_a_usage_error(value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["demo-server", "--export-failure-rate", value])
    assert exit_info.value.code == 2
    assert "--export-failure-rate" in capsys.readouterr().err
