"""Value types handed to user code (step, callback-submitter and check contexts) and the
structural types the SDK accepts from it (loggers, Lambda-style contexts), and the
`Callback`, `BatchResult` and `DurableContext` protocols the concrete classes implement,
for code that types against the interface (AWS's `types` module has them too).
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from perdure._sdk.config import (
        CallbackConfig,
        ChildConfig,
        MapConfig,
        ParallelBranch,
        ParallelConfig,
        StepConfig,
    )
    from perdure._sdk.values import Duration

__all__ = [
    "BatchResult",
    "Callback",
    "DurableContext",
    "DurableExecutionArn",
    "LambdaContext",
    "LoggerInterface",
    "OperationContext",
    "StepContext",
    "WaitForCallbackContext",
    "WaitForConditionCheckContext",
]

T = TypeVar("T")
U = TypeVar("U")
C_co = TypeVar("C_co", covariant=True)


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


class Callback(Protocol, Generic[C_co]):
    """A callback created by `create_callback`: its id, and its result once it came."""

    callback_id: str

    @abstractmethod
    def result(self) -> C_co | None:
        """The callback's result; suspends the execution until it is there."""


class BatchResult(Protocol, Generic[T]):
    """What `map` and `parallel` return."""

    @abstractmethod
    def get_results(self) -> list[T]:
        """The results of the branches that succeeded, in branch order."""


class DurableContext(Protocol):
    """The durable operations a handler calls (the core of `perdure.context.DurableContext`)."""

    @abstractmethod
    def step(
        self,
        func: Callable[[StepContext], T],
        name: str | None = None,
        config: StepConfig | None = None,
    ) -> T: ...

    @abstractmethod
    def run_in_child_context(
        self,
        func: Callable[[DurableContext], T],
        name: str | None = None,
        config: ChildConfig[Any] | None = None,
    ) -> T: ...

    @abstractmethod
    def map(
        self,
        inputs: Sequence[U],
        func: Callable[[DurableContext, U, int, Sequence[U]], T],
        name: str | None = None,
        config: MapConfig[Any] | None = None,
    ) -> BatchResult[T]: ...

    @abstractmethod
    def parallel(
        self,
        functions: Sequence[Callable[[DurableContext], T] | ParallelBranch[T]],
        name: str | None = None,
        config: ParallelConfig | None = None,
    ) -> BatchResult[T]: ...

    @abstractmethod
    def wait(self, duration: Duration, name: str | None = None) -> None: ...

    @abstractmethod
    def create_callback(
        self, name: str | None = None, config: CallbackConfig | None = None
    ) -> Callback[Any]: ...


class LambdaContext(Protocol):
    """The Lambda runtime context object, as far as the SDK reads it."""

    aws_request_id: str
    log_group_name: str | None = None
    log_stream_name: str | None = None
    function_name: str | None = None
    memory_limit_in_mb: str | None = None
    function_version: str | None = None
    invoked_function_arn: str | None = None
    tenant_id: str | None = None
    client_context: Any | None = None
    identity: Any | None = None

    def get_remaining_time_in_millis(self) -> int: ...

    def log(self, msg: str) -> None: ...


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
