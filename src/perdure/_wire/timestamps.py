"""Timestamp encodings: the model's epoch milliseconds against the two wire units.

The same `Operation` shape travels in two units (reference §5.2):

* HTTP bodies carry epoch **seconds** (a float). botocore parses body numbers as seconds,
  and an epoch-milliseconds number makes it raise `year ... out of range`.
* The Lambda invocation envelope carries epoch **milliseconds** (an int). Seconds there
  make the SDK compute 1970 resume times.

So every timestamp member is rendered through `render_timestamp(ms, unit)` and read
through `parse_timestamp(value, unit)`, with the unit chosen by the transport, never by
the data. Query strings carry ISO-8601 (`StartedAfter=2025-01-01T00:00:00Z`), which
`parse_timestamp` also accepts.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Literal

from perdure._wire.validation import WireFormatError, echo, json_type

TimeUnit = Literal["s", "ms"]

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_ONE_MS = _dt.timedelta(milliseconds=1)


def ms_to_seconds(ms: int) -> float:
    return ms / 1000


def seconds_to_ms(seconds: float) -> int:
    # round(), not int(): 1769481309.631 * 1000 is 1769481309630.9998 in binary floating point.
    return round(seconds * 1000)


def render_timestamp(ms: int, unit: TimeUnit) -> float | int:
    """A model timestamp as the wire member value for `unit` (seconds float or ms int)."""
    if unit == "ms":
        return ms
    if unit == "s":
        return ms_to_seconds(ms)
    raise ValueError(f"unknown time unit {unit!r}; use 's' or 'ms'")


def iso_to_ms(text: str) -> int:
    """Epoch ms of an ISO-8601 string; a string without a zone is taken as UTC."""
    when = _dt.datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.UTC)
    return (when - _EPOCH) // _ONE_MS


def ms_to_iso(ms: int) -> str:
    """ISO-8601 UTC text with millisecond precision, e.g. `2025-01-01T00:00:00.000Z`."""
    when = _EPOCH + _dt.timedelta(milliseconds=ms)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def parse_timestamp(value: object, unit: TimeUnit = "s", *, field: str = "timestamp") -> int:
    """Epoch ms from a wire value: a number in `unit`, a numeric string in `unit`, or an
    ISO-8601 string. Raises `WireFormatError` naming `field` otherwise."""
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            try:
                return iso_to_ms(value)
            except ValueError:
                raise WireFormatError(
                    f"{field} must be an ISO-8601 timestamp such as 2025-01-01T00:00:00Z "
                    f"or an epoch number, got {echo(value)}."
                ) from None
        return _number_to_ms(number, unit, field)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WireFormatError(
            f"{field} must be an epoch number or ISO-8601 string, got {json_type(value)}."
        )
    return _number_to_ms(value, unit, field)


def _number_to_ms(value: float, unit: TimeUnit, field: str) -> int:
    if isinstance(value, float) and not math.isfinite(value):
        raise WireFormatError(f"{field} must be a finite number, got {value}.")
    if unit == "ms":
        return value if isinstance(value, int) else round(value)
    if unit == "s":
        return seconds_to_ms(value)
    raise ValueError(f"unknown time unit {unit!r}; use 's' or 'ms'")
