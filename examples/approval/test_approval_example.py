"""The approval example on the local runner, in virtual time: a day's timeout passes in
milliseconds, so the escalation paths are tested as quickly as the happy one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from approval import expense_approval

from perdure.testing import DurableTestRunner

EXPENSE = {"employee": "ada", "amount": 120}


def events(history: Sequence[Mapping[str, Any]], kind: str) -> list[str]:
    """The names of the `kind` events, in order. A wait_for_callback's inner callback is
    named after it ("manager create callback id"): the approver's name is kept."""
    names = [str(e.get("Name")) for e in history if e["EventType"] == kind]
    return [n.removesuffix(" create callback id") for n in names]


def test_an_expense_the_manager_approves_is_paid_without_escalation() -> None:
    with DurableTestRunner(expense_approval) as runner:
        arn = runner.run_async(input=EXPENSE)
        runner.send_callback_success(runner.wait_for_callback(arn, name="manager"), b'"approved"')
        result = runner.wait_for_result(arn)
    assert result.status == "SUCCEEDED"
    assert result.result == {
        "expenseId": "exp-ada-120",
        "status": "paid",
        "decidedBy": "manager",
        "payment": "payment-exp-ada-120",
    }
    assert events(result.history, "CallbackStarted") == ["manager"]
    assert events(result.history, "CallbackTimedOut") == []


def test_a_manager_who_does_not_answer_within_a_day_is_escalated_to_the_director() -> None:
    with DurableTestRunner(expense_approval) as runner:
        arn = runner.run_async(input=EXPENSE)
        runner.wait_for_callback(arn, name="manager")  # started, and never answered
        callback_id = runner.wait_for_callback(arn, name="director")
        runner.send_callback_success(callback_id, b'"approved"')
        result = runner.wait_for_result(arn)
    assert result.result["status"] == "paid"
    assert result.result["decidedBy"] == "director"
    assert events(result.history, "CallbackTimedOut") == ["manager"]
    assert events(result.history, "CallbackStarted") == ["manager", "director"]


def test_a_rejection_ends_the_request_without_paying() -> None:
    with DurableTestRunner(expense_approval) as runner:
        arn = runner.run_async(input=EXPENSE)
        runner.send_callback_success(runner.wait_for_callback(arn, name="manager"), b'"no"')
        result = runner.wait_for_result(arn)
    assert result.result == {
        "expenseId": "exp-ada-120",
        "status": "rejected",
        "decidedBy": "manager",
    }
    assert "pay" not in events(result.history, "StepStarted")


def test_when_nobody_answers_the_policy_refuses_the_expense() -> None:
    with DurableTestRunner(expense_approval) as runner:
        result = runner.run(input=EXPENSE)
    assert result.result["status"] == "refused"
    assert events(result.history, "CallbackTimedOut") == ["manager", "director"]
