"""NaN, Infinity and lone surrogates in results: the SDK writes the bytes AWS's SDK 3.0.0
writes (plain `json.dumps`: `NaN`, `Infinity`, `"\\ud800"`), and reads them back, so a
payload checkpointed by either SDK replays on the other. These bytes are what AWS's
`ExtendedTypeSerDes` and `json.dumps(result)` produce for the same values."""

from __future__ import annotations

from typing import Any

import pytest

from perdure._sdk.serdes import EXTENDED_TYPES_SERDES, SerDesContext

CTX = SerDesContext("op", "arn")
NAN = float("nan")
INF = float("inf")


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (NAN, "NaN"),
        (INF, "Infinity"),
        (-INF, "-Infinity"),
        ([1.0, NAN], "[1.0,NaN]"),
        ({"x": NAN}, '{"t":"m","v":{"x":{"t":"f","v":NaN}}}'),
        (("a", INF), '{"t":"t","v":[{"t":"s","v":"a"},{"t":"f","v":Infinity}]}'),
        ("\ud800", '"\\ud800"'),
        ({"k\ud800": 1}, '{"t":"m","v":{"k\\ud800":{"t":"i","v":1}}}'),
    ],
)
def test_step_results_with_edge_values_have_aws_bytes_and_round_trip(value: Any, wire: str) -> None:
    assert EXTENDED_TYPES_SERDES.serialize(value, CTX) == wire
    back = EXTENDED_TYPES_SERDES.deserialize(wire, CTX)
    assert repr(back) == repr(value)  # repr: nan != nan
