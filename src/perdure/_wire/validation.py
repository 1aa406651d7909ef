"""Field checks for JSON that arrives from outside (HTTP bodies, Lambda events, responses).

botocore only checks required members, types and minimums on the client side (reference
§4.0), so the service has to check patterns, maximums and enum membership itself, and
say which field is wrong and how to fix it. Every parser in `perdure._wire` reports
through `WireFormatError`. It is an `InvalidParameterValueError`, so the HTTP layer
answers 400 InvalidParameterValueException. It is also a `ValueError`, so SDK-side code
that reads a malformed response can catch it without knowing the service's error tree.

Field paths in messages use the wire spelling (`Updates[2].WaitOptions.WaitSeconds`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from perdure.errors import InvalidParameterValueError

E = TypeVar("E", bound=StrEnum)

_MAX_ECHO = 80


class WireFormatError(InvalidParameterValueError, ValueError):
    """A JSON document does not have the shape or values the wire format allows."""


def join(path: str, key: str) -> str:
    """`path.key`, or just `key` at the top level of a request body (empty `path`)."""
    return f"{path}.{key}" if path else key


def echo(value: object) -> str:
    """A short repr of a rejected value, for error messages that must stay small."""
    text = repr(value)
    return text if len(text) <= _MAX_ECHO else text[: _MAX_ECHO - 3] + "..."


def json_type(value: object) -> str:
    """The JSON name of a Python value's type, as a caller of the API would say it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def require_object(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise WireFormatError(f"{path} must be a JSON object, got {json_type(value)}.")
    return value


def required(d: Mapping[str, Any], key: str, path: str, hint: str) -> Any:
    """The value of a required member; `hint` says what a valid value looks like."""
    value = d.get(key)
    if value is None:
        raise WireFormatError(f"{join(path, key)} is required: {hint}.")
    return value


def check_str(
    value: object,
    path: str,
    *,
    min_len: int = 0,
    max_len: int | None = None,
    pattern: re.Pattern[str] | None = None,
    hint: str = "",
) -> str:
    if not isinstance(value, str):
        raise WireFormatError(f"{path} must be a string, got {json_type(value)}.")
    suffix = f" ({hint})" if hint else ""
    if len(value) < min_len:
        raise WireFormatError(f"{path} must be at least {min_len} characters long{suffix}.")
    if max_len is not None and len(value) > max_len:
        raise WireFormatError(
            f"{path} must be at most {max_len} characters long, got {len(value)}{suffix}."
        )
    if pattern is not None and pattern.fullmatch(value) is None:
        raise WireFormatError(f"{path} must match {pattern.pattern}, got {echo(value)}{suffix}.")
    return value


def opt_str(
    d: Mapping[str, Any],
    key: str,
    path: str,
    *,
    min_len: int = 0,
    max_len: int | None = None,
    pattern: re.Pattern[str] | None = None,
    hint: str = "",
) -> str | None:
    value = d.get(key)
    if value is None:
        return None
    return check_str(
        value, join(path, key), min_len=min_len, max_len=max_len, pattern=pattern, hint=hint
    )


def check_int(value: object, path: str, *, lo: int | None = None, hi: int | None = None) -> int:
    # bool is an int subclass in Python but not a JSON number.
    if isinstance(value, bool) or not isinstance(value, int):
        raise WireFormatError(f"{path} must be an integer, got {json_type(value)}.")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = (
            f"between {lo} and {hi}"
            if lo is not None and hi is not None
            else (f"at least {lo}" if lo is not None else f"at most {hi}")
        )
        raise WireFormatError(f"{path} must be an integer {bounds}, got {value}.")
    return value


def opt_int(
    d: Mapping[str, Any], key: str, path: str, *, lo: int | None = None, hi: int | None = None
) -> int | None:
    value = d.get(key)
    return None if value is None else check_int(value, join(path, key), lo=lo, hi=hi)


def opt_bool(d: Mapping[str, Any], key: str, path: str) -> bool | None:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise WireFormatError(f"{join(path, key)} must be true or false, got {json_type(value)}.")
    return value


def opt_object(d: Mapping[str, Any], key: str, path: str) -> dict[str, Any] | None:
    value = d.get(key)
    return None if value is None else require_object(value, join(path, key))


def opt_str_list(d: Mapping[str, Any], key: str, path: str) -> list[str] | None:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        raise WireFormatError(
            f"{join(path, key)} must be an array of strings, got {json_type(value)}."
        )
    for i, item in enumerate(value):
        check_str(item, f"{join(path, key)}[{i}]")
    return list(value)


def check_enum(enum: type[E], value: object, path: str) -> E:
    # Every update and operation on the wire has two or three of these: the member is
    # looked up in the enum's own value table, and the list of allowed values is
    # spelled out only for the message.
    member = enum._value2member_map_.get(value) if isinstance(value, str) else None
    if member is not None:
        return member  # type: ignore[return-value]
    allowed = ", ".join(m.value for m in enum)
    if not isinstance(value, str):
        raise WireFormatError(f"{path} must be one of {allowed}; got {json_type(value)}.")
    raise WireFormatError(f"{path} must be one of {allowed}; got {echo(value)}.")
