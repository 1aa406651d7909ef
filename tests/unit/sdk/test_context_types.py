from __future__ import annotations

import logging

import pytest

from perdure._sdk.types import (
    DurableExecutionArn,
    OperationContext,
    StepContext,
    WaitForCallbackContext,
    WaitForConditionCheckContext,
)


def test_arn_parses() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST/durable-execution/exec-1/inv-9"
    assert DurableExecutionArn.from_arn(arn) == DurableExecutionArn("fn", "exec-1", "inv-9")


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:lambda:us-east-1:1:function:fn/durable-execution/e/i",
        "arn:aws:lambda:us-east-1:1:function:fn:1/durable-execution/e",
        "nonsense",
    ],
)
def test_non_matching_arn_is_none(arn: str) -> None:
    assert DurableExecutionArn.from_arn(arn) is None


def test_contexts_are_frozen_and_carry_attempt() -> None:
    log = logging.getLogger("t")
    step = StepContext(log, attempt=2)
    assert step.attempt == 2 and isinstance(step, OperationContext)
    assert WaitForConditionCheckContext(log, 1).attempt == 1
    assert WaitForCallbackContext(log).logger is log
    with pytest.raises(AttributeError):
        step.attempt = 3  # type: ignore[misc]
