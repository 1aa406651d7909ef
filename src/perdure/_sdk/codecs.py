"""The type codecs behind `ExtendedTypeSerDes`: each value becomes an `EncodedValue` (a type
tag and a JSON-ready value), containers recursively.

The format is AWS's SDK's, byte for byte, so a payload written by either SDK is read by the
other: the tags, which Python types map to which tag (subclasses included: a `StrEnum`
member is a string, a namedtuple a tuple, a `memoryview` bytes), dict keys left to `json`
(so `{1: "a"}` is written with key `"1"` and read back as `"1"`), and which values are
refused with which message. Decoding is as lenient as AWS's: inside a container, a value
that is not an envelope is taken as it is.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from perdure._sdk.batch_result import BatchResult
from perdure.errors import DurableExecutionsError, SerDesError

TYPE_TOKEN: str = "t"
VALUE_TOKEN: str = "v"


class TypeTag(StrEnum):
    """The tag of an envelope, saying how to read its value back."""

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


@dataclass(frozen=True)
class EncodedValue:
    """A value on its way to JSON: `{"t": tag, "v": value}` once written."""

    tag: TypeTag
    value: Any


class Codec(Protocol):
    """Turns values of some types into `EncodedValue`s and back."""

    def encode(self, obj: Any) -> EncodedValue: ...

    def decode(self, tag: TypeTag, value: Any) -> Any: ...


class PrimitiveCodec:
    """None, str, bool, int and float; their subclasses (enums on them) are written as the
    base value and read back as the base type."""

    def encode(self, obj: Any) -> EncodedValue:
        if obj is None:
            return EncodedValue(TypeTag.NONE, None)
        # bool before int: True is an int too.
        for kind, tag in ((str, TypeTag.STR), (bool, TypeTag.BOOL), (int, TypeTag.INT)):
            if isinstance(obj, kind):
                return EncodedValue(tag, obj)
        if isinstance(obj, float):
            return EncodedValue(TypeTag.FLOAT, obj)
        raise SerDesError(f"Unsupported primitive type: {type(obj)!r}")

    def decode(self, tag: TypeTag, value: Any) -> Any:
        if tag == TypeTag.NONE:
            return None
        convert = {TypeTag.STR: str, TypeTag.BOOL: bool, TypeTag.INT: int, TypeTag.FLOAT: float}
        if tag not in convert:
            raise SerDesError(f"Unknown primitive tag: {tag}")
        return convert[tag](value)


class BytesCodec:
    """bytes, bytearray and memoryview as base64; always read back as bytes."""

    def encode(self, obj: Any) -> EncodedValue:
        return EncodedValue(TypeTag.BYTES, base64.b64encode(bytes(obj)).decode("utf-8"))

    def decode(self, tag: TypeTag, value: Any) -> Any:
        if tag != TypeTag.BYTES:
            raise SerDesError(f"Expected BYTES tag, got {tag}")
        return base64.b64decode(value.encode("utf-8"))


class UuidCodec:
    def encode(self, obj: Any) -> EncodedValue:
        return EncodedValue(TypeTag.UUID, str(obj))

    def decode(self, tag: TypeTag, value: Any) -> Any:
        if tag != TypeTag.UUID:
            raise SerDesError(f"Expected UUID tag, got {tag}")
        return uuid.UUID(value)


class DecimalCodec:
    """Decimal as its exact string, so no digit is lost."""

    def encode(self, obj: Any) -> EncodedValue:
        return EncodedValue(TypeTag.DECIMAL, str(obj))

    def decode(self, tag: TypeTag, value: Any) -> Any:
        if tag != TypeTag.DECIMAL:
            raise SerDesError(f"Expected DECIMAL tag, got {tag}")
        return Decimal(value)


class DateTimeCodec:
    """datetime and date in ISO 8601 (a datetime keeps its offset, or has none); a trailing
    `Z` is read as UTC. A bare `time` is not supported (by AWS's format either)."""

    def encode(self, obj: Any) -> EncodedValue:
        if isinstance(obj, datetime):
            return EncodedValue(TypeTag.DATETIME, obj.isoformat())
        if isinstance(obj, date):
            return EncodedValue(TypeTag.DATE, obj.isoformat())
        raise SerDesError(f"Unsupported datetime type: {type(obj)!r}")

    def decode(self, tag: TypeTag, value: Any) -> Any:
        if tag == TypeTag.DATETIME:
            text = value
            if isinstance(text, str) and text.endswith("Z"):
                text = text[:-1] + "+00:00"
            return datetime.fromisoformat(text)
        if tag == TypeTag.DATE:
            return date.fromisoformat(value)
        raise SerDesError(f"Unknown datetime tag: {tag}")


class ContainerCodec(Codec):
    """Lists, tuples, dicts and batch results; their elements go back through the
    dispatcher (`set_dispatcher`), so containers nest to any depth."""

    def __init__(self) -> None:
        self._dispatcher: Codec | None = None

    def set_dispatcher(self, dispatcher: Codec) -> None:
        self._dispatcher = dispatcher

    @property
    def dispatcher(self) -> Codec:
        if self._dispatcher is None:
            raise DurableExecutionsError("ContainerCodec not linked to a TypeCodec dispatcher.")
        return self._dispatcher

    def encode(self, obj: Any) -> EncodedValue:
        inner = self.dispatcher
        if isinstance(obj, BatchResult):
            # The result's dict is the value itself, not a dict envelope inside the tag.
            return EncodedValue(TypeTag.BATCH_RESULT, inner.encode(obj.to_dict()).value)
        if isinstance(obj, list):
            return EncodedValue(TypeTag.LIST, [inner.encode(v) for v in obj])
        if isinstance(obj, tuple):
            return EncodedValue(TypeTag.TUPLE, [inner.encode(v) for v in obj])
        if isinstance(obj, dict):
            if any(isinstance(key, tuple) for key in obj):
                raise SerDesError("Tuple keys not supported")
            return EncodedValue(TypeTag.DICT, {k: inner.encode(v) for k, v in obj.items()})
        raise SerDesError(f"Unsupported container type: {type(obj)!r}")

    def decode(self, tag: TypeTag, value: Any) -> Any:
        if tag == TypeTag.BATCH_RESULT:
            return BatchResult.from_dict(self.decode(TypeTag.DICT, _unwrap_legacy_map(value)))
        if tag in (TypeTag.LIST, TypeTag.TUPLE):
            if not isinstance(value, list):
                raise SerDesError(f"Expected list, got {type(value)}")
            items = [self._element(v) for v in value]
            return items if tag == TypeTag.LIST else tuple(items)
        if tag == TypeTag.DICT:
            if not isinstance(value, dict):
                raise SerDesError(f"Expected dict, got {type(value)}")
            return {k: self._element(v) for k, v in value.items()}
        raise SerDesError(f"Unknown container tag: {tag}")

    def _element(self, node: Any) -> Any:
        if isinstance(node, EncodedValue):
            return self.dispatcher.decode(node.tag, node.value)
        if isinstance(node, dict) and TYPE_TOKEN in node and VALUE_TOKEN in node:
            return self.dispatcher.decode(TypeTag(node[TYPE_TOKEN]), node[VALUE_TOKEN])
        return node


def _unwrap_legacy_map(value: Any) -> Any:
    """Earlier Perdure versions wrote a batch result's dict inside a map envelope
    (`{"t":"br","v":{"t":"m","v":{...}}}`); read still, so an execution in flight across
    an upgrade replays. AWS's SDK refuses that shape, so nothing it writes reads differently.
    """
    if isinstance(value, dict) and value.keys() == {TYPE_TOKEN, VALUE_TOKEN}:
        if value[TYPE_TOKEN] == TypeTag.DICT:
            return value[VALUE_TOKEN]
    return value


class TypeCodec(Codec):
    """Picks the codec for a value's type (encoding) or for a tag (decoding)."""

    def __init__(self) -> None:
        self.primitive_codec = PrimitiveCodec()
        self.bytes_codec = BytesCodec()
        self.uuid_codec = UuidCodec()
        self.decimal_codec = DecimalCodec()
        self.datetime_codec = DateTimeCodec()
        self.container_codec = ContainerCodec()
        self.container_codec.set_dispatcher(self)
        primitive, container = self.primitive_codec, self.container_codec
        self._by_tag: dict[str, Codec] = {
            TypeTag.NONE: primitive,
            TypeTag.STR: primitive,
            TypeTag.BOOL: primitive,
            TypeTag.INT: primitive,
            TypeTag.FLOAT: primitive,
            TypeTag.BYTES: self.bytes_codec,
            TypeTag.UUID: self.uuid_codec,
            TypeTag.DECIMAL: self.decimal_codec,
            TypeTag.DATETIME: self.datetime_codec,
            TypeTag.DATE: self.datetime_codec,
            TypeTag.LIST: container,
            TypeTag.TUPLE: container,
            TypeTag.DICT: container,
            TypeTag.BATCH_RESULT: container,
        }

    def encode(self, obj: Any) -> EncodedValue:
        if obj is None or isinstance(obj, str | bool | int | float):
            return self.primitive_codec.encode(obj)
        if isinstance(obj, bytes | bytearray | memoryview):
            return self.bytes_codec.encode(bytes(obj))
        if isinstance(obj, uuid.UUID):
            return self.uuid_codec.encode(obj)
        if isinstance(obj, Decimal):
            return self.decimal_codec.encode(obj)
        if isinstance(obj, datetime | date):
            return self.datetime_codec.encode(obj)
        if isinstance(obj, list | tuple | dict | BatchResult):
            return self.container_codec.encode(obj)
        raise SerDesError(f"Unsupported type: {type(obj)}")

    def decode(self, tag: TypeTag, value: Any) -> Any:
        codec = self._by_tag.get(tag)
        if codec is None:
            raise SerDesError(f"Unknown type tag: {tag}")
        return codec.decode(tag, value)


TYPE_CODEC = TypeCodec()
