"""Results of map/parallel batches and the rule that decides when a batch is done.

`BatchResult` is what `map`/`parallel` return and what the batch CONTEXT checkpoints (as
the `br` serdes envelope), so `to_dict`/`from_dict` are part of the stored format.
Semantics follow AWS's SDK 3.0: `None` results are kept, and a custom completion outcome
decides the batch status. `CompletionPolicy` holds the stop rules for the executor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from perdure._model import ErrorObject
from perdure._sdk.config import (
    BatchItemStatus,
    CompletionConfig,
    CompletionDecision,
    CompletionItemStatus,
    CompletionOutcome,
    CompletionStatus,
)
from perdure._sdk.error_mapping import (
    error_object_from_dict,
    error_object_to_dict,
    raise_as_operation_error,
)
from perdure.errors import BatchCompletionError, ChildContextError, ValidationError

__all__ = [
    "BatchCompletionError",
    "BatchItem",
    "BatchItemStatus",
    "BatchResult",
    "CompletionPolicy",
    "CompletionReason",
]

R = TypeVar("R")


class CompletionReason(Enum):
    ALL_COMPLETED = "ALL_COMPLETED"
    MIN_SUCCESSFUL_REACHED = "MIN_SUCCESSFUL_REACHED"
    FAILURE_TOLERANCE_EXCEEDED = "FAILURE_TOLERANCE_EXCEEDED"
    CUSTOM_COMPLETION_SUCCEEDED = "CUSTOM_COMPLETION_SUCCEEDED"
    CUSTOM_COMPLETION_FAILED = "CUSTOM_COMPLETION_FAILED"


@dataclass(frozen=True)
class BatchItem(Generic[R]):
    index: int
    status: BatchItemStatus
    result: R | None = None
    error: ErrorObject | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "status": self.status.value,
            "result": self.result,
            "error": error_object_to_dict(self.error) if self.error is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BatchItem[Any]:
        error = data.get("error")
        return BatchItem(
            index=int(data["index"]),
            status=BatchItemStatus(data["status"]),
            result=data.get("result"),
            error=error_object_from_dict(error) if error is not None else None,
        )


class CompletionPolicy:
    """The stop rules of one batch of `total` branches.

    Without a predicate: the batch is complete when every branch is terminal or
    `min_successful` succeeded, and stops early when failures exceed the tolerance (with
    no threshold at all, the first failure). With `should_complete`, tolerance is off and
    the predicate's last decision (see `evaluate`) is what can end the batch early.
    """

    def __init__(self, config: CompletionConfig | None, total: int) -> None:
        self.config = config if config is not None else CompletionConfig()
        self.total = total
        self.decision: CompletionDecision | None = None

    @property
    def has_predicate(self) -> bool:
        return self.config.should_complete is not None

    def evaluate(self, status: CompletionStatus) -> CompletionDecision | None:
        """Ask the predicate (if any) and remember its answer for `is_complete`/`reason`."""
        predicate = self.config.should_complete
        if predicate is None:
            return None
        decision = predicate(status)
        if not isinstance(decision, CompletionDecision):
            raise ValidationError(
                f"should_complete must return a CompletionDecision, got {type(decision).__name__}"
            )
        self.decision = decision
        return decision

    def is_tolerance_exceeded(self, failed: int) -> bool:
        cfg = self.config
        if cfg.should_complete is not None:
            return False
        if not cfg.has_thresholds:
            return failed > 0
        count = cfg.tolerated_failure_count
        if count is not None and failed > count:
            return True
        pct = cfg.tolerated_failure_percentage
        return pct is not None and self.total > 0 and failed / self.total * 100 > pct

    def is_complete(self, succeeded: int, failed: int) -> bool:
        if succeeded + failed >= self.total:
            return True
        if self.decision is not None and self.decision.complete:
            return True
        minimum = self.config.min_successful
        return minimum is not None and succeeded >= minimum

    def should_stop(self, succeeded: int, failed: int) -> bool:
        return self.is_complete(succeeded, failed) or self.is_tolerance_exceeded(failed)

    def reason(self, succeeded: int, failed: int) -> CompletionReason:
        if self.is_tolerance_exceeded(failed):
            return CompletionReason.FAILURE_TOLERANCE_EXCEEDED
        if self.decision is not None and self.decision.complete:
            if self.decision.outcome is CompletionOutcome.FAILED:
                return CompletionReason.CUSTOM_COMPLETION_FAILED
            return CompletionReason.CUSTOM_COMPLETION_SUCCEEDED
        if succeeded + failed >= self.total:
            return CompletionReason.ALL_COMPLETED
        return CompletionReason.MIN_SUCCESSFUL_REACHED


def completion_status(items: Sequence[CompletionItemStatus]) -> CompletionStatus:
    """Counts for a predicate call from per-branch statuses (`items[i]` is branch i)."""
    succeeded = sum(1 for i in items if i.status is BatchItemStatus.SUCCEEDED)
    failed = sum(1 for i in items if i.status is BatchItemStatus.FAILED)
    return CompletionStatus(
        success_count=succeeded,
        failure_count=failed,
        completed_count=succeeded + failed,
        total_count=len(items),
        items=tuple(items),
    )


@dataclass(frozen=True)
class BatchResult(Generic[R]):
    """Outcome of a map or parallel. Branches never started (after an early completion)
    are absent from `all`; branches still running then are STARTED."""

    all: list[BatchItem[R]]
    completion_reason: CompletionReason

    def succeeded(self) -> list[BatchItem[R]]:
        return [i for i in self.all if i.status is BatchItemStatus.SUCCEEDED]

    def failed(self) -> list[BatchItem[R]]:
        return [i for i in self.all if i.status is BatchItemStatus.FAILED]

    def started(self) -> list[BatchItem[R]]:
        return [i for i in self.all if i.status is BatchItemStatus.STARTED]

    def get_results(self) -> list[R | None]:
        """One entry per SUCCEEDED item, `None` results included (3.0)."""
        return [i.result for i in self.succeeded()]

    def get_errors(self) -> list[ErrorObject | None]:
        return [i.error for i in self.failed()]

    def throw_if_error(self) -> None:
        """Raise for the first failed item (typed cause), else for a custom FAILED outcome."""
        for item in self.failed():
            if item.error is None:
                raise ChildContextError(f"Batch item {item.index} failed without an ErrorObject.")
            raise_as_operation_error(item.error, ChildContextError)
        if self.completion_reason is CompletionReason.CUSTOM_COMPLETION_FAILED:
            raise BatchCompletionError(
                self.completion_reason,
                f"Batch completed as failed: {self.completion_reason.value}",
            )

    @property
    def status(self) -> BatchItemStatus:
        if self.completion_reason is CompletionReason.CUSTOM_COMPLETION_FAILED:
            return BatchItemStatus.FAILED
        if self.completion_reason is CompletionReason.CUSTOM_COMPLETION_SUCCEEDED:
            return BatchItemStatus.SUCCEEDED
        return BatchItemStatus.FAILED if self.has_failure else BatchItemStatus.SUCCEEDED

    @property
    def has_failure(self) -> bool:
        return any(i.status is BatchItemStatus.FAILED for i in self.all)

    @property
    def success_count(self) -> int:
        return len(self.succeeded())

    @property
    def failure_count(self) -> int:
        return len(self.failed())

    @property
    def started_count(self) -> int:
        return len(self.started())

    @property
    def total_count(self) -> int:
        return len(self.all)

    def to_dict(self) -> dict[str, Any]:
        return {
            "all": [i.to_dict() for i in self.all],
            "completionReason": self.completion_reason.value,
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], completion_config: CompletionConfig | None = None
    ) -> BatchResult[Any]:
        items = [BatchItem.from_dict(d) for d in data.get("all", [])]
        reason = data.get("completionReason")
        if reason is None:
            return BatchResult.from_items(items, completion_config)
        return BatchResult(all=items, completion_reason=CompletionReason(reason))

    @classmethod
    def from_items(
        cls, items: Iterable[BatchItem[R]], completion_config: CompletionConfig | None = None
    ) -> BatchResult[R]:
        """Infer the reason from item statuses, calling `should_complete` if configured."""
        batch = sorted(items, key=lambda i: i.index)
        total = max([len(batch), *(i.index + 1 for i in batch)])
        slots = [CompletionItemStatus(index=n) for n in range(total)]
        for item in batch:
            slots[item.index] = CompletionItemStatus(index=item.index, status=item.status)
        status = completion_status(slots)
        policy = CompletionPolicy(completion_config, total)
        policy.evaluate(status)
        reason = policy.reason(status.success_count, status.failure_count)
        return cls(all=batch, completion_reason=reason)
