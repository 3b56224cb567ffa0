"""The --faults grammar and path patterns of the demo service (faults.py)."""

from __future__ import annotations

import pytest

from faceter_viewer.demo.faults import FaultSet, FaultSpecError, parse_delay, parse_fault_spec, pattern_regex


def test_the_example_spec_parses():
    rules = parse_fault_spec(
        "latency=200ms;error_rate=/v1/cameras:0.5;status429=/v1/cameras/*/events:2;"
        "drop=/archive/clip;truncate=/demo-files/**:1:0.3;malformed=/v1/cameras"
    )
    assert [r.kind for r in rules] == ["latency", "error_rate", "status429", "drop", "truncate", "malformed"]
    latency, error_rate, status429, drop, truncate, malformed = rules
    assert latency.delay == 0.2 and latency.pattern == "**"
    assert error_rate.probability == 0.5 and error_rate.status == 500
    assert status429.count == 2 and status429.retry_after == 1.0
    assert drop.count is None and drop.fraction == 0.5
    assert truncate.count == 1 and truncate.fraction == 0.3
    assert malformed.pattern == "/v1/cameras"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("explode=/x", "unknown fault kind"),
        ("latency=/v1/cameras", "needs a delay"),
        ("error_rate=/x:1.5", "probability"),
        ("status429=/x:0", "count"),
        ("drop=/x:1:1.0", "fraction"),
        ("malformed=/x:1:2", "at most 1 argument"),
        ("status429=/x:two", "invalid literal"),
        ("error_rate=/x:1:99", "not an HTTP status"),
    ],
)
def test_bad_specs_name_the_problem(spec, message):
    with pytest.raises(FaultSpecError, match=message) as caught:
        parse_fault_spec(spec)
    assert spec in str(caught.value)


@pytest.mark.parametrize(
    ("text", "seconds"), [("200ms", 0.2), ("1.5s", 1.5), ("250", 0.25), (" 2S ", 2.0)]
)
def test_delays(text, seconds):
    assert parse_delay(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("/v1/cameras", "/integration-api/v1/cameras", True),
        ("/v1/cameras", "/integration-api/v1/cameras/abc", False),
        ("/v1/cameras/*/events", "/integration-api/v1/cameras/abc/events", True),
        ("/v1/cameras/*/events", "/integration-api/v1/cameras/abc/recordings", False),
        ("/archive/clip", "/integration-api/v1/cameras/abc/archive/clip", True),
        ("/archive-api/**", "/archive-api/archives/x/segments/2.ts", True),
        ("/archive-api/**", "/integration-api/v1/cameras", False),
        ("**", "/anything/at/all", True),
        ("*", "/anything", True),
        ("/v1/cameras/*", "/integration-api/v1/cameras/abc", True),
        ("/v1/cameras/*", "/integration-api/v1/cameras", False),
    ],
)
def test_patterns_match_the_end_of_the_path(pattern, path, matches):
    assert (pattern_regex(pattern).search(path) is not None) is matches


def test_counted_rules_are_spent_and_fired_is_counted():
    faults = FaultSet(seed=1, spec="status429=/v1/cameras:2;latency=50ms")
    plans = [faults.plan("/integration-api/v1/cameras") for _ in range(3)]
    assert [answer.kind if answer else None for _, answer, _ in plans] == ["status429", "status429", None]
    assert all(delay == pytest.approx(0.05) for delay, _, _ in plans)
    assert faults.fired == {"status429": 2, "latency": 3}
    assert [r.kind for r in faults.rules] == ["latency"]


def test_error_rate_is_seeded():
    def draws(seed: int) -> list[bool]:
        faults = FaultSet(seed=seed, spec="error_rate=0.5")
        return [faults.plan("/x")[1] is not None for _ in range(40)]

    assert draws(1) == draws(1)
    assert draws(1) != draws(2)
    assert 5 < sum(draws(1)) < 35


def test_injected_rules_are_removed_after_the_block():
    faults = FaultSet()
    with faults.injected("malformed=/a;drop=/b") as rules:
        assert len(rules) == 2 and len(faults.rules) == 2
    assert faults.rules == []
