"""Which Lambda API operations the boto3 tests exercise, so a test can insist on all of
them. pytest imports every test module before running any test, so the set is complete
by the time it is checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import botocore.session

F = TypeVar("F", bound=Callable[..., Any])
COVERED: set[str] = set()


def covers(*operations: str) -> Callable[[F], F]:
    COVERED.update(operations)
    return lambda f: f


def durable_operations() -> set[str]:
    model = botocore.session.get_session().get_service_model("lambda")
    return {op for op in model.operation_names if "DurableExecution" in op} | {"Invoke"}
