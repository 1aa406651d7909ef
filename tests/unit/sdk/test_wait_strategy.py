from __future__ import annotations

import pytest

from perdure._sdk.values import Duration, JitterStrategy
from perdure._sdk.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
    WaitStrategyConfig,
    create_wait_strategy,
)
from perdure.errors import WaitForConditionError


def test_decision_helpers() -> None:
    assert WaitForConditionDecision.continue_waiting(Duration(7)).delay_seconds == 7
    stop = WaitForConditionDecision.stop_polling()
    assert not stop.should_continue and stop.delay_seconds == 0


def test_defaults() -> None:
    cfg = WaitStrategyConfig[int](should_continue_polling=lambda s: True)
    assert (cfg.max_attempts, cfg.initial_delay, cfg.max_delay, cfg.backoff_rate) == (
        60,
        Duration(5),
        Duration(300),
        1.5,
    )
    assert cfg.jitter_strategy is JitterStrategy.FULL


def test_stops_when_condition_met_even_at_the_limit() -> None:
    strategy = create_wait_strategy(WaitStrategyConfig[int](lambda s: s < 3, max_attempts=2))
    assert strategy(3, 99) == WaitForConditionDecision.stop_polling()


def test_backoff_without_jitter() -> None:
    strategy = create_wait_strategy(
        WaitStrategyConfig[int](
            lambda s: True,
            initial_delay=Duration(2),
            max_delay=Duration(10),
            backoff_rate=2,
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    assert [strategy(0, n).delay_seconds for n in range(1, 5)] == [2, 4, 8, 10]


def test_exhaustion_raises() -> None:
    strategy = create_wait_strategy(WaitStrategyConfig[int](lambda s: True, max_attempts=3))
    assert strategy(0, 2).should_continue
    with pytest.raises(WaitForConditionError):
        strategy(0, 3)


def test_condition_config_fields() -> None:
    strategy = create_wait_strategy(WaitStrategyConfig[int](lambda s: True))
    cfg = WaitForConditionConfig(wait_strategy=strategy, initial_state=0)
    assert cfg.serdes is None and cfg.initial_state == 0
