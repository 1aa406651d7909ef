"""Configuration values users pass to durable operations.

Names, field order and defaults follow AWS's durable SDK 3.0 `config` module so that a
handler ported by changing imports builds the same configs. Everything is a frozen
dataclass validated at construction: a bad config fails before anything is checkpointed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar

from perdure._model import OperationSubType
from perdure._sdk.values import (
    CompletionDecision,
    CompletionStatus,
    Duration,
    RetryStrategy,
    SerDes,
    SummaryGenerator,
)
from perdure.errors import ValidationError

__all__ = [
    "CallbackConfig",
    "ChildConfig",
    "CompletionConfig",
    "InvokeConfig",
    "MapConfig",
    "NestingType",
    "OperationSubType",
    "ParallelBranch",
    "ParallelConfig",
    "StepConfig",
    "StepSemantics",
    "WaitForCallbackConfig",
]

T = TypeVar("T")
P = TypeVar("P")
R = TypeVar("R")

_SUB_TYPE = re.compile(r"[A-Za-z0-9_-]{1,32}")


def _validate_sub_type(sub_type: object) -> None:
    """None or "" select the operation's default subtype; anything else must be a short
    token the server can store verbatim (it is compared on replay)."""
    if sub_type is None or sub_type == "":
        return
    if not isinstance(sub_type, str) or _SUB_TYPE.fullmatch(sub_type) is None:
        raise ValidationError(
            f"sub_type must be 1-32 characters of [A-Za-z0-9_-], got {sub_type!r}"
        )


class StepSemantics(Enum):
    AT_MOST_ONCE_PER_RETRY = "AT_MOST_ONCE_PER_RETRY"
    AT_LEAST_ONCE_PER_RETRY = "AT_LEAST_ONCE_PER_RETRY"


@dataclass(frozen=True)
class StepConfig:
    """`retry_strategy=None` means `RetryPresets.default()`."""

    retry_strategy: RetryStrategy | None = None
    step_semantics: StepSemantics = StepSemantics.AT_LEAST_ONCE_PER_RETRY
    serdes: SerDes[Any] | None = None
    sub_type: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        _validate_sub_type(self.sub_type)


@dataclass(frozen=True)
class ChildConfig(Generic[T]):
    """`is_virtual` runs the child without START/SUCCEED/FAIL checkpoints of its own."""

    serdes: SerDes[T] | None = None
    sub_type: str | None = None
    summary_generator: SummaryGenerator[T] | None = None
    is_virtual: bool = False

    def __post_init__(self) -> None:
        _validate_sub_type(self.sub_type)


@dataclass(frozen=True)
class CompletionConfig:
    """When a map or parallel batch stops. All thresholds None means fail fast: the first
    failure ends the batch. `should_complete` replaces the thresholds entirely."""

    min_successful: int | None = None
    tolerated_failure_count: int | None = None
    tolerated_failure_percentage: int | float | None = None
    should_complete: Callable[[CompletionStatus], CompletionDecision] | None = None

    def __post_init__(self) -> None:
        if self.min_successful is not None and self.min_successful < 1:
            raise ValidationError("min_successful must be >= 1")
        if self.tolerated_failure_count is not None and self.tolerated_failure_count < 0:
            raise ValidationError("tolerated_failure_count must be >= 0")
        pct = self.tolerated_failure_percentage
        if pct is not None and not 0 <= pct <= 100:
            raise ValidationError("tolerated_failure_percentage must be between 0 and 100")
        if self.should_complete is not None:
            if not callable(self.should_complete):
                raise ValidationError("should_complete must be callable")
            if self.has_thresholds:
                raise ValidationError(
                    "should_complete cannot be combined with min_successful, "
                    "tolerated_failure_count or tolerated_failure_percentage"
                )

    @property
    def has_thresholds(self) -> bool:
        return (
            self.min_successful is not None
            or self.tolerated_failure_count is not None
            or self.tolerated_failure_percentage is not None
        )

    @staticmethod
    def first_successful() -> CompletionConfig:
        return CompletionConfig(min_successful=1)

    @staticmethod
    def all_completed() -> CompletionConfig:
        return CompletionConfig(tolerated_failure_percentage=100)

    @staticmethod
    def all_successful() -> CompletionConfig:
        return CompletionConfig(tolerated_failure_count=0, tolerated_failure_percentage=0)


class NestingType(Enum):
    """FLAT runs branches as virtual contexts: no CONTEXT operation per branch."""

    NESTED = "NESTED"
    FLAT = "FLAT"


def _validate_max_concurrency(value: int | None) -> None:
    if value is not None and value < 1:
        raise ValidationError("max_concurrency must be >= 1")


@dataclass(frozen=True)
class MapConfig(Generic[T]):
    """The default completion config fails fast (AWS's docstring once said otherwise)."""

    max_concurrency: int | None = None
    completion_config: CompletionConfig = field(default_factory=CompletionConfig)
    serdes: SerDes[Any] | None = None
    item_serdes: SerDes[Any] | None = None
    summary_generator: SummaryGenerator[Any] | None = None
    nesting_type: NestingType = NestingType.NESTED
    item_namer: Callable[[T, int], str] | None = None

    def __post_init__(self) -> None:
        _validate_max_concurrency(self.max_concurrency)


@dataclass(frozen=True)
class ParallelConfig:
    max_concurrency: int | None = None
    completion_config: CompletionConfig = field(default_factory=CompletionConfig.all_successful)
    serdes: SerDes[Any] | None = None
    item_serdes: SerDes[Any] | None = None
    summary_generator: SummaryGenerator[Any] | None = None
    nesting_type: NestingType = NestingType.NESTED

    def __post_init__(self) -> None:
        _validate_max_concurrency(self.max_concurrency)


@dataclass(frozen=True)
class ParallelBranch(Generic[T]):
    """A parallel branch with an explicit name; calling it calls `func`."""

    func: Callable[..., T]
    name: str | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> T:
        return self.func(*args, **kwargs)


@dataclass(frozen=True)
class InvokeConfig(Generic[P, R]):
    """Both serdes default to plain JSON (`DEFAULT_JSON_SERDES`), not the extended one."""

    serdes_payload: SerDes[P] | None = None
    serdes_result: SerDes[R] | None = None
    tenant_id: str | None = None


@dataclass(frozen=True)
class CallbackConfig:
    """A zero duration means no timeout. `serdes=None` returns the raw result string."""

    timeout: Duration = field(default_factory=Duration)
    heartbeat_timeout: Duration = field(default_factory=Duration)
    serdes: SerDes[Any] | None = None
    sub_type: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        _validate_sub_type(self.sub_type)

    @property
    def timeout_seconds(self) -> int:
        return self.timeout.to_seconds()

    @property
    def heartbeat_timeout_seconds(self) -> int:
        return self.heartbeat_timeout.to_seconds()


@dataclass(frozen=True)
class WaitForCallbackConfig(CallbackConfig):
    """`retry_strategy` applies to the submitter step; `serdes` to both the callback result
    and the submitter step. `sub_type` labels only the inner CALLBACK."""

    retry_strategy: RetryStrategy | None = None
