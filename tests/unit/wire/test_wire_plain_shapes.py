"""The common shapes of updates and operations (a step's START and SUCCEED, a step
answered with its attempt and result) are read on a short path of their own: it must
read exactly what the general path reads, and leave every error to it."""

from __future__ import annotations

from typing import Any

import pytest

from perdure._wire.operations import (
    _plain_operation,
    _plain_update,
    operation_from_json,
    operation_to_json,
    update_from_json,
    update_to_json,
)
from perdure._wire.timestamps import TimeUnit
from perdure._wire.validation import WireFormatError
from tests.unit.wire.wire_samples import T0, sample_operations, sample_updates

ID = "e8e70dc170e14333627b32c20ac6051f"


class General(dict[str, Any]):
    """A JSON object the short paths do not take (they take plain dicts only), so the
    general path reads it: what they must agree with."""


def _both_updates(doc: dict[str, Any]) -> tuple[object, object]:
    return update_from_json(doc, path="Updates[0]"), update_from_json(
        General(doc), path="Updates[0]"
    )


def _both_operations(doc: dict[str, Any], unit: TimeUnit) -> tuple[object, object]:
    return operation_from_json(doc, time_unit=unit, path="Op"), operation_from_json(
        General(doc), time_unit=unit, path="Op"
    )


def test_every_sample_update_reads_the_same_on_either_path() -> None:
    for update in sample_updates():
        fast, general = _both_updates(update_to_json(update))
        assert fast == general == update


@pytest.mark.parametrize("unit", ["s", "ms"])
def test_every_sample_operation_reads_the_same_on_either_path(unit: TimeUnit) -> None:
    for op in sample_operations():
        fast, general = _both_operations(operation_to_json(op, time_unit=unit), unit)
        assert fast == general == op


@pytest.mark.parametrize(
    "doc",
    [
        {"Id": ID, "Type": "STEP", "Action": "START"},
        {"Id": ID, "Name": "s", "Type": "STEP", "SubType": "Step", "Action": "SUCCEED"},
        {"Id": ID, "ParentId": ID, "Type": "STEP", "Action": "SUCCEED", "Payload": "3"},
        {"Id": ID, "Type": "WAIT", "Action": "START", "Name": None, "Payload": ""},
        {"Id": ID, "Type": "CONTEXT", "SubType": "RunInChildContext", "Action": "START"},
    ],
)
def test_plain_updates_read_the_same_on_either_path(doc: dict[str, Any]) -> None:
    fast, general = _both_updates(doc)
    assert fast == general
    assert _plain_update(doc) == general  # the short path took it


@pytest.mark.parametrize(
    "doc",
    [
        {"Type": "STEP", "Action": "START"},
        {"Id": "bad id!", "Type": "STEP", "Action": "START"},
        {"Id": ID, "Type": "step", "Action": "START"},
        {"Id": ID, "Type": "STEP", "Action": 1},
        {"Id": ID, "Type": "STEP", "Action": "START", "Name": "é"},
        {"Id": ID, "Type": "STEP", "Action": "START", "Name": ""},
        {"Id": ID, "Type": "STEP", "Action": "START", "SubType": "a b"},
        {"Id": ID, "Type": "STEP", "Action": "START", "ParentId": 7},
        {"Id": ID, "Type": "STEP", "Action": "SUCCEED", "Payload": True},
        {"Id": ID, "Type": "CHAINED_INVOKE", "Action": "START"},
    ],
)
def test_malformed_updates_get_the_general_paths_message(doc: dict[str, Any]) -> None:
    with pytest.raises(WireFormatError) as fast:
        update_from_json(doc, path="Updates[0]")
    with pytest.raises(WireFormatError) as general:
        update_from_json(General(doc), path="Updates[0]")
    assert str(fast.value) == str(general.value)
    assert "Updates[0]." in str(fast.value)


STEP = {
    "Id": ID,
    "Name": "s",
    "Type": "STEP",
    "SubType": "Step",
    "StartTimestamp": T0 / 1000,
    "EndTimestamp": T0 / 1000,
    "Status": "SUCCEEDED",
    "StepDetails": {"Attempt": 1, "Result": "3"},
}


@pytest.mark.parametrize(
    "doc",
    [
        STEP,
        {**STEP, "StepDetails": {}},
        {**STEP, "StartTimestamp": "2026-01-27T02:35:09.631Z", "EndTimestamp": None},
        {"Id": ID, "Type": "WAIT", "Status": "STARTED", "StartTimestamp": 1},
    ],
)
def test_plain_operations_read_the_same_on_either_path(doc: dict[str, Any]) -> None:
    fast, general = _both_operations(doc, "s")
    assert fast == general
    assert _plain_operation(doc, "s") == general  # the short path took it


@pytest.mark.parametrize(
    "doc",
    [
        {**STEP, "Id": 1},
        {**STEP, "Type": "TASK"},
        {**STEP, "Status": None},
        {**STEP, "StartTimestamp": None},
        {**STEP, "StartTimestamp": True},
        {**STEP, "EndTimestamp": "yesterday"},
        {**STEP, "StepDetails": {"Attempt": -1}},
        {**STEP, "StepDetails": {"Attempt": True}},
        {**STEP, "StepDetails": {"Result": 3}},
        {**STEP, "StepDetails": []},
        {**STEP, "Name": 5},
    ],
)
def test_malformed_operations_get_the_general_paths_message(doc: dict[str, Any]) -> None:
    with pytest.raises(WireFormatError) as fast:
        operation_from_json(doc, time_unit="s", path="Op")
    with pytest.raises(WireFormatError) as general:
        operation_from_json(General(doc), time_unit="s", path="Op")
    assert str(fast.value) == str(general.value)
    assert "Op" in str(fast.value)
