"""Turning operation results into checkpoint strings and back.

`ExtendedTypeSerDes` is the default for results and writes AWS's SDK's format byte for
byte, so payloads move between the two: None, str, int, float, bool and lists of them (to
any depth) are plain compact JSON; anything else is a tree of `{"t": tag, "v": value}`
envelopes (see `perdure._sdk.codecs`). It refuses what AWS's refuses, with the same error.

The module-level `serialize`/`deserialize` are what operations call: a failure of any
serdes becomes `SerDesError` (the op FAILs, 3.0 §2.7), except that `SerDesError` and
`RetryableSerDesError` raised by a custom serdes pass through unchanged.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from perdure._sdk.batch_result import BatchResult
from perdure._sdk.codecs import (
    TYPE_CODEC,
    TYPE_TOKEN,
    VALUE_TOKEN,
    BytesCodec,
    Codec,
    ContainerCodec,
    DateTimeCodec,
    DecimalCodec,
    EncodedValue,
    PrimitiveCodec,
    TypeCodec,
    TypeTag,
    UuidCodec,
)
from perdure._sdk.values import SerDes, SerDesContext
from perdure.errors import DurableExecutionsError, RetryableSerDesError, SerDesError

__all__ = [
    "DEFAULT_JSON_SERDES",
    "EXTENDED_TYPES_SERDES",
    "TYPE_CODEC",
    "TYPE_TOKEN",
    "VALUE_TOKEN",
    "BatchResult",
    "BytesCodec",
    "Codec",
    "ContainerCodec",
    "DateTimeCodec",
    "DecimalCodec",
    "DurableExecutionsError",
    "EncodedValue",
    "ExtendedTypeSerDes",
    "JsonSerDes",
    "PassThroughSerDes",
    "PrimitiveCodec",
    "RetryableSerDesError",
    "SerDes",
    "SerDesContext",
    "SerDesError",
    "TypeCodec",
    "TypeTag",
    "UuidCodec",
    "deserialize",
    "serialize",
]

T = TypeVar("T")

_COMPACT = (",", ":")


# The context parameters are named `_` as in AWS's SDK, so keyword callers port too.
class PassThroughSerDes(SerDes[T]):
    """Identity: the value already is the string to store (callback results by default)."""

    def serialize(self, value: T, _: SerDesContext) -> str:
        return value  # type: ignore[return-value]

    def deserialize(self, data: str, _: SerDesContext) -> T:
        return data  # type: ignore[return-value]


class JsonSerDes(SerDes[T]):
    """Plain `json`; the default for invoke payloads and results."""

    def serialize(self, value: T, _: SerDesContext) -> str:
        return json.dumps(value)

    def deserialize(self, data: str, _: SerDesContext) -> T:
        return json.loads(data)  # type: ignore[no-any-return]


class ExtendedTypeSerDes(SerDes[T]):
    """The default serdes: JSON extended with bytes, UUID, Decimal, dates, tuples, etc."""

    def __init__(self) -> None:
        self._codec = TYPE_CODEC

    def serialize(self, value: Any, context: SerDesContext | None = None) -> str:
        if SerDes.is_primitive(value):
            return json.dumps(value, separators=_COMPACT)
        return json.dumps(_to_json(self._codec.encode(value)), separators=_COMPACT)

    def deserialize(self, data: str, context: SerDesContext | None = None) -> Any:
        obj = json.loads(data)
        if SerDes.is_primitive(obj):
            return obj
        if not (isinstance(obj, dict) and TYPE_TOKEN in obj and VALUE_TOKEN in obj):
            raise SerDesError('Malformed envelope: missing "t" or "v" at root.')
        try:
            tag = TypeTag(obj[TYPE_TOKEN])
        except ValueError:
            raise SerDesError(f'Unknown type tag: "{obj[TYPE_TOKEN]}"') from None
        return self._codec.decode(tag, obj[VALUE_TOKEN])


def _to_json(node: Any) -> Any:
    """An encoded tree as JSON-ready dicts and lists."""
    if isinstance(node, EncodedValue):
        return {TYPE_TOKEN: node.tag, VALUE_TOKEN: _to_json(node.value)}
    if isinstance(node, list):
        return [_to_json(item) for item in node]
    if isinstance(node, dict):
        return {key: _to_json(item) for key, item in node.items()}
    return node


DEFAULT_JSON_SERDES: SerDes[Any] = JsonSerDes()
EXTENDED_TYPES_SERDES: SerDes[Any] = ExtendedTypeSerDes()


def serialize(
    serdes: SerDes[T] | None, value: T, operation_id: str, durable_execution_arn: str
) -> str:
    """Serialize with `serdes` (extended types if None); failures become SerDesError."""
    codec: SerDes[Any] = serdes or EXTENDED_TYPES_SERDES
    context = SerDesContext(operation_id, durable_execution_arn)
    try:
        return codec.serialize(value, context)
    except (SerDesError, RetryableSerDesError):
        raise
    except Exception as e:
        raise SerDesError(f"Serialization failed for id: {operation_id}, error: {e}.") from e


def deserialize(
    serdes: SerDes[T] | None, data: str | None, operation_id: str, durable_execution_arn: str
) -> T:
    """Deserialize with `serdes` (extended types if None); failures become SerDesError.

    An absent payload (None) is None without asking the serdes: operations pass what the
    service recorded, and a step that returned nothing under a custom serdes has none.
    """
    if data is None:
        return None  # type: ignore[return-value]
    codec: SerDes[Any] = serdes or EXTENDED_TYPES_SERDES
    context = SerDesContext(operation_id, durable_execution_arn)
    try:
        return codec.deserialize(data, context)  # type: ignore[no-any-return]
    except (SerDesError, RetryableSerDesError):
        raise
    except Exception as e:
        raise SerDesError(f"Deserialization failed for id: {operation_id}, error: {e}.") from e
