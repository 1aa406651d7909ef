"""When a map/parallel batch stops, and why (reference §2.14 + 3.0 §1.4)."""

from __future__ import annotations

import pytest

from perdure._sdk.batch_result import CompletionPolicy, completion_status
from perdure._sdk.config import CompletionConfig
from perdure._sdk.values import (
    BatchItemStatus,
    CompletionDecision,
    CompletionItemStatus,
    CompletionOutcome,
    CompletionReason,
    CompletionStatus,
    complete_batch,
    continue_batch,
)
from perdure.errors import ValidationError


def stops(
    policy: CompletionPolicy, ok: int, bad: int, decision: CompletionDecision | None = None
) -> bool:
    """What the executor asks before starting more branches."""
    return policy.is_complete(ok, bad, decision=decision) or not policy.should_continue(bad)


def test_all_none_config_is_fail_fast() -> None:
    policy = CompletionPolicy.from_config(5, CompletionConfig())
    assert not policy.is_tolerance_exceeded(0)
    assert policy.is_tolerance_exceeded(1)
    assert stops(policy, 1, 1)
    assert policy.reason(1, 1) is CompletionReason.FAILURE_TOLERANCE_EXCEEDED


def test_missing_config_is_fail_fast() -> None:
    assert CompletionPolicy.from_config(3, None).is_tolerance_exceeded(1)


def test_percentage_exactly_at_tolerance_does_not_stop() -> None:
    policy = CompletionPolicy.from_config(4, CompletionConfig(tolerated_failure_percentage=50))
    assert not policy.is_tolerance_exceeded(2)  # 50% == 50%
    assert not stops(policy, 0, 2)
    assert policy.is_tolerance_exceeded(3)


def test_count_exactly_at_tolerance_does_not_stop() -> None:
    policy = CompletionPolicy.from_config(10, CompletionConfig(tolerated_failure_count=2))
    assert not policy.is_tolerance_exceeded(2)
    assert policy.is_tolerance_exceeded(3)


def test_either_threshold_exceeded_stops() -> None:
    policy = CompletionPolicy.from_config(
        10, CompletionConfig(tolerated_failure_count=5, tolerated_failure_percentage=10)
    )
    assert policy.is_tolerance_exceeded(2)  # 20% > 10% although count is within


def test_all_successful_stops_on_first_failure() -> None:
    policy = CompletionPolicy.from_config(3, CompletionConfig.all_successful())
    assert policy.is_tolerance_exceeded(1)


def test_all_completed_never_exceeds() -> None:
    policy = CompletionPolicy.from_config(3, CompletionConfig.all_completed())
    assert not policy.is_tolerance_exceeded(3)
    assert policy.reason(0, 3) is CompletionReason.ALL_COMPLETED


def test_first_successful_tolerates_failures_until_one_succeeds() -> None:
    policy = CompletionPolicy.from_config(4, CompletionConfig.first_successful())
    assert not stops(policy, 0, 2)
    assert stops(policy, 1, 2)
    assert policy.reason(1, 2) is CompletionReason.MIN_SUCCESSFUL_REACHED


def test_all_terminal_is_all_completed_even_if_min_reached() -> None:
    policy = CompletionPolicy.from_config(2, CompletionConfig(min_successful=2))
    assert policy.reason(2, 0) is CompletionReason.ALL_COMPLETED


def test_tolerance_wins_over_all_completed() -> None:
    policy = CompletionPolicy.from_config(2, CompletionConfig(tolerated_failure_count=0))
    assert policy.reason(1, 1) is CompletionReason.FAILURE_TOLERANCE_EXCEEDED


def test_empty_batch_is_complete() -> None:
    policy = CompletionPolicy.from_config(0, CompletionConfig())
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


def ask(policy: CompletionPolicy, s: CompletionStatus) -> CompletionDecision | None:
    return policy.evaluate(s.success_count, s.failure_count, s.items)


def test_predicate_disables_tolerance() -> None:
    policy = CompletionPolicy.from_config(
        3, CompletionConfig(should_complete=lambda s: continue_batch())
    )
    decision = ask(policy, status(BatchItemStatus.FAILED, BatchItemStatus.FAILED, None))
    assert not policy.is_tolerance_exceeded(2)
    assert not stops(policy, 0, 2, decision)


def test_predicate_that_never_fires_ends_all_completed() -> None:
    policy = CompletionPolicy.from_config(
        2, CompletionConfig(should_complete=lambda s: continue_batch())
    )
    decision = ask(policy, status(BatchItemStatus.SUCCEEDED, BatchItemStatus.FAILED))
    assert policy.is_complete(1, 1, decision=decision)
    assert policy.reason(1, 1, decision=decision) is CompletionReason.ALL_COMPLETED


def test_predicate_failed_outcome() -> None:
    def two_then_fail(s: CompletionStatus) -> object:
        if s.success_count >= 2:
            return complete_batch(CompletionOutcome.FAILED)
        return continue_batch()

    policy = CompletionPolicy.from_config(4, CompletionConfig(should_complete=two_then_fail))  # type: ignore[arg-type]
    decision = ask(policy, status(None, None, None, None))
    assert decision is not None and not decision.complete
    assert not stops(policy, 0, 0, decision)
    ok = BatchItemStatus.SUCCEEDED
    decision = ask(policy, status(ok, ok, None, None))
    assert stops(policy, 2, 0, decision)
    assert policy.reason(2, 0, decision=decision) is CompletionReason.CUSTOM_COMPLETION_FAILED


def test_predicate_is_asked_when_no_decision_is_passed() -> None:
    policy = CompletionPolicy.from_config(
        3, CompletionConfig(should_complete=lambda s: complete_batch())
    )
    assert policy.is_complete(0, 0)
    assert policy.reason(0, 0) is CompletionReason.CUSTOM_COMPLETION_SUCCEEDED


def test_predicate_must_return_a_decision() -> None:
    policy = CompletionPolicy.from_config(1, CompletionConfig(should_complete=lambda s: True))  # type: ignore[arg-type,return-value]
    with pytest.raises(ValidationError):
        ask(policy, status(None))


def test_no_predicate_evaluate_returns_none() -> None:
    policy = CompletionPolicy.from_config(1, CompletionConfig())
    assert ask(policy, status(None)) is None


def test_policy_copies_the_thresholds_of_its_config() -> None:
    config = CompletionConfig(min_successful=2, tolerated_failure_count=1)
    policy = CompletionPolicy.from_config(4, config)
    assert (policy.total, policy.min_successful, policy.tolerated_failure_count) == (4, 2, 1)
    assert policy.has_criteria
    assert not CompletionPolicy(total=4).has_criteria
