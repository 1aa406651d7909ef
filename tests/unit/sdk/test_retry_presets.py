"""Retry strategy arithmetic, presets (reference §1.5 table) and jitter bounds."""

from __future__ import annotations

import re

import pytest

from perdure._sdk import values as values_module
from perdure._sdk.retries import (
    LinearRetryStrategyConfig,
    RetryPresets,
    RetryStrategyConfig,
    create_linear_retry_strategy,
    create_retry_strategy,
)
from perdure._sdk.values import Duration, JitterStrategy, RetryDecision, RetryStrategy

ERR = RuntimeError("boom")


@pytest.fixture
def draw(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Pin the jitter draw: tests set draw[0]."""
    value = [0.5]
    monkeypatch.setattr(values_module, "jitter", lambda: value[0])
    return value


def delays(strategy: RetryStrategy, attempts: int = 20) -> list[int | None]:
    out: list[int | None] = []
    for n in range(1, attempts + 1):
        d = strategy(ERR, n)
        out.append(d.delay_seconds if d.should_retry else None)
    return out


def test_decision_helpers() -> None:
    assert RetryDecision.retry(Duration(3)).delay_seconds == 3
    assert RetryDecision.no_retry() == RetryDecision(False, Duration(0))


def test_none_never_retries() -> None:
    assert delays(RetryPresets.none(), 3) == [None, None, None]


def test_default_preset_is_6_attempts_5s_doubling_capped_at_60(draw: list[float]) -> None:
    draw[0] = 0.999999  # FULL jitter at its top: ceil gives the un-jittered delay
    assert delays(RetryPresets.default(), 7) == [5, 10, 20, 40, 60, None, None]


def test_transient_preset_has_half_jitter_and_3_attempts(draw: list[float]) -> None:
    draw[0] = 0.0
    assert delays(RetryPresets.transient(), 3) == [3, 5, None]  # ceil(2.5), ceil(5)


def test_resource_availability_preset(draw: list[float]) -> None:
    draw[0] = 0.999999
    assert delays(RetryPresets.resource_availability(), 6) == [5, 10, 20, 40, None, None]


def test_critical_preset_has_no_jitter() -> None:
    # 1 * 1.5^(n-1), ceil'd, capped at 60; 10 attempts
    assert delays(RetryPresets.critical(), 11) == [1, 2, 3, 4, 6, 8, 12, 18, 26, None, None]


def test_linear_preset() -> None:
    assert delays(RetryPresets.linear(), 7) == [1, 2, 3, 4, 5, None, None]


def test_fixed_preset() -> None:
    assert delays(RetryPresets.fixed(), 6) == [5, 5, 5, 5, None, None]
    assert delays(RetryPresets.fixed(Duration.from_minutes(2)), 2) == [120, 120]


def test_default_config_numbers() -> None:
    cfg = RetryStrategyConfig()
    assert (cfg.max_attempts, cfg.initial_delay, cfg.max_delay) == (
        3,
        Duration(5),
        Duration(300),
    )
    assert (cfg.backoff_rate, cfg.jitter_strategy) == (2.0, JitterStrategy.FULL)
    lin = LinearRetryStrategyConfig()
    assert (lin.max_attempts, lin.initial_delay, lin.increment, lin.max_delay) == (
        6,
        Duration(1),
        Duration(1),
        Duration(300),
    )


def test_full_jitter_bounds(draw: list[float]) -> None:
    for value, expected in [(0.0, 1), (0.5, 5), (0.999999, 10)]:
        draw[0] = value
        assert JitterStrategy.FULL.finalize_delay(10) == expected


def test_half_jitter_bounds(draw: list[float]) -> None:
    for value, expected in [(0.0, 5), (0.999999, 10)]:
        draw[0] = value
        assert JitterStrategy.HALF.finalize_delay(10) == expected


def test_jitter_is_within_bounds_with_real_randomness() -> None:
    for _ in range(200):
        assert 1 <= JitterStrategy.FULL.finalize_delay(10) <= 10
        assert 5 <= JitterStrategy.HALF.finalize_delay(10) <= 10
        assert 0 <= JitterStrategy.FULL.apply_jitter(10) < 10
    assert JitterStrategy.NONE.finalize_delay(0.2) == 1


def test_filters_none_means_everything_retries() -> None:
    strategy = create_retry_strategy(RetryStrategyConfig(jitter_strategy=JitterStrategy.NONE))
    assert strategy(KeyError("x"), 1).should_retry


def test_string_filter_is_substring_and_pattern_is_search() -> None:
    strategy = create_retry_strategy(
        RetryStrategyConfig(retryable_errors=["timeout", re.compile(r"code=5\d\d")])
    )
    assert strategy(RuntimeError("read timeout here"), 1).should_retry
    assert strategy(RuntimeError("got code=503"), 1).should_retry
    assert not strategy(RuntimeError("code=404"), 1).should_retry


def test_only_type_filter_set_makes_string_filter_empty() -> None:
    strategy = create_retry_strategy(RetryStrategyConfig(retryable_error_types=[KeyError]))
    assert strategy(KeyError("x"), 1).should_retry
    assert not strategy(ValueError("x"), 1).should_retry


def test_linear_strategy_caps_at_max() -> None:
    strategy = create_linear_retry_strategy(
        LinearRetryStrategyConfig(
            max_attempts=10,
            initial_delay=Duration(10),
            increment=Duration(10),
            max_delay=Duration(25),
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    assert delays(strategy, 4) == [10, 20, 25, 25]
