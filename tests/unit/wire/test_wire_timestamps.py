from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perdure._wire.timestamps import (
    iso_to_ms,
    ms_to_iso,
    ms_to_seconds,
    parse_timestamp,
    render_timestamp,
    seconds_to_ms,
)
from perdure._wire.validation import WireFormatError
from perdure.errors import InvalidParameterValueError

# Year 1 .. 9999 would overflow datetime; stay within what botocore can parse.
EPOCH_MS = st.integers(min_value=0, max_value=253_402_300_799_999)


def test_seconds_are_a_float_of_the_millisecond_value() -> None:
    assert ms_to_seconds(1769481309631) == 1769481309.631
    assert render_timestamp(1769481309631, "s") == 1769481309.631
    assert isinstance(render_timestamp(1_000, "s"), float)


def test_milliseconds_render_unchanged_as_int() -> None:
    assert render_timestamp(1769481309631, "ms") == 1769481309631
    assert isinstance(render_timestamp(1769481309631, "ms"), int)


@given(EPOCH_MS)
def test_seconds_round_trip_exactly(ms: int) -> None:
    assert seconds_to_ms(ms_to_seconds(ms)) == ms
    assert parse_timestamp(render_timestamp(ms, "s"), "s") == ms


@given(EPOCH_MS)
def test_milliseconds_round_trip_exactly(ms: int) -> None:
    assert parse_timestamp(render_timestamp(ms, "ms"), "ms") == ms


@given(EPOCH_MS)
def test_iso_round_trip(ms: int) -> None:
    assert iso_to_ms(ms_to_iso(ms)) == ms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-01T00:00:00Z", 1735689600000),
        ("2025-01-01T00:00:00.250Z", 1735689600250),
        ("2025-01-01T01:00:00+01:00", 1735689600000),
        ("2025-01-01T00:00:00", 1735689600000),  # no zone: UTC
    ],
)
def test_iso_strings_parse_in_either_unit(text: str, expected: int) -> None:
    assert parse_timestamp(text, "s") == expected
    assert parse_timestamp(text, "ms") == expected


def test_numeric_strings_and_numbers_use_the_unit() -> None:
    assert parse_timestamp("1735689600.25", "s") == 1735689600250
    assert parse_timestamp(1735689600, "s") == 1735689600000
    assert parse_timestamp(1735689600250, "ms") == 1735689600250
    assert parse_timestamp(1735689600250.4, "ms") == 1735689600250


def test_ms_to_iso_format() -> None:
    assert ms_to_iso(1735689600250) == "2025-01-01T00:00:00.250Z"
    assert dt.datetime.fromisoformat(ms_to_iso(0)) == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("yesterday", "StartedAfter must be an ISO-8601 timestamp"),
        (True, "StartedAfter must be an epoch number or ISO-8601 string, got boolean"),
        (None, "got null"),
        ([1], "got array"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
    ],
)
def test_bad_values_are_rejected_naming_the_field(value: object, message: str) -> None:
    with pytest.raises(InvalidParameterValueError, match=message):
        parse_timestamp(value, "s", field="StartedAfter")


def test_wire_format_error_is_also_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_timestamp("nope")
    assert issubclass(WireFormatError, InvalidParameterValueError)
    assert WireFormatError.code == "InvalidParameterValueException"
    assert WireFormatError.status == 400


def test_unknown_unit_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown time unit"):
        render_timestamp(1, "us")  # type: ignore[arg-type]
