"""Value types handed to user code (step, callback-submitter and check contexts) and the
structural types the SDK accepts from it (loggers, Lambda-style contexts).

`Callback`, `BatchResult` and `DurableContext` protocols live with their implementations
(context and batch modules) to keep this module a leaf.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

__all__ = [
    "DurableExecutionArn",
    "LambdaContext",
    "LoggerInterface",
    "OperationContext",
    "StepContext",
    "SummaryGenerator",
    "WaitForCallbackContext",
    "WaitForConditionCheckContext",
]

T_contra = TypeVar("T_contra", contravariant=True)


class LoggerInterface(Protocol):
    """What a logger must offer; `logging.Logger` and aws-lambda-powertools' satisfy it."""

    def debug(
        self, msg: object, *args: object, extra: Mapping[str, object] | None = None
    ) -> None: ...

    def info(
        self, msg: object, *args: object, extra: Mapping[str, object] | None = None
    ) -> None: ...

    def warning(
        self, msg: object, *args: object, extra: Mapping[str, object] | None = None
    ) -> None: ...

    def error(
        self, msg: object, *args: object, extra: Mapping[str, object] | None = None
    ) -> None: ...

    def exception(
        self, msg: object, *args: object, extra: Mapping[str, object] | None = None
    ) -> None: ...


@dataclass(frozen=True)
class OperationContext:
    logger: LoggerInterface


@dataclass(frozen=True)
class StepContext(OperationContext):
    attempt: int
    """1-based number of the attempt now running."""


@dataclass(frozen=True)
class WaitForCallbackContext(OperationContext):
    pass


@dataclass(frozen=True)
class WaitForConditionCheckContext(OperationContext):
    attempt: int
    """1-based number of the check now running."""


class LambdaContext(Protocol):
    """The Lambda runtime context object, as far as the SDK reads it."""

    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    function_name: str
    memory_limit_in_mb: str | int
    function_version: str
    invoked_function_arn: str
    tenant_id: str | None
    client_context: Any
    identity: Any

    def get_remaining_time_in_millis(self) -> int: ...

    def log(self, msg: str) -> None: ...


class SummaryGenerator(Protocol[T_contra]):
    """Builds the short summary stored instead of a result that is too large."""

    def __call__(self, result: T_contra) -> str: ...


_ARN = re.compile(
    r"^arn:[^:]*:lambda:[^:]*:[^:]*:function:([^:/]+):[^:/]+/durable-execution/([^/]+)/([^/]+)$"
)


@dataclass(frozen=True)
class DurableExecutionArn:
    function_name: str
    execution_name: str
    invocation_id: str

    @classmethod
    def from_arn(cls, arn: str) -> DurableExecutionArn | None:
        match = _ARN.match(arn)
        if match is None:
            return None
        return cls(*match.groups())
