"""The one-line summaries of `perdure executions history`."""

from __future__ import annotations

from typing import Any

import pytest

from perdure._cli.history import duration_text, open_callbacks, show_payload, summarize


def _event(kind: str, **details: Any) -> dict[str, Any]:
    return {"EventType": kind, "EventId": 1, f"{kind}Details": details}


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (_event("WaitStarted", Duration=5, ScheduledEndTimestamp=1.0), "Duration=5s"),
        (_event("StepSucceeded", Result={"Payload": '"done"'}), 'Result="done"'),
        (
            _event("StepFailed", Error={"Payload": {"ErrorType": "E", "ErrorMessage": "bad"}}),
            "Error=E: bad",
        ),
        (
            _event(
                "StepFailed",
                Error={"Payload": {"ErrorMessage": "flaky"}},
                RetryDetails={"CurrentAttempt": 2, "NextAttemptDelaySeconds": 30},
            ),
            "Error=flaky  Attempt=2  RetryIn=30s",
        ),
        (
            _event("CallbackStarted", CallbackId="abc", Timeout=3600, HeartbeatTimeout=60),
            "CallbackId=abc  Timeout=1h  HeartbeatTimeout=1m",
        ),
        (
            _event("InvocationCompleted", StartTimestamp=10.0, EndTimestamp=10.25),
            "Took=250ms",
        ),
        (_event("StepStarted"), ""),
    ],
)
def test_summaries(event: dict[str, Any], expected: str) -> None:
    assert summarize(event) == expected


def test_payloads_are_shown_as_values_and_truncated() -> None:
    envelope = '{"t":"m","v":{"id":{"t":"s","v":"o-1"},"n":{"t":"i","v":3}}}'
    assert show_payload(envelope) == '{"id": "o-1", "n": 3}'
    assert show_payload("not json at all") == "not json at all"
    assert show_payload(None) == "(none)"
    long = show_payload('"' + "x" * 500 + '"')
    assert len(long) == 60 and long.endswith("…")


def test_durations() -> None:
    assert [duration_text(s) for s in (0.004, 1, 1.5, 90, 3600, 86400 * 3)] == [
        "4ms",
        "1s",
        "1.5s",
        "1m30s",
        "1h",
        "3d",
    ]


def test_open_callbacks_are_those_not_settled() -> None:
    events = [
        {**_event("CallbackStarted", CallbackId="a"), "Id": "op1", "Name": "first"},
        {**_event("CallbackStarted", CallbackId="b"), "Id": "op2", "Name": "second"},
        {**_event("CallbackSucceeded"), "Id": "op1"},
    ]
    assert open_callbacks(events) == [("b", "second")]
