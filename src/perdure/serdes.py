"""Serializers for checkpointed values (port of `aws_durable_execution_sdk_python.serdes`)."""

from __future__ import annotations

from perdure._sdk.serdes import (
    DEFAULT_JSON_SERDES,
    EXTENDED_TYPES_SERDES,
    ExtendedTypeSerDes,
    JsonSerDes,
    PassThroughSerDes,
    SerDes,
    SerDesContext,
    TypeTag,
    deserialize,
    serialize,
)

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
