"""The rules of docs/api-rules.md, each in one function of faceter_viewer.api.rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from faceter_viewer.api import rules

APRIL_10 = datetime(2024, 4, 10, 10, 40, tzinfo=UTC)  # 1712745600 s, the doc's example instant


# --- §4 datetimes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-10T09:00:00Z", datetime(2026, 4, 10, 9, 0, tzinfo=UTC)),
        ("2026-04-10T09:00:00z", datetime(2026, 4, 10, 9, 0, tzinfo=UTC)),
        # .NET writes 7 fractional digits; the 7th is below a microsecond and is dropped
        ("2026-04-10T09:00:00.1234567Z", datetime(2026, 4, 10, 9, 0, 0, 123456, tzinfo=UTC)),
        ("2026-04-10T09:00:00.5Z", datetime(2026, 4, 10, 9, 0, 0, 500000, tzinfo=UTC)),
        ("2026-04-10T09:00:00,25Z", datetime(2026, 4, 10, 9, 0, 0, 250000, tzinfo=UTC)),
        # an offset is converted to UTC
        ("2026-04-10T09:00:00+03:00", datetime(2026, 4, 10, 6, 0, tzinfo=UTC)),
        ("2026-04-10T09:00:00.1234567+03:00", datetime(2026, 4, 10, 6, 0, 0, 123456, tzinfo=UTC)),
        ("2026-04-10T09:00:00-0530", datetime(2026, 4, 10, 14, 30, tzinfo=UTC)),
        ("2026-04-10T01:00:00+03:00", datetime(2026, 4, 9, 22, 0, tzinfo=UTC)),
        # no offset at all: UTC
        ("2026-04-10T09:00:00", datetime(2026, 4, 10, 9, 0, tzinfo=UTC)),
        ("2026-04-10 09:00", datetime(2026, 4, 10, 9, 0, tzinfo=UTC)),
        ("  2026-04-10T09:00:00Z  ", datetime(2026, 4, 10, 9, 0, tzinfo=UTC)),
        # numbers are epoch seconds
        (1712745600, APRIL_10),
        (1712745600.5, APRIL_10 + timedelta(milliseconds=500)),
    ],
)
def test_parse_api_datetime_reads_every_iso_form_into_aware_utc(text, expected):
    parsed = rules.parse_api_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is not None and parsed.utcoffset() == timedelta(0)


def test_parse_api_datetime_makes_naive_datetimes_utc_and_converts_aware_ones():
    assert rules.parse_api_datetime(datetime(2026, 4, 10, 9, 0)) == datetime(2026, 4, 10, 9, 0, tzinfo=UTC)
    moscow = timezone(timedelta(hours=3))
    converted = rules.parse_api_datetime(datetime(2026, 4, 10, 9, 0, tzinfo=moscow))
    assert converted.tzinfo == UTC and converted.hour == 6


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "yesterday",
        "2026-04-10",
        "2026-13-01T00:00:00Z",
        "2026-04-10T25:00:00Z",
        "2026-04-10T09:00:00+99:99",
        "2026-04-10T09:00:00 UTC",
        True,
        None,
        [2026, 4, 10],
        {"date": "2026-04-10"},
        # out of the range a datetime can hold: must still be a ValueError (pydantic turns only
        # ValueError/AssertionError into a ValidationError)
        pytest.param(10**400, id="10**400"),
        1e300,
        -1e20,
        float("inf"),
        float("nan"),
        "0001-01-01T00:00:00+03:00",
        "9999-12-31T23:59:59-03:00",
    ],
)
def test_parse_api_datetime_rejects_anything_else_with_value_error(bad):
    with pytest.raises(ValueError):
        rules.parse_api_datetime(bad)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 4, 10, 9, 0, tzinfo=UTC), "2026-04-10T09:00:00Z"),
        (datetime(2026, 4, 10, 9, 0), "2026-04-10T09:00:00Z"),  # naive is UTC
        (datetime(2026, 4, 10, 12, 0, tzinfo=timezone(timedelta(hours=3))), "2026-04-10T09:00:00Z"),
        (datetime(2026, 4, 10, 9, 0, 0, 123456, tzinfo=UTC), "2026-04-10T09:00:00.123Z"),
        (datetime(2026, 4, 10, 9, 0, 0, 999, tzinfo=UTC), "2026-04-10T09:00:00.000Z"),
    ],
)
def test_format_api_datetime_writes_utc_with_z(value, expected):
    assert rules.format_api_datetime(value) == expected


def test_datetime_round_trip_keeps_milliseconds():
    moment = datetime(2026, 4, 10, 9, 0, 0, 250000, tzinfo=UTC)
    assert rules.parse_api_datetime(rules.format_api_datetime(moment)) == moment


# --- §16 Archive API time units -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (APRIL_10, "1712745600"),
        (APRIL_10 + timedelta(milliseconds=500), "1712745600.5"),
        (APRIL_10 + timedelta(milliseconds=125), "1712745600.125"),
        (datetime(2024, 4, 10, 13, 40, tzinfo=timezone(timedelta(hours=3))), "1712745600"),
        (1712745600, "1712745600"),
        (1712745600.25, "1712745600.25"),
        (60, "60"),
        (0.5, "0.5"),
        (0, "0"),
    ],
)
def test_archive_query_times_are_epoch_seconds_as_decimals(value, expected):
    assert rules.to_archive_seconds(value) == expected


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_archive_query_times_must_be_finite(bad):
    with pytest.raises(ValueError):
        rules.to_archive_seconds(bad)
    with pytest.raises(ValueError):
        rules.from_archive_seconds(bad)


def test_from_archive_seconds_is_the_inverse():
    assert rules.from_archive_seconds("1712745600.5") == APRIL_10 + timedelta(milliseconds=500)
    assert rules.from_archive_seconds(rules.to_archive_seconds(APRIL_10)) == APRIL_10


def test_timeline_times_are_epoch_milliseconds():
    # the doc's example: {"time": 1712745600000, "duration": 60000}
    assert rules.from_timeline_ms(1712745600000) == APRIL_10
    assert rules.from_timeline_ms(1712745600000 + 60000) == APRIL_10 + timedelta(minutes=1)
    assert rules.to_timeline_ms(APRIL_10) == 1712745600000
    assert rules.to_timeline_ms(APRIL_10 + timedelta(milliseconds=1)) == 1712745600001


# --- §3 query arrays ----------------------------------------------------------------------------


def test_query_params_repeat_arrays_omit_none_and_format_values():
    pairs = rules.query_params(
        {
            "eventTypes": ["Motion", "Human"],
            "startDate": datetime(2026, 4, 1, tzinfo=UTC),
            "endDate": None,
            "instant": False,
            "audio": True,
            "limit": 100,
            "sortOrder": "Desc",
            "nothing": [],
            "mixed": [None, "x"],
        }
    )
    assert pairs == [
        ("eventTypes", "Motion"),
        ("eventTypes", "Human"),
        ("startDate", "2026-04-01T00:00:00Z"),
        ("instant", "false"),
        ("audio", "true"),
        ("limit", "100"),
        ("sortOrder", "Desc"),
        ("mixed", "x"),
    ]


# --- §6 attributes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([{"confidence": "0.98"}], {"confidence": "0.98"}),  # GET form
        ({"confidence": "0.98"}, {"confidence": "0.98"}),  # POST form
        ([{"a": "1"}, {"b": "2"}], {"a": "1", "b": "2"}),
        ([{"a": "1", "b": "2"}], {"a": "1", "b": "2"}),
        ([{"a": "1"}, {"a": "2"}], {"a": "2"}),  # a later key wins
        ([{"n": 0.98}, {"flag": True}, {"none": None}], {"n": "0.98", "flag": "True", "none": ""}),
        ([], {}),
        ({}, {}),
        (None, {}),
    ],
)
def test_normalise_attributes_accepts_list_and_object_forms(value, expected):
    assert rules.normalise_attributes(value) == expected


@pytest.mark.parametrize("bad", [["confidence"], [1, 2], "confidence=0.98", 5, [[{"a": "1"}]]])
def test_normalise_attributes_rejects_entries_that_are_not_objects(bad):
    with pytest.raises(ValueError):
        rules.normalise_attributes(bad)


# --- §14/§15 Archive API URLs -------------------------------------------------------------------

CAM = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        # a bare host: /archives/<camera.id>/<method>
        ("https://archive.example.com", f"https://archive.example.com/archives/{CAM}/timeline"),
        ("https://archive.example.com/", f"https://archive.example.com/archives/{CAM}/timeline"),
        ("https://archive.example.com/api/v2", f"https://archive.example.com/api/v2/archives/{CAM}/timeline"),
        ("https://archive.example.com/api/v2/", f"https://archive.example.com/api/v2/archives/{CAM}/timeline"),
        ("http://127.0.0.1:8080", f"http://127.0.0.1:8080/archives/{CAM}/timeline"),
        # the base already names the archive: the method is appended to it
        ("https://archive.example.com/archives/arch-7", "https://archive.example.com/archives/arch-7/timeline"),
        ("https://archive.example.com/archives/arch-7/", "https://archive.example.com/archives/arch-7/timeline"),
        ("https://h.example/x/archives/arch-7", "https://h.example/x/archives/arch-7/timeline"),
        # a query string on the base is kept
        ("https://archive.example.com?tenant=t1", f"https://archive.example.com/archives/{CAM}/timeline?tenant=t1"),
        ("https://archive.example.com/api/?tenant=t1", f"https://archive.example.com/api/archives/{CAM}/timeline?tenant=t1"),
        (
            "https://archive.example.com/archives/arch-7?tenant=t1",
            "https://archive.example.com/archives/arch-7/timeline?tenant=t1",
        ),
        (
            "https://archive.example.com/archives/arch-7/?tenant=t1&x=2",
            "https://archive.example.com/archives/arch-7/timeline?tenant=t1&x=2",
        ),
    ],
)
def test_archive_method_url_handles_both_forms_of_the_base(base, expected):
    assert rules.archive_method_url(base, CAM, "timeline") == expected


def test_archive_method_url_appends_any_method_name():
    base = "https://archive.example.com/archives/arch-7"
    assert rules.archive_method_url(base, CAM, "index.m3u8").endswith("/archives/arch-7/index.m3u8")
    assert rules.archive_method_url(base, CAM, "preview").endswith("/archives/arch-7/preview")


def test_archive_auth_params_are_signature_and_exp():
    assert rules.archive_auth_params("abc", 1712745600) == [("signature", "abc"), ("exp", "1712745600")]
    assert rules.archive_auth_params("abc", 1712745600.9) == [("signature", "abc"), ("exp", "1712745600")]


# --- §18 token lifetime -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lifetime", "remaining", "due"),
    [
        # a one-hour token: 20 % = 720 s is more than 60 s
        (3600, 3000, False),
        (3600, 721, False),
        (3600, 720, False),
        (3600, 719, True),
        (3600, 0, True),
        (3600, -10, True),
        # a 100 s token: 20 % = 20 s, so 60 s applies
        (100, 61, False),
        (100, 60, False),
        (100, 59, True),
        # a token already past its lifetime when received
        (0, 0, True),
    ],
)
def test_token_refresh_due_at_max_of_60_s_and_20_percent(lifetime, remaining, due):
    received_at = 1_000_000.0
    exp = received_at + lifetime
    now = exp - remaining
    assert rules.token_refresh_due(exp, received_at, now) is due


# --- §10 export polling -------------------------------------------------------------------------


def test_export_poll_delays_grow_by_half_up_to_20_s_and_stop_after_15_minutes():
    delays = list(rules.export_poll_delays())
    assert delays[:4] == pytest.approx([1.0, 1.5, 2.25, 3.375])
    assert max(delays) == 20.0
    assert all(b >= a for a, b in zip(delays, delays[1:], strict=False))
    assert sum(delays) <= 15 * 60
    assert sum(delays) + 20.0 > 15 * 60  # one more poll would pass the limit


def test_export_poll_delays_limit_is_configurable():
    assert list(rules.export_poll_delays(3.0)) == [1.0, 1.5]
    assert list(rules.export_poll_delays(0.5)) == []


# --- §2/§15/§21 one origin test -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "other"),
    [
        ("https://cloud.faceter.cam/integration-api/v1/x", "https://cloud.faceter.cam/integration-api"),
        ("https://cloud.faceter.cam:443/files/a.mp4", "https://cloud.faceter.cam/integration-api"),
        ("https://cloud.faceter.cam/files/a.mp4", "https://cloud.faceter.cam:443/integration-api"),
        ("http://127.0.0.1:80/a", "http://127.0.0.1/integration-api"),
        ("HTTPS://Cloud.Faceter.CAM/a", "https://cloud.faceter.cam"),
        ("https://user@cloud.faceter.cam/a", "https://cloud.faceter.cam"),  # user info is no part of it
        ("http://[::1]:8765/a", "http://[::1]:8765/integration-api"),
    ],
)
def test_same_origin_normalises_case_and_default_ports(url, other):
    assert rules.same_origin(url, other)
    assert rules.same_origin(other, url)


@pytest.mark.parametrize(
    ("url", "other"),
    [
        ("http://cloud.faceter.cam/a", "https://cloud.faceter.cam"),  # another scheme
        ("https://cloud.faceter.cam:444/a", "https://cloud.faceter.cam"),  # another port
        ("https://cloud.faceter.cam:80/a", "https://cloud.faceter.cam"),  # http's default is not https's
        ("https://cdn.faceter.cam/a", "https://cloud.faceter.cam"),  # a sub-domain is another host
        ("https://cloud.faceter.cam.evil.test/a", "https://cloud.faceter.cam"),
        ("https://cloud.faceter.cam:99999/a", "https://cloud.faceter.cam"),  # unreadable port
        ("https://cloud.faceter.cam:x/a", "https://cloud.faceter.cam"),
        ("/files/a.mp4", "https://cloud.faceter.cam"),  # relative: resolve it first
    ],
)
def test_different_origins(url, other):
    assert not rules.same_origin(url, other)
    assert not rules.same_origin(other, url)


def test_url_origin_fills_in_the_default_port():
    assert rules.url_origin("https://Cloud.Faceter.cam/x?y=1") == ("https", "cloud.faceter.cam", 443)
    assert rules.url_origin("http://127.0.0.1:8765/integration-api") == ("http", "127.0.0.1", 8765)
    assert rules.url_origin("ftp://host/x") == ("ftp", "host", None)
