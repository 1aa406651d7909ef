"""Operation ids are bit-exact with AWS's SDK, and recorded identity is checked."""

from __future__ import annotations

import pytest

from perdure._model import Operation, OperationStatus, OperationType
from perdure._sdk.identifier import (
    OperationIdentifier,
    OperationIdNamespace,
    branch_id,
    hash_id,
    operation_id,
)
from perdure.errors import NonDeterministicExecutionError


def test_root_ids_match_aws_values() -> None:
    ids = [operation_id(None, n)[:12] for n in (1, 2, 3, 4)]
    assert ids == ["1ced8f5be2db", "c5faca15ac2f", "6f760b9e9eac", "e8e70dc170e1"]


def test_ids_are_64_hex_chars() -> None:
    op = operation_id(None, 1)
    assert len(op) == 64 and int(op, 16) >= 0


def test_child_and_branch_ids_use_parent_prefix() -> None:
    parent = operation_id(None, 3)
    assert operation_id(parent, 1) == hash_id(f"{parent}-1")
    assert branch_id(parent, 0) == hash_id(f"{parent}-0")


def test_namespace_counts_from_one_and_peeks_without_taking() -> None:
    ns = OperationIdNamespace()
    assert ns.peek_id() == operation_id(None, 1)
    assert ns.next_id() == operation_id(None, 1)
    assert ns.next_id() == operation_id(None, 2)
    assert ns.peek_id() == operation_id(None, 3)


def _op(**kw: object) -> Operation:
    fields: dict[str, object] = {
        "operation_id": "x",
        "operation_type": OperationType.STEP,
        "status": OperationStatus.SUCCEEDED,
        "start_timestamp": 0,
        "sub_type": "Step",
        "name": "first",
    }
    fields.update(kw)
    return Operation(**fields)  # type: ignore[arg-type]


def test_same_identity_passes() -> None:
    ident = OperationIdentifier("x", "Step", None, "first", OperationType.STEP)
    ident.validate_checkpoint(_op())
    ident.validate_checkpoint(None)


def test_empty_name_and_parent_normalise_to_none() -> None:
    ident = OperationIdentifier("x", "Step", "", "", OperationType.STEP)
    ident.validate_checkpoint(_op(name=None))


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("type", {"operation_type": OperationType.WAIT}),
        ("sub_type", {"sub_type": "Charge"}),
        ("name", {"name": "renamed"}),
        ("parent_id", {"parent_id": "p"}),
    ],
)
def test_changed_identity_raises(field: str, change: dict[str, object]) -> None:
    ident = OperationIdentifier("x", "Step", None, "first", OperationType.STEP)
    with pytest.raises(NonDeterministicExecutionError) as info:
        ident.validate_checkpoint(_op(**change))
    assert str(info.value).startswith(f"Non-deterministic operation identity at id='x': {field}")


def test_message_shows_both_values() -> None:
    ident = OperationIdentifier("x", "Step", None, "renamed", OperationType.STEP)
    with pytest.raises(
        NonDeterministicExecutionError, match="name checkpoint='first' current='renamed'"
    ):
        ident.validate_checkpoint(_op())
