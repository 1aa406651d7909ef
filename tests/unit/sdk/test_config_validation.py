"""Config shapes and validation that ported handlers depend on (3.0 signatures)."""

from __future__ import annotations

from typing import Any

import pytest

from perdure._sdk.config import (
    CallbackConfig,
    ChildConfig,
    CompletionConfig,
    InvokeConfig,
    MapConfig,
    NestingType,
    OperationSubType,
    ParallelBranch,
    ParallelConfig,
    StepConfig,
    StepSemantics,
    WaitForCallbackConfig,
)
from perdure._sdk.values import (
    CompletionDecision,
    CompletionOutcome,
    Duration,
    JitterStrategy,
    complete_batch,
    continue_batch,
)
from perdure.errors import ValidationError


@pytest.mark.parametrize("sub_type", [None, "", "Charge", "a" * 32, "x_y-Z9"])
def test_valid_sub_types(sub_type: str | None) -> None:
    assert StepConfig(sub_type=sub_type).sub_type == sub_type
    assert CallbackConfig(sub_type=sub_type).sub_type == sub_type
    assert ChildConfig(None, sub_type).sub_type == sub_type


@pytest.mark.parametrize("sub_type", ["a" * 33, "has space", "dot.ted", "é", 5])
def test_invalid_sub_types_are_rejected(sub_type: Any) -> None:
    with pytest.raises(ValidationError):
        StepConfig(sub_type=sub_type)
    with pytest.raises(ValidationError):
        CallbackConfig(sub_type=sub_type)
    with pytest.raises(ValidationError):
        WaitForCallbackConfig(sub_type=sub_type)
    with pytest.raises(ValidationError):
        ChildConfig(sub_type=sub_type)


def test_sub_type_is_keyword_only_on_step_and_callback() -> None:
    with pytest.raises(TypeError):
        StepConfig(None, StepSemantics.AT_MOST_ONCE_PER_RETRY, None, "X")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        CallbackConfig(Duration(), Duration(), None, "X")  # type: ignore[call-arg]


def test_wait_for_callback_positional_order() -> None:
    def strategy(e: Exception, n: int) -> Any:
        return None

    cfg = WaitForCallbackConfig(Duration(10), Duration(2), None, strategy, sub_type="Cb")
    assert (cfg.timeout_seconds, cfg.heartbeat_timeout_seconds) == (10, 2)
    assert cfg.retry_strategy is strategy
    assert cfg.sub_type == "Cb"


def test_step_config_defaults() -> None:
    cfg = StepConfig()
    assert cfg.retry_strategy is None
    assert cfg.step_semantics is StepSemantics.AT_LEAST_ONCE_PER_RETRY
    assert cfg.serdes is None


def test_child_config_positional_order() -> None:
    cfg: ChildConfig[Any] = ChildConfig(None, "Sub", None, True)
    assert cfg.is_virtual and cfg.sub_type == "Sub"


def test_operation_sub_type_is_a_str_enum() -> None:
    assert str(OperationSubType.MAP) == "Map"
    assert isinstance(OperationSubType.MAP, str)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_successful": 0},
        {"tolerated_failure_count": -1},
        {"tolerated_failure_percentage": -0.1},
        {"tolerated_failure_percentage": 100.5},
        {"should_complete": 3},
        {"should_complete": lambda s: continue_batch(), "min_successful": 1},
        {"should_complete": lambda s: continue_batch(), "tolerated_failure_count": 0},
    ],
)
def test_completion_config_validation(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CompletionConfig(**kwargs)


def test_completion_config_presets() -> None:
    assert CompletionConfig.first_successful() == CompletionConfig(1, None, None)
    assert CompletionConfig.all_completed() == CompletionConfig(None, None, 100)
    assert CompletionConfig.all_successful() == CompletionConfig(None, 0, 0)


def test_completion_decision_rules() -> None:
    assert continue_batch() == CompletionDecision(False)
    assert complete_batch() == CompletionDecision(True, CompletionOutcome.SUCCEEDED)
    assert complete_batch(CompletionOutcome.FAILED).outcome is CompletionOutcome.FAILED
    with pytest.raises(ValidationError):
        CompletionDecision(True)
    with pytest.raises(ValidationError):
        CompletionDecision(False, CompletionOutcome.FAILED)


def test_map_and_parallel_defaults() -> None:
    assert MapConfig().completion_config == CompletionConfig()
    assert MapConfig().nesting_type is NestingType.NESTED
    assert ParallelConfig().completion_config == CompletionConfig.all_successful()
    for bad in (MapConfig, ParallelConfig):
        with pytest.raises(ValidationError):
            bad(max_concurrency=0)


def test_parallel_branch_delegates() -> None:
    branch = ParallelBranch(lambda ctx: ctx * 2, name="double")
    assert branch(21) == 42
    assert branch.name == "double"


def test_invoke_config_fields() -> None:
    cfg: InvokeConfig[Any, Any] = InvokeConfig(tenant_id="t")
    assert (cfg.serdes_payload, cfg.serdes_result, cfg.tenant_id) == (None, None, "t")


def test_jitter_strategy_values() -> None:
    assert [j.value for j in JitterStrategy] == ["NONE", "FULL", "HALF"]
