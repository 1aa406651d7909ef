"""Waiting, in the dashboard tests, for executions the embedded dispatcher runs."""

from __future__ import annotations

import time
from collections.abc import Callable

from perdure._model import Execution, ExecutionStatus, Operation, OperationStatus
from perdure._service import browsing, queries
from perdure._service.context import ServiceContext


def until(check: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.02)


def status(ctx: ServiceContext, arn: str, wanted: ExecutionStatus) -> Execution:
    until(lambda: queries.get_execution(ctx, arn).status is wanted, what=f"{arn} {wanted}")
    return queries.get_execution(ctx, arn)


def open_callback(ctx: ServiceContext, arn: str) -> str:
    """The id of the callback `arn` is waiting for, once it waits."""

    def found() -> Operation | None:
        for op in browsing.inspect(ctx, arn).operations:
            if op.callback_details is not None and op.status is OperationStatus.STARTED:
                return op
        return None

    until(lambda: found() is not None, what=f"a callback of {arn}")
    op = found()
    assert op is not None and op.callback_details is not None
    assert op.callback_details.callback_id is not None
    return op.callback_details.callback_id
