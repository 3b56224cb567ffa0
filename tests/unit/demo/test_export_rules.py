"""The demo's export rules that need no server: which exports fail on purpose (seeded, at the
asked rate) and which callback URLs may be called (loopback only, no DNS)."""

from __future__ import annotations

import pytest

from faceter_viewer.demo.export_callbacks import is_loopback_url
from faceter_viewer.demo.exports import FailurePicker


def _draws(rate: float, seed: int, count: int) -> list[bool]:
    picker = FailurePicker(rate, seed)
    return [picker.next_fails() for _ in range(count)]


@pytest.mark.parametrize("rate", [0.05, 0.3, 0.5, 0.9])
def test_the_failure_fraction_is_the_rate(rate):
    draws = _draws(rate, seed=1, count=20_000)
    assert sum(draws) / len(draws) == pytest.approx(rate, abs=0.015)


def test_failures_repeat_with_the_seed_and_differ_between_seeds():
    assert _draws(0.5, 7, 200) == _draws(0.5, 7, 200)
    assert _draws(0.5, 7, 200) != _draws(0.5, 8, 200)


def test_rate_zero_never_fails_and_one_always_fails():
    assert not any(_draws(0.0, 1, 1000))
    assert all(_draws(1.0, 1, 1000))


@pytest.mark.parametrize("rate", [-0.01, 1.01, float("nan"), float("inf")])
def test_a_rate_outside_0_to_1_is_refused(rate):
    with pytest.raises(ValueError, match="between 0 and 1"):
        FailurePicker(rate, 1)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://127.1.2.3/hook",
        "https://[::1]:9000/x?y=1",
        "http://localhost/hook",
        "http://LOCALHOST:1/",
        "http://user:pw@127.0.0.1/hook",
    ],
)
def test_loopback_urls_are_called(url):
    assert is_loopback_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/hook",
        "http://0.0.0.0/hook",
        "http://192.0.2.10/",
        "http://example.com/hook",
        "http://localhost.example/hook",  # a name is not resolved, and this one is not localhost
        "http://127.0.0.1.nip.io/hook",
        "http://[::2]/",
        "ftp://127.0.0.1/hook",
        "file:///etc/passwd",
        "http://127.0.0.1:notaport/",
        "127.0.0.1:8080/hook",
        "",
    ],
)
def test_other_urls_are_not(url):
    assert not is_loopback_url(url)
