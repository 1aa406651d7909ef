"""Requests and responses as plain values, and the readers of query strings and bodies.

The route functions see a `Request` whose path parameters are already decoded and a
query already split into lists, and return a `Response`; nothing here knows ASGI. Every
reader raises `InvalidParameterValueError` naming the parameter and the rule, because
botocore checks little on the client side (reference §4.0) and a caller with a typo
deserves to know which member was wrong.

Query conventions follow botocore's rest-json serializer: booleans are `true`/`false`,
lists repeat the key (`Statuses=RUNNING&Statuses=FAILED`), timestamps are ISO-8601.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from perdure._wire.json_text import parse_strict
from perdure._wire.timestamps import parse_timestamp
from perdure.errors import InvalidParameterValueError

JSON_TYPE = "application/json"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    params: Mapping[str, str]
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # names in lower case
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(
        cls, status: int, doc: object, headers: list[tuple[str, str]] | None = None
    ) -> Response:
        try:
            body = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate in stored text: escape, stay JSON
            body = json.dumps(doc, separators=(",", ":")).encode("ascii")
        return cls(status, body, [("content-type", JSON_TYPE), *(headers or [])])

    @classmethod
    def text(cls, status: int, text: str, content_type: str) -> Response:
        return cls(status, text.encode("utf-8"), [("content-type", content_type)])


# -- query string ------------------------------------------------------------------------


def _one(req: Request, name: str) -> str | None:
    values = req.query.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise InvalidParameterValueError(f"{name} may be given only once in the query string.")
    return values[0]


def q_str(
    req: Request,
    name: str,
    *,
    required: bool = False,
    min_len: int = 1,
    max_len: int | None = None,
) -> str | None:
    value = _one(req, name)
    if value is None:
        if required:
            raise InvalidParameterValueError(f"{name} is required in the query string.")
        return None
    if len(value) < min_len:
        raise InvalidParameterValueError(f"{name} must be at least {min_len} characters long.")
    if max_len is not None and len(value) > max_len:
        raise InvalidParameterValueError(
            f"{name} must be at most {max_len} characters long, got {len(value)}."
        )
    return value


def q_bool(req: Request, name: str, default: bool) -> bool:
    value = _one(req, name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise InvalidParameterValueError(f"{name} must be true or false, got {value[:40]!r}.")
    return lowered == "true"


def q_int(req: Request, name: str, *, lo: int, hi: int) -> int | None:
    value = _one(req, name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise InvalidParameterValueError(
            f"{name} must be an integer, got {value[:40]!r}."
        ) from None
    if not lo <= number <= hi:
        raise InvalidParameterValueError(f"{name} must be between {lo} and {hi}, got {number}.")
    return number


def q_list(req: Request, name: str, *, max_items: int) -> list[str]:
    values = list(req.query.get(name, []))
    if len(values) > max_items:
        raise InvalidParameterValueError(f"{name} takes at most {max_items} values.")
    return values


def q_time(req: Request, name: str) -> int | None:
    """Epoch ms of an ISO-8601 (or epoch-seconds) query parameter."""
    value = _one(req, name)
    if value is None:
        return None
    try:
        ms = parse_timestamp(value, "s", field=name)
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, InvalidParameterValueError):
            raise
        raise InvalidParameterValueError(
            f"{name} must be an ISO-8601 timestamp such as 2025-01-01T00:00:00Z."
        ) from None
    return ms


# -- bodies ------------------------------------------------------------------------------


def parse_json(data: bytes, what: str = "The request body") -> object:
    """The JSON document in `data`, held to RFC 8259: NaN, Infinity and lone surrogates
    are refused (`perdure._wire.json_text`)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidParameterValueError(f"{what} must be UTF-8 encoded JSON.") from None
    return parse_strict(text, what)


def json_body(req: Request) -> dict[str, Any]:
    """The body as a JSON object; an empty body is `{}` (every member is optional)."""
    if not req.body.strip():
        return {}
    doc = parse_json(req.body)
    if not isinstance(doc, dict):
        raise InvalidParameterValueError("The request body must be a JSON object.")
    return doc


def optional_json(req: Request) -> object | None:
    """The body as JSON, or None when it is empty (payload members such as `Error`)."""
    if not req.body.strip():
        return None
    return parse_json(req.body)
