"""When a map/parallel batch stops, and why (reference §2.14 + 3.0 §1.4)."""

from __future__ import annotations

import pytest

from perdure._sdk.batch import CompletionPolicy, CompletionReason, completion_status
from perdure._sdk.config import (
    BatchItemStatus,
    CompletionConfig,
    CompletionItemStatus,
    CompletionOutcome,
    CompletionStatus,
    complete_batch,
    continue_batch,
)
from perdure.errors import ValidationError


def test_all_none_config_is_fail_fast() -> None:
    policy = CompletionPolicy(CompletionConfig(), total=5)
    assert not policy.is_tolerance_exceeded(0)
    assert policy.is_tolerance_exceeded(1)
    assert policy.should_stop(1, 1)
    assert policy.reason(1, 1) is CompletionReason.FAILURE_TOLERANCE_EXCEEDED


def test_missing_config_is_fail_fast() -> None:
    assert CompletionPolicy(None, total=3).is_tolerance_exceeded(1)


def test_percentage_exactly_at_tolerance_does_not_stop() -> None:
    policy = CompletionPolicy(CompletionConfig(tolerated_failure_percentage=50), total=4)
    assert not policy.is_tolerance_exceeded(2)  # 50% == 50%
    assert not policy.should_stop(0, 2)
    assert policy.is_tolerance_exceeded(3)


def test_count_exactly_at_tolerance_does_not_stop() -> None:
    policy = CompletionPolicy(CompletionConfig(tolerated_failure_count=2), total=10)
    assert not policy.is_tolerance_exceeded(2)
    assert policy.is_tolerance_exceeded(3)


def test_either_threshold_exceeded_stops() -> None:
    policy = CompletionPolicy(
        CompletionConfig(tolerated_failure_count=5, tolerated_failure_percentage=10), total=10
    )
    assert policy.is_tolerance_exceeded(2)  # 20% > 10% although count is within


def test_all_successful_stops_on_first_failure() -> None:
    policy = CompletionPolicy(CompletionConfig.all_successful(), total=3)
    assert policy.is_tolerance_exceeded(1)


def test_all_completed_never_exceeds() -> None:
    policy = CompletionPolicy(CompletionConfig.all_completed(), total=3)
    assert not policy.is_tolerance_exceeded(3)
    assert policy.reason(0, 3) is CompletionReason.ALL_COMPLETED


def test_first_successful_tolerates_failures_until_one_succeeds() -> None:
    policy = CompletionPolicy(CompletionConfig.first_successful(), total=4)
    assert not policy.should_stop(0, 2)
    assert policy.should_stop(1, 2)
    assert policy.reason(1, 2) is CompletionReason.MIN_SUCCESSFUL_REACHED


def test_all_terminal_is_all_completed_even_if_min_reached() -> None:
    policy = CompletionPolicy(CompletionConfig(min_successful=2), total=2)
    assert policy.reason(2, 0) is CompletionReason.ALL_COMPLETED


def test_tolerance_wins_over_all_completed() -> None:
    policy = CompletionPolicy(CompletionConfig(tolerated_failure_count=0), total=2)
    assert policy.reason(1, 1) is CompletionReason.FAILURE_TOLERANCE_EXCEEDED


def test_empty_batch_is_complete() -> None:
    policy = CompletionPolicy(CompletionConfig(), total=0)
    assert policy.is_complete(0, 0)
    assert policy.reason(0, 0) is CompletionReason.ALL_COMPLETED


def status(*states: BatchItemStatus | None) -> CompletionStatus:
    return completion_status(
        [CompletionItemStatus(index=i, status=s) for i, s in enumerate(states)]
    )


def test_completion_status_counts() -> None:
    s = status(BatchItemStatus.SUCCEEDED, BatchItemStatus.FAILED, BatchItemStatus.STARTED, None)
    assert (s.success_count, s.failure_count, s.completed_count, s.total_count) == (1, 1, 2, 4)
    assert s.items[3].status is None


def test_predicate_disables_tolerance() -> None:
    policy = CompletionPolicy(CompletionConfig(should_complete=lambda s: continue_batch()), 3)
    policy.evaluate(status(BatchItemStatus.FAILED, BatchItemStatus.FAILED, None))
    assert not policy.is_tolerance_exceeded(2)
    assert not policy.should_stop(0, 2)


def test_predicate_that_never_fires_ends_all_completed() -> None:
    policy = CompletionPolicy(CompletionConfig(should_complete=lambda s: continue_batch()), 2)
    policy.evaluate(status(BatchItemStatus.SUCCEEDED, BatchItemStatus.FAILED))
    assert policy.is_complete(1, 1)
    assert policy.reason(1, 1) is CompletionReason.ALL_COMPLETED


def test_predicate_failed_outcome() -> None:
    def two_then_fail(s: CompletionStatus) -> object:
        if s.success_count >= 2:
            return complete_batch(CompletionOutcome.FAILED)
        return continue_batch()

    policy = CompletionPolicy(CompletionConfig(should_complete=two_then_fail), 4)  # type: ignore[arg-type]
    assert not policy.evaluate(status(None, None, None, None)).complete  # type: ignore[union-attr]
    assert not policy.should_stop(0, 0)
    policy.evaluate(status(BatchItemStatus.SUCCEEDED, BatchItemStatus.SUCCEEDED, None, None))
    assert policy.should_stop(2, 0)
    assert policy.reason(2, 0) is CompletionReason.CUSTOM_COMPLETION_FAILED


def test_predicate_succeeded_outcome() -> None:
    policy = CompletionPolicy(CompletionConfig(should_complete=lambda s: complete_batch()), 3)
    policy.evaluate(status(None, None, None))
    assert policy.is_complete(0, 0)
    assert policy.reason(0, 0) is CompletionReason.CUSTOM_COMPLETION_SUCCEEDED


def test_predicate_must_return_a_decision() -> None:
    policy = CompletionPolicy(CompletionConfig(should_complete=lambda s: True), 1)  # type: ignore[arg-type,return-value]
    with pytest.raises(ValidationError):
        policy.evaluate(status(None))


def test_no_predicate_evaluate_returns_none() -> None:
    policy = CompletionPolicy(CompletionConfig(), 1)
    assert policy.evaluate(status(None)) is None
