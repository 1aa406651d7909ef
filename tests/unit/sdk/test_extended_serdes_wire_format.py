"""ExtendedTypeSerDes must produce AWS's exact bytes so payloads are shareable."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest

from perdure._sdk.batch_result import BatchItem, BatchResult
from perdure._sdk.serdes import EXTENDED_TYPES_SERDES, SerDesContext
from perdure._sdk.values import BatchItemStatus, CompletionReason
from perdure.errors import SerDesError

CTX = SerDesContext("op", "arn")


def dumps(value: Any) -> str:
    return EXTENDED_TYPES_SERDES.serialize(value, CTX)


def loads(data: str) -> Any:
    return EXTENDED_TYPES_SERDES.deserialize(data, CTX)


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (42, "42"),
        ("x", '"x"'),
        (1.5, "1.5"),
        (True, "true"),
        (None, "null"),
        ([1, 2], "[1,2]"),
        ([1, "a", None, True, 2.5], '[1,"a",null,true,2.5]'),
        ([], "[]"),
    ],
)
def test_primitives_and_flat_lists_are_compact_plain_json(value: Any, wire: str) -> None:
    assert dumps(value) == wire


def test_dict_is_an_envelope_of_envelopes() -> None:
    assert dumps({"x": 1}) == '{"t":"m","v":{"x":{"t":"i","v":1}}}'


def test_empty_dict_is_still_enveloped() -> None:
    assert dumps({}) == '{"t":"m","v":{}}'


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        ((1, "a"), '{"t":"t","v":[{"t":"i","v":1},{"t":"s","v":"a"}]}'),
        ([[1]], "[[1]]"),
        ([[1], {}], '{"t":"l","v":[{"t":"l","v":[{"t":"i","v":1}]},{"t":"m","v":{}}]}'),
        ([None, {}], '{"t":"l","v":[{"t":"n","v":null},{"t":"m","v":{}}]}'),
        (b"hi", '{"t":"B","v":"aGk="}'),
        (uuid.UUID(int=5), '{"t":"u","v":"00000000-0000-0000-0000-000000000005"}'),
        (Decimal("1.10"), '{"t":"d","v":"1.10"}'),
        (
            dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
            '{"t":"dt","v":"2024-01-02T03:04:05+00:00"}',
        ),
        (dt.date(2024, 1, 2), '{"t":"D","v":"2024-01-02"}'),
        ([1.5, True], "[1.5,true]"),
        ({"f": 1.5, "b": False}, '{"t":"m","v":{"f":{"t":"f","v":1.5},"b":{"t":"b","v":false}}}'),
    ],
)
def test_extended_types_use_their_tag(value: Any, wire: str) -> None:
    assert dumps(value) == wire


ROUND_TRIPS: list[Any] = [
    None,
    "s",
    0,
    -7,
    2**70,
    1.25,
    True,
    False,
    b"\x00\xff",
    bytearray(b"ab"),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    Decimal("3.14159"),
    dt.datetime(2024, 5, 6, 7, 8, 9, 123456),
    dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    dt.date(1999, 12, 31),
    (1, (2, 3), "x"),
    [1, [2, [3]], {"k": (4,)}],
    {"nested": {"list": [None, 1.0, b"z"], "when": dt.date(2020, 1, 1)}},
]


@pytest.mark.parametrize("value", ROUND_TRIPS)
def test_every_tag_round_trips_with_its_type(value: Any) -> None:
    back = loads(dumps(value))
    expected = bytes(value) if isinstance(value, bytearray) else value
    assert back == expected
    assert type(back) is type(expected)


def test_datetime_with_z_suffix_is_accepted() -> None:
    assert loads('{"t":"dt","v":"2024-01-02T03:04:05Z"}') == dt.datetime(
        2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC
    )


def test_batch_result_is_its_dict_under_the_br_tag() -> None:
    result = BatchResult(
        all=[BatchItem(0, BatchItemStatus.SUCCEEDED, (1, 2))],
        completion_reason=CompletionReason.ALL_COMPLETED,
    )
    wire = dumps(result)
    assert wire == (
        '{"t":"br","v":{"all":{"t":"l","v":[{"t":"m","v":{'
        '"index":{"t":"i","v":0},"status":{"t":"s","v":"SUCCEEDED"},'
        '"result":{"t":"t","v":[{"t":"i","v":1},{"t":"i","v":2}]},'
        '"error":{"t":"n","v":null}}}]},'
        '"completionReason":{"t":"s","v":"ALL_COMPLETED"}}}'
    )
    assert loads(wire) == result


def test_a_batch_result_written_by_earlier_perdure_versions_is_still_read() -> None:
    legacy = (
        '{"t":"br","v":{"t":"m","v":{"all":{"t":"l","v":[{"t":"m","v":{'
        '"index":{"t":"i","v":0},"status":{"t":"s","v":"SUCCEEDED"},'
        '"result":{"t":"i","v":5},"error":{"t":"n","v":null}}}]},'
        '"completionReason":{"t":"s","v":"ALL_COMPLETED"}}}}'
    )
    assert loads(legacy) == BatchResult(
        all=[BatchItem(0, BatchItemStatus.SUCCEEDED, 5)],
        completion_reason=CompletionReason.ALL_COMPLETED,
    )


def test_int_dict_keys_are_written_as_json_writes_them_and_read_back_as_strings() -> None:
    assert dumps({1: "a"}) == '{"t":"m","v":{"1":{"t":"s","v":"a"}}}'
    assert loads(dumps({1: "a"})) == {"1": "a"}


def test_tuple_dict_keys_are_rejected() -> None:
    with pytest.raises(SerDesError, match="Tuple keys not supported"):
        dumps({(1, 2): "x"})


@pytest.mark.parametrize("value", [object(), {1, 2}, dt.time(1, 2)])
def test_unsupported_type_is_rejected(value: Any) -> None:
    with pytest.raises(SerDesError, match="Unsupported type: <class"):
        dumps(value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ('{"t":"zz","v":1}', 'Unknown type tag: "zz"'),
        ('{"x":1}', 'Malformed envelope: missing "t" or "v" at root.'),
        ('[1,{"x":1}]', 'Malformed envelope: missing "t" or "v" at root.'),
        ('{"t":"l","v":5}', "Expected list, got <class 'int'>"),
    ],
)
def test_unknown_or_malformed_envelope_is_rejected(data: str, message: str) -> None:
    with pytest.raises(SerDesError) as info:
        loads(data)
    assert str(info.value) == message


def test_a_container_element_that_is_not_an_envelope_is_taken_as_it_is() -> None:
    assert loads('{"t":"l","v":[1,{"x":2}]}') == [1, {"x": 2}]
