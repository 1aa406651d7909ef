"""The plain values the whole SDK shares, in one bottom module.

Durations and jitter, retry decisions, the completion vocabulary of map/parallel batches,
and the two small interfaces a config holds (a `SerDes`, a `SummaryGenerator`). Configs,
retry and wait strategies, serdes and batch results all use them; keeping them here,
importing nothing else from `perdure._sdk`, is what lets those modules import each other
in one direction only (an import-linter contract holds it). Names, fields and defaults
are AWS's SDK 3.0 ones; the public port modules re-export them.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any, Generic, Protocol, TypeVar

from perdure._ids import jitter
from perdure.errors import ValidationError

__all__ = [
    "BatchItemStatus",
    "CompletionDecision",
    "CompletionItemStatus",
    "CompletionOutcome",
    "CompletionReason",
    "CompletionStatus",
    "Duration",
    "JitterStrategy",
    "RetryDecision",
    "RetryStrategy",
    "SerDes",
    "SerDesContext",
    "SummaryGenerator",
    "complete_batch",
    "continue_batch",
]

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)


# -- time and retries ----------------------------------------------------------------------


@dataclass(frozen=True)
class Duration:
    """A whole number of seconds: the service schedules timers at second granularity."""

    seconds: int = 0

    def __post_init__(self) -> None:
        if self.seconds < 0:
            raise ValidationError(f"Duration seconds must be >= 0, got {self.seconds}")

    def to_seconds(self) -> int:
        return self.seconds

    @classmethod
    def from_seconds(cls, value: float) -> Duration:
        return cls(seconds=int(value))

    @classmethod
    def from_minutes(cls, value: float) -> Duration:
        return cls(seconds=int(value * 60))

    @classmethod
    def from_hours(cls, value: float) -> Duration:
        return cls(seconds=int(value * 3600))

    @classmethod
    def from_days(cls, value: float) -> Duration:
        return cls(seconds=int(value * 86400))


class JitterStrategy(StrEnum):
    NONE = "NONE"
    FULL = "FULL"
    HALF = "HALF"

    def apply_jitter(self, delay: float) -> float:
        """NONE keeps `delay`; HALF draws from [delay/2, delay); FULL from [0, delay)."""
        if self is JitterStrategy.NONE:
            return delay
        if self is JitterStrategy.HALF:
            return delay / 2 + jitter() * (delay / 2)
        return jitter() * delay

    def finalize_delay(self, delay: float) -> int:
        """The delay actually sent to the service: jittered, rounded up, at least 1 s."""
        return max(1, math.ceil(self.apply_jitter(delay)))


@dataclass
class RetryDecision:
    should_retry: bool
    delay: Duration

    @classmethod
    def retry(cls, delay: Duration) -> RetryDecision:
        return cls(should_retry=True, delay=delay)

    @classmethod
    def no_retry(cls) -> RetryDecision:
        return cls(should_retry=False, delay=Duration())

    @property
    def delay_seconds(self) -> int:
        return self.delay.to_seconds()


RetryStrategy = Callable[[Exception, int], RetryDecision]
"""`(error, attempts_made)`: attempts_made is the 1-based number of the failed attempt."""


# -- map/parallel completion ---------------------------------------------------------------


class BatchItemStatus(Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STARTED = "STARTED"


class CompletionOutcome(Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class CompletionItemStatus:
    """One branch as a completion predicate sees it. `name` is the explicit name only;
    `status=None` means the branch has not been scheduled yet."""

    index: int
    name: str | None = None
    status: BatchItemStatus | None = None


@dataclass(frozen=True)
class CompletionStatus:
    """Progress of a batch; `items[i]` is always branch i."""

    success_count: int
    failure_count: int
    completed_count: int
    total_count: int
    items: tuple[CompletionItemStatus, ...] = ()


@dataclass(frozen=True)
class CompletionDecision:
    complete: bool
    outcome: CompletionOutcome | None = None

    def __post_init__(self) -> None:
        if self.complete and self.outcome is None:
            raise ValidationError("CompletionDecision(complete=True) requires an outcome")
        if not self.complete and self.outcome is not None:
            raise ValidationError("CompletionDecision(complete=False) must not have an outcome")


def continue_batch() -> CompletionDecision:
    return CompletionDecision(complete=False)


def complete_batch(outcome: CompletionOutcome = CompletionOutcome.SUCCEEDED) -> CompletionDecision:
    return CompletionDecision(complete=True, outcome=outcome)


class CompletionReason(Enum):
    ALL_COMPLETED = "ALL_COMPLETED"
    MIN_SUCCESSFUL_REACHED = "MIN_SUCCESSFUL_REACHED"
    FAILURE_TOLERANCE_EXCEEDED = "FAILURE_TOLERANCE_EXCEEDED"
    CUSTOM_COMPLETION_SUCCEEDED = "CUSTOM_COMPLETION_SUCCEEDED"
    CUSTOM_COMPLETION_FAILED = "CUSTOM_COMPLETION_FAILED"


# -- what a config holds -------------------------------------------------------------------


@dataclass(frozen=True)
class SerDesContext:
    operation_id: str = ""
    durable_execution_arn: str = ""


class SerDes(ABC, Generic[T]):
    @abstractmethod
    def serialize(self, value: T, serdes_context: SerDesContext) -> str: ...

    @abstractmethod
    def deserialize(self, data: str, serdes_context: SerDesContext) -> T: ...

    @staticmethod
    def is_primitive(obj: Any) -> bool:
        """Whether `obj` is plain JSON as it is: a primitive, or a list of such (nested)."""
        if obj is None or isinstance(obj, str | int | float | bool):
            return True
        return isinstance(obj, list) and all(SerDes.is_primitive(item) for item in obj)


class SummaryGenerator(Protocol[T_contra]):
    """Builds the short summary stored instead of a result that is too large."""

    def __call__(self, result: T_contra) -> str: ...
