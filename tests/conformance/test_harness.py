"""Self-tests for the harness's CallbackActions scheduling (no engine: a recording fake)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.conformance import harness
from tests.conformance.requirements import Requirement


class RecordingRunner:
    """Just enough of DurableTestRunner for the callback scheduler: a clock and send_*."""

    def __init__(self) -> None:
        self.now = 1_000_000
        self.sent: list[tuple[int, str, str, Any]] = []

    def now_ms(self) -> int:
        return self.now

    def send_callback_success(self, callback_id: str, result: bytes | None) -> None:
        self.sent.append((self.now, "success", callback_id, result))

    def send_callback_failure(self, callback_id: str, error: Any) -> None:
        self.sent.append((self.now, "failure", callback_id, (error.type, error.message)))

    def send_callback_heartbeat(self, callback_id: str) -> None:
        self.sent.append((self.now, "heartbeat", callback_id, None))


def _requirement(actions: Sequence[Mapping[str, Any]]) -> Requirement:
    return Requirement(
        id="4-0",
        suite="callback",
        path=Path("4-0.yaml"),
        description="scheduler self-test",
        variables={},
        input=None,
        async_invoke=True,
        expected_result={"ExecutionStatus": "SUCCEEDED"},
        expected_history=[],
        callback_actions=actions,
        expected_logs=[],
        optional=False,
        raw={},
    )


def _started(event_id: int, name: str | None, callback_id: str) -> dict[str, Any]:
    event: dict[str, Any] = {
        "EventId": event_id,
        "EventType": "CallbackStarted",
        "Id": f"op-{callback_id}",
        "CallbackStartedDetails": {"CallbackId": callback_id},
    }
    if name is not None:
        event["Name"] = name
    return event


def _drive_until(driver: Any, runner: RecordingRunner, until_ms: int) -> None:
    """Advance the fake clock action by action, as the manual-time loop does."""
    while driver.pending:
        due = min(a.due_ms for a in driver.pending)
        if due > until_ms:
            return
        runner.now = max(runner.now, due)
        driver._send_due_actions(runner.now)


def test_delays_of_callbacks_handled_in_one_pass_add_up() -> None:
    runner = RecordingRunner()
    actions = [
        {"CallbackName": "b", "Operation": "success", "Payload": "pb", "Delay": 4},
        {"CallbackName": "a", "Operation": "success", "Payload": "pa", "Delay": 1},
    ]
    driver = harness._Driver(runner, _requirement(actions), {})
    start = runner.now
    driver._schedule_new_callbacks([_started(2, "a", "A"), _started(3, "b", "B")], start)
    _drive_until(driver, runner, start + 60_000)
    # Event order decides: A takes its (second) action first, then B waits its 4 s after it.
    assert [(t - start, op, cid, payload) for t, op, cid, payload in runner.sent] == [
        (1_000, "success", "A", b'"pa"'),
        (5_000, "success", "B", b'"pb"'),
    ]


def test_heartbeat_does_not_consume_the_callback() -> None:
    runner = RecordingRunner()
    actions: list[dict[str, Any]] = [
        {"CallbackName": "*", "Operation": "heartbeat"},
        {"CallbackName": "*", "Operation": "success", "Delay": 1},
    ]
    driver = harness._Driver(runner, _requirement(actions), {})
    start = runner.now
    driver._schedule_new_callbacks([_started(3, None, "C")], start)
    _drive_until(driver, runner, start + 60_000)
    assert [(t - start, op, payload) for t, op, _, payload in runner.sent] == [
        (0, "heartbeat", None),
        (1_000, "success", None),  # no Payload key: success without a result
    ]


def test_failure_payload_becomes_an_error_object() -> None:
    runner = RecordingRunner()
    payload = {"ErrorType": "RejectedError", "ErrorMessage": "not approved"}
    actions = [{"CallbackName": "${CB}", "Operation": "failure", "Payload": payload, "Delay": 1}]
    driver = harness._Driver(runner, _requirement(actions), {"CB": "x"})
    driver._schedule_new_callbacks([_started(2, "x", "X")], runner.now)
    _drive_until(driver, runner, runner.now + 5_000)
    assert runner.sent[0][1:] == ("failure", "X", ("RejectedError", "not approved"))


def test_callbacks_are_left_open_when_no_actions_exist() -> None:
    runner = RecordingRunner()
    driver = harness._Driver(runner, _requirement([]), {})
    driver._schedule_new_callbacks([_started(2, "t", "T")], runner.now)
    assert not driver.pending
    assert runner.sent == []


def test_a_callback_matching_no_unused_action_is_an_error() -> None:
    runner = RecordingRunner()
    actions = [{"CallbackName": "a", "Operation": "success", "Delay": 1}]
    driver = harness._Driver(runner, _requirement(actions), {})
    with pytest.raises(harness._Stuck, match="matches no unused CallbackAction"):
        driver._schedule_new_callbacks([_started(2, "other", "O")], runner.now)


def test_each_action_is_used_once() -> None:
    runner = RecordingRunner()
    actions = [
        {"CallbackName": "*", "Operation": "success", "Payload": 1, "Delay": 1},
        {"CallbackName": "*", "Operation": "success", "Payload": 2, "Delay": 1},
    ]
    driver = harness._Driver(runner, _requirement(actions), {})
    driver._schedule_new_callbacks([_started(3, None, "first")], runner.now)
    _drive_until(driver, runner, runner.now + 5_000)
    driver._schedule_new_callbacks([_started(3, None, "first"), _started(9, None, "second")], 0)
    _drive_until(driver, runner, runner.now + 5_000)
    assert [(cid, payload) for _, _, cid, payload in runner.sent] == [
        ("first", b"1"),
        ("second", b"2"),
    ]
