"""Results of map/parallel batches and the rule that decides when a batch is done.

`BatchResult` is what `map`/`parallel` return and what the batch CONTEXT checkpoints (as
the `br` serdes envelope), so `to_dict`/`from_dict` are part of the stored format.
Semantics follow AWS's SDK 3.0: `None` results are kept, and a custom completion outcome
decides the batch status. `CompletionPolicy` holds the stop rules for the executor, in
AWS's shape (the thresholds copied from the config, the predicate's decision passed in).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from perdure._model import ErrorObject
from perdure._sdk.config import CompletionConfig
from perdure._sdk.error_mapping import (
    error_object_from_dict,
    error_object_to_dict,
    raise_as_operation_error,
)
from perdure._sdk.types import BatchResult as BatchResultProtocol
from perdure._sdk.values import (
    BatchItemStatus,
    CompletionDecision,
    CompletionItemStatus,
    CompletionOutcome,
    CompletionReason,
    CompletionStatus,
)
from perdure.errors import (
    ChildContextError,
    DurableOperationError,
    ValidationError,
    register_operation_error,
)

__all__ = [
    "BatchCompletionError",
    "BatchItem",
    "BatchResult",
    "CompletionPolicy",
]

R = TypeVar("R")


class BatchCompletionError(DurableOperationError):
    """A custom `should_complete` decision completed the batch as failed, with or without
    a failed item (a quorum that could not be met, say)."""

    def __init__(
        self,
        completion_reason: CompletionReason = CompletionReason.CUSTOM_COMPLETION_FAILED,
        message: str | None = None,
        error_type: str | None = None,
        data: str | None = None,
        stack_trace: list[str] | None = None,
    ) -> None:
        reason = getattr(completion_reason, "value", completion_reason)
        super().__init__(
            message or f"Batch completed as failed by should_complete ({reason})",
            error_type,
            data,
            stack_trace,
        )
        self.completion_reason = completion_reason


# AWS's module path, so the ErrorType recorded for it is
# `perdure.concurrency.models.BatchCompletionError`; rebuilt typed on replay.
BatchCompletionError.__module__ = "perdure.concurrency.models"
register_operation_error(BatchCompletionError)


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
            # An empty error object is no error, as AWS's SDK reads it.
            error=error_object_from_dict(error) if error else None,
        )


@dataclass(frozen=True)
class CompletionPolicy:
    """The stop rules of one batch of `total` branches.

    Without a predicate: the batch is complete when every branch is terminal or
    `min_successful` succeeded, and stops early when failures exceed the tolerance (with
    no threshold at all, the first failure). With `should_complete`, tolerance is off and
    the predicate's decision (from `evaluate`, passed back in) can end the batch early.
    """

    total: int
    min_successful: int | None = None
    tolerated_failure_count: int | None = None
    tolerated_failure_percentage: int | float | None = None
    should_complete: Callable[[CompletionStatus], CompletionDecision] | None = None

    @classmethod
    def from_config(cls, total: int, config: CompletionConfig | None) -> CompletionPolicy:
        if config is None:
            return cls(total=total)
        return cls(
            total=total,
            min_successful=config.min_successful,
            tolerated_failure_count=config.tolerated_failure_count,
            tolerated_failure_percentage=config.tolerated_failure_percentage,
            should_complete=config.should_complete,
        )

    @property
    def has_criteria(self) -> bool:
        """Whether any threshold is set (without one, the first failure stops the batch)."""
        return (
            self.min_successful is not None
            or self.tolerated_failure_count is not None
            or self.tolerated_failure_percentage is not None
        )

    def evaluate(
        self, succeeded: int, failed: int, items: tuple[CompletionItemStatus, ...] = ()
    ) -> CompletionDecision | None:
        """Ask the predicate once for this state; None without a predicate."""
        if self.should_complete is None:
            return None
        decision = self.should_complete(
            CompletionStatus(
                success_count=succeeded,
                failure_count=failed,
                completed_count=succeeded + failed,
                total_count=self.total,
                items=items,
            )
        )
        if not isinstance(decision, CompletionDecision):
            raise ValidationError(
                f"should_complete must return a CompletionDecision, got {type(decision).__name__}"
            )
        return decision

    def is_tolerance_exceeded(self, failed: int) -> bool:
        if self.should_complete is not None:
            return False
        if not self.has_criteria:
            return failed > 0
        count = self.tolerated_failure_count
        if count is not None and failed > count:
            return True
        pct = self.tolerated_failure_percentage
        return pct is not None and self.total > 0 and failed / self.total * 100 > pct

    def should_continue(self, failed: int) -> bool:
        """Whether more branches may still be started."""
        return not self.is_tolerance_exceeded(failed)

    def is_complete(
        self,
        succeeded: int,
        failed: int,
        items: tuple[CompletionItemStatus, ...] = (),
        decision: CompletionDecision | None = None,
    ) -> bool:
        """`decision` is `evaluate`'s answer for this state; asked here if not given."""
        if self.should_complete is not None:
            if decision is None:
                decision = self.evaluate(succeeded, failed, items)
            if decision is not None and decision.complete:
                return True
        if succeeded + failed >= self.total:
            return True
        return self.min_successful is not None and succeeded >= self.min_successful

    def reason(
        self,
        succeeded: int,
        failed: int,
        items: tuple[CompletionItemStatus, ...] = (),
        decision: CompletionDecision | None = None,
    ) -> CompletionReason:
        if self.is_tolerance_exceeded(failed):
            return CompletionReason.FAILURE_TOLERANCE_EXCEEDED
        if self.should_complete is not None:
            if decision is None:
                decision = self.evaluate(succeeded, failed, items)
            if decision is not None and decision.complete:
                if decision.outcome is CompletionOutcome.FAILED:
                    return CompletionReason.CUSTOM_COMPLETION_FAILED
                return CompletionReason.CUSTOM_COMPLETION_SUCCEEDED
        if succeeded + failed >= self.total:
            return CompletionReason.ALL_COMPLETED
        if self.min_successful is not None and succeeded >= self.min_successful:
            return CompletionReason.MIN_SUCCESSFUL_REACHED
        return CompletionReason.ALL_COMPLETED


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
class BatchResult(Generic[R], BatchResultProtocol[R]):
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

    def get_results(self) -> list[R]:
        """One entry per SUCCEEDED item, `None` results included (3.0)."""
        return [cast(R, i.result) for i in self.succeeded()]

    def get_errors(self) -> list[ErrorObject | None]:
        return [i.error for i in self.failed()]

    def throw_if_error(self) -> None:
        """Raise for the first failed item (typed cause), else for a custom FAILED outcome."""
        for item in self.failed():
            if item.error is None:
                raise ChildContextError(f"Batch item {item.index} failed without an ErrorObject.")
            raise_as_operation_error(item.error, ChildContextError)
        if self.completion_reason is CompletionReason.CUSTOM_COMPLETION_FAILED:
            raise BatchCompletionError(self.completion_reason)

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
        items = [BatchItem.from_dict(d) for d in data["all"]]
        reason = data.get("completionReason")
        if reason is None:
            return BatchResult.from_items(items, completion_config)
        return BatchResult(all=items, completion_reason=CompletionReason(reason))

    @classmethod
    def from_items(
        cls, items: Iterable[BatchItem[R]], completion_config: CompletionConfig | None = None
    ) -> BatchResult[R]:
        """Infer the reason from item statuses, calling `should_complete` if configured.

        As in AWS's SDK the items stay in the order given and the batch's total is the
        number of items, so this is exact only when every branch is among them.
        """
        batch = list(items)
        succeeded = sum(1 for i in batch if i.status is BatchItemStatus.SUCCEEDED)
        failed = sum(1 for i in batch if i.status is BatchItemStatus.FAILED)
        snapshot = tuple(CompletionItemStatus(index=i.index, status=i.status) for i in batch)
        policy = CompletionPolicy.from_config(len(batch), completion_config)
        return cls(all=batch, completion_reason=policy.reason(succeeded, failed, snapshot))
