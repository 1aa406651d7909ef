"""The order workflow on the local runner, in virtual time: the cool-off and the day the
approver has take no real time, so every path is tested as quickly as the happy one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from order_workflow import process_order

from perdure.testing import DurableTestRunner

ORDER = {"orderId": "o-7", "items": ["pen", "ink"], "amount": 9.5}


def steps(history: Sequence[Mapping[str, Any]]) -> list[str]:
    """The names of the steps that ran, in order (the callback's submitter left out)."""
    return [
        str(e["Name"])
        for e in history
        if e["EventType"] == "StepStarted" and not str(e["Name"]).endswith(" submitter")
    ]


def answered(answer: bytes, *, cool_off: int | None = None) -> Any:
    order = ORDER if cool_off is None else {**ORDER, "coolOffSeconds": cool_off}
    with DurableTestRunner(process_order) as runner:
        arn = runner.run_async(input=order)
        runner.send_callback_success(runner.wait_for_callback(arn, name="approval"), answer)
        return runner.wait_for_result(arn)


def test_an_approved_order_is_charged_and_confirmed() -> None:
    result = answered(b'"approved"')
    assert result.status == "SUCCEEDED"
    assert result.result == {
        "orderId": "o-7",
        "status": "confirmed",
        "receipt": "receipt-o-7",
        "reserved": ["pen", "ink"],
    }
    assert steps(result.history) == ["reserve_stock", "charge_card"]


def test_the_stock_is_reserved_then_the_order_cools_off_then_asks_for_approval() -> None:
    result = answered(b'"approved"', cool_off=30)
    kinds = [(e["EventType"], e.get("Name")) for e in result.history]
    order = [
        ("StepSucceeded", "reserve_stock"),
        ("WaitSucceeded", "cool-off"),
        ("CallbackStarted", "approval create callback id"),
        ("CallbackSucceeded", "approval create callback id"),
        ("StepStarted", "charge_card"),
    ]
    assert [k for k in kinds if k in order] == order
    (wait,) = [e for e in result.history if e["EventType"] == "WaitStarted"]
    assert wait["WaitStartedDetails"]["Duration"] == 30
    (callback,) = [e for e in result.history if e["EventType"] == "CallbackStarted"]
    assert callback["CallbackStartedDetails"]["Timeout"] == 24 * 3600


def test_any_other_answer_rejects_the_order_without_charging() -> None:
    result = answered(b'"no"')
    assert result.status == "SUCCEEDED"
    assert result.result == {"orderId": "o-7", "status": "rejected", "decision": "no"}
    assert steps(result.history) == ["reserve_stock"]


def test_an_order_nobody_approves_within_a_day_fails_uncharged() -> None:
    with DurableTestRunner(process_order) as runner:
        result = runner.run(input=ORDER)
    assert result.status == "FAILED"
    assert result.error is not None
    assert str(result.error.type).endswith("CallbackTimeoutError")
    assert "CallbackTimedOut" in [e["EventType"] for e in result.history]
    assert steps(result.history) == ["reserve_stock"]


def test_a_replay_does_not_reserve_the_stock_again() -> None:
    result = answered(b'"approved"')
    invocations = [e for e in result.history if e["EventType"] == "InvocationCompleted"]
    assert len(invocations) == 3  # before the wait, before the answer, to the end
    assert steps(result.history).count("reserve_stock") == 1
