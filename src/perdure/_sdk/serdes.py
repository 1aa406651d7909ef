"""Turning operation results into checkpoint strings and back.

`ExtendedTypeSerDes` is the default for results and must be byte-compatible with AWS's
SDK, so payloads move between the two: primitives and flat lists of primitives are plain
compact JSON, and anything else is a tree of `{"t": tag, "v": value}` envelopes.

The module-level `serialize`/`deserialize` are what operations call: a failure of any
serdes becomes `SerDesError` (the op FAILs, 3.0 §2.7), except that `SerDesError` and
`RetryableSerDesError` raised by a custom serdes pass through unchanged.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from perdure._sdk.batch import BatchResult
from perdure.errors import RetryableSerDesError, SerDesError

__all__ = [
    "DEFAULT_JSON_SERDES",
    "EXTENDED_TYPES_SERDES",
    "ExtendedTypeSerDes",
    "JsonSerDes",
    "PassThroughSerDes",
    "SerDes",
    "SerDesContext",
    "TypeTag",
    "deserialize",
    "serialize",
]

T = TypeVar("T")


@dataclass(frozen=True)
class SerDesContext:
    operation_id: str = ""
    durable_execution_arn: str = ""


class SerDes(ABC, Generic[T]):
    @abstractmethod
    def serialize(self, value: T, serdes_context: SerDesContext) -> str: ...

    @abstractmethod
    def deserialize(self, data: str, serdes_context: SerDesContext) -> T: ...


class PassThroughSerDes(SerDes[Any]):
    """Identity: the value already is the string to store (callback results by default)."""

    def serialize(self, value: Any, serdes_context: SerDesContext) -> str:
        return value  # type: ignore[no-any-return]

    def deserialize(self, data: str, serdes_context: SerDesContext) -> Any:
        return data


class JsonSerDes(SerDes[Any]):
    """Plain `json`; the default for invoke payloads and results."""

    def serialize(self, value: Any, serdes_context: SerDesContext) -> str:
        return json.dumps(value)

    def deserialize(self, data: str, serdes_context: SerDesContext) -> Any:
        return json.loads(data)


class TypeTag:
    """Envelope tags of the extended format."""

    NONE = "n"
    STR = "s"
    INT = "i"
    FLOAT = "f"
    BOOL = "b"
    BYTES = "B"
    UUID = "u"
    DECIMAL = "d"
    DATETIME = "dt"
    DATE = "D"
    TUPLE = "t"
    LIST = "l"
    DICT = "m"
    BATCH_RESULT = "br"


_PRIMITIVES = (type(None), str, int, float, bool)
_SEPARATORS = (",", ":")


def _envelope(tag: str, value: Any) -> dict[str, Any]:
    return {"t": tag, "v": value}


def _encode(value: Any) -> dict[str, Any]:
    # Order matters: bool before int, datetime before date, exact containers last.
    if value is None:
        return _envelope(TypeTag.NONE, None)
    if isinstance(value, bool):
        return _envelope(TypeTag.BOOL, value)
    if isinstance(value, str):
        return _envelope(TypeTag.STR, str.__str__(value))
    if isinstance(value, int):
        return _envelope(TypeTag.INT, int(value))
    if isinstance(value, float):
        return _envelope(TypeTag.FLOAT, float(value))
    if isinstance(value, bytes | bytearray):
        return _envelope(TypeTag.BYTES, base64.b64encode(value).decode("ascii"))
    if isinstance(value, uuid.UUID):
        return _envelope(TypeTag.UUID, str(value))
    if isinstance(value, Decimal):
        return _envelope(TypeTag.DECIMAL, str(value))
    if isinstance(value, dt.datetime):
        return _envelope(TypeTag.DATETIME, value.isoformat())
    if isinstance(value, dt.date):
        return _envelope(TypeTag.DATE, value.isoformat())
    if isinstance(value, tuple):
        return _envelope(TypeTag.TUPLE, [_encode(v) for v in value])
    if isinstance(value, list):
        return _envelope(TypeTag.LIST, [_encode(v) for v in value])
    if isinstance(value, dict):
        encoded: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"Unsupported dict key type {type(key).__name__}: keys must be str")
            encoded[key] = _encode(item)
        return _envelope(TypeTag.DICT, encoded)
    if isinstance(value, BatchResult):
        return _envelope(TypeTag.BATCH_RESULT, _encode(value.to_dict()))
    raise TypeError(f"Unsupported type for serialization: {type(value).__name__}")


def _decode_batch_result(v: Any) -> Any:
    return BatchResult.from_dict(_decode(v))


def _decode_datetime(v: Any) -> dt.datetime:
    text = str(v)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return dt.datetime.fromisoformat(text)


_DECODERS: dict[str, Callable[[Any], Any]] = {
    TypeTag.NONE: lambda v: None,
    TypeTag.STR: str,
    TypeTag.INT: int,
    TypeTag.FLOAT: float,
    TypeTag.BOOL: bool,
    TypeTag.BYTES: lambda v: base64.b64decode(v),
    TypeTag.UUID: uuid.UUID,
    TypeTag.DECIMAL: Decimal,
    TypeTag.DATETIME: _decode_datetime,
    TypeTag.DATE: dt.date.fromisoformat,
    TypeTag.TUPLE: lambda v: tuple(_decode(x) for x in v),
    TypeTag.LIST: lambda v: [_decode(x) for x in v],
    TypeTag.DICT: lambda v: {k: _decode(x) for k, x in v.items()},
    TypeTag.BATCH_RESULT: _decode_batch_result,
}


def _decode(node: Any) -> Any:
    if not isinstance(node, dict) or "t" not in node or "v" not in node:
        raise ValueError(f"Malformed envelope: {node!r}")
    decoder = _DECODERS.get(node["t"])
    if decoder is None:
        raise ValueError(f"Unknown type tag: {node['t']!r}")
    return decoder(node["v"])


def _is_plain(value: Any) -> bool:
    """Primitives and flat lists of primitives round-trip through plain JSON unchanged."""
    if type(value) in _PRIMITIVES:
        return True
    return type(value) is list and all(type(v) in _PRIMITIVES for v in value)


class ExtendedTypeSerDes(SerDes[Any]):
    """The default serdes: JSON extended with bytes, UUID, Decimal, dates, tuples, etc."""

    def serialize(self, value: Any, serdes_context: SerDesContext) -> str:
        if _is_plain(value):
            return json.dumps(value, separators=_SEPARATORS)
        return json.dumps(_encode(value), separators=_SEPARATORS)

    def deserialize(self, data: str, serdes_context: SerDesContext) -> Any:
        parsed = json.loads(data)
        if isinstance(parsed, dict):
            return _decode(parsed)
        return parsed


DEFAULT_JSON_SERDES = JsonSerDes()
EXTENDED_TYPES_SERDES = ExtendedTypeSerDes()


def serialize(
    serdes: SerDes[Any] | None,
    value: Any,
    operation_id: str,
    durable_execution_arn: str,
) -> str:
    """Serialize with `serdes` (extended types if None); failures become SerDesError."""
    codec = serdes if serdes is not None else EXTENDED_TYPES_SERDES
    context = SerDesContext(operation_id, durable_execution_arn)
    try:
        return codec.serialize(value, context)
    except (SerDesError, RetryableSerDesError):
        raise
    except Exception as e:
        raise SerDesError(f"Serialization failed for id: {operation_id}, error: {e}.") from e


def deserialize(
    serdes: SerDes[Any] | None,
    data: str | None,
    operation_id: str,
    durable_execution_arn: str,
) -> Any:
    """Deserialize with `serdes` (extended types if None); an absent payload is None."""
    if data is None:
        return None
    codec = serdes if serdes is not None else EXTENDED_TYPES_SERDES
    context = SerDesContext(operation_id, durable_execution_arn)
    try:
        return codec.deserialize(data, context)
    except (SerDesError, RetryableSerDesError):
        raise
    except Exception as e:
        raise SerDesError(f"Deserialization failed for id: {operation_id}, error: {e}.") from e
