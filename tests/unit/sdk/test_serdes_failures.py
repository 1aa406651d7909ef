"""Module-level serialize/deserialize: defaults and the 3.0 SerDesError wrapping."""

from __future__ import annotations

from typing import Any

import pytest

from perdure._sdk.serdes import (
    DEFAULT_JSON_SERDES,
    PassThroughSerDes,
    SerDes,
    SerDesContext,
    deserialize,
    serialize,
)
from perdure.errors import RetryableSerDesError, SerDesError


class Exploding(SerDes[Any]):
    def __init__(self, exc: Exception) -> None:
        self.exc = exc
        self.seen: list[SerDesContext] = []

    def serialize(self, value: Any, serdes_context: SerDesContext) -> str:
        self.seen.append(serdes_context)
        raise self.exc

    def deserialize(self, data: str, serdes_context: SerDesContext) -> Any:
        self.seen.append(serdes_context)
        raise self.exc


def test_none_serdes_means_extended_types() -> None:
    assert serialize(None, {"x": 1}, "id", "arn") == '{"t":"m","v":{"x":{"t":"i","v":1}}}'
    assert deserialize(None, '{"t":"t","v":[]}', "id", "arn") == ()


def test_absent_payload_deserializes_to_none() -> None:
    assert deserialize(None, None, "id", "arn") is None


def test_serdes_receives_operation_context() -> None:
    codec = Exploding(SerDesError("x"))
    with pytest.raises(SerDesError):
        serialize(codec, 1, "op-1", "arn:1")
    assert codec.seen == [SerDesContext("op-1", "arn:1")]


def test_foreign_serialize_error_becomes_serdes_error_with_id() -> None:
    with pytest.raises(SerDesError) as info:
        serialize(Exploding(ValueError("boom")), 1, "op-9", "arn")
    assert str(info.value) == "Serialization failed for id: op-9, error: boom."
    assert isinstance(info.value.__cause__, ValueError)


def test_foreign_deserialize_error_becomes_serdes_error_with_id() -> None:
    with pytest.raises(SerDesError) as info:
        deserialize(Exploding(KeyError("k")), "x", "op-9", "arn")
    assert str(info.value) == "Deserialization failed for id: op-9, error: 'k'."


def test_unsupported_value_with_default_serdes_is_serdes_error() -> None:
    with pytest.raises(SerDesError, match="Unsupported type: <class 'object'>"):
        serialize(None, object(), "s1", "arn")


def test_a_json_failure_under_the_default_serdes_names_the_operation() -> None:
    with pytest.raises(SerDesError, match="Serialization failed for id: s1, error: keys must be"):
        serialize(None, {frozenset(): 1}, "s1", "arn")


@pytest.mark.parametrize("exc", [SerDesError("mine"), RetryableSerDesError("later")])
def test_serdes_errors_pass_through_unchanged(exc: Exception) -> None:
    with pytest.raises(type(exc)) as info:
        serialize(Exploding(exc), 1, "id", "arn")
    assert info.value is exc
    with pytest.raises(type(exc)) as info:
        deserialize(Exploding(exc), "1", "id", "arn")
    assert info.value is exc


def test_pass_through_keeps_raw_string() -> None:
    codec: PassThroughSerDes[str] = PassThroughSerDes()
    assert deserialize(codec, '{"approved": true}', "id", "arn") == '{"approved": true}'
    assert serialize(codec, "raw", "id", "arn") == "raw"


def test_json_serdes_is_plain_json() -> None:
    ctx = SerDesContext()
    assert DEFAULT_JSON_SERDES.serialize({"a": [1, 2]}, ctx) == '{"a": [1, 2]}'
    assert DEFAULT_JSON_SERDES.deserialize('{"a": [1, 2]}', ctx) == {"a": [1, 2]}
