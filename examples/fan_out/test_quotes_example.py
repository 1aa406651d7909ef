"""The fan-out example on the local runner: the completion policy decides when the batch
ends and why, whichever branches finish first (they run concurrently, so the tests assert
what the policy guarantees, not an order)."""

from __future__ import annotations

from typing import Any

from quotes import SUPPLIERS, collect_quotes

from perdure.testing import DurableTestRunner


def run(down: list[str]) -> Any:
    with DurableTestRunner(collect_quotes) as runner:
        return runner.run(input={"item": "widget", "down": down})


def named(result: Any, kind: str) -> list[str]:
    return [e["Name"] for e in result.history if e["EventType"] == kind]


def test_three_quotes_are_enough_to_choose_the_cheapest_of_them() -> None:
    result = run(down=[])
    assert result.status == "SUCCEEDED"
    assert result.result["status"] == "chosen"
    assert result.result["completionReason"] == "MIN_SUCCESSFUL_REACHED"
    assert result.result["quotes"] >= 3
    assert result.result["best"]["supplier"] in SUPPLIERS
    # The map is one context, with a child context per branch it started.
    assert "quotes" in named(result, "ContextSucceeded")
    assert all(name.startswith("map-item-") for name in named(result, "ContextStarted")[1:])


def test_two_failures_are_tolerated_and_the_batch_waits_for_the_third_quote() -> None:
    result = run(down=["acme", "globex"])
    assert result.result["status"] == "chosen"
    assert result.result["completionReason"] == "ALL_COMPLETED"
    assert (result.result["quotes"], result.result["failures"]) == (3, 2)
    assert result.result["best"]["supplier"] not in ("acme", "globex")
    assert len(named(result, "StepFailed")) == 2


def test_a_third_failure_ends_the_batch_because_three_quotes_can_no_longer_come() -> None:
    result = run(down=["acme", "globex", "initech"])
    assert result.status == "SUCCEEDED"
    assert result.result["status"] == "not enough quotes"
    assert result.result["completionReason"] == "FAILURE_TOLERANCE_EXCEEDED"
    assert result.result["failures"] == 3
    assert result.result["best"] is None


def test_a_failed_supplier_is_asked_once_not_retried() -> None:
    result = run(down=["acme"])
    branches = len(named(result, "ContextStarted")) - 1  # the map's own context aside
    assert len(named(result, "StepStarted")) == branches  # one attempt per branch
    assert named(result, "StepFailed") == ["request_quote"]
