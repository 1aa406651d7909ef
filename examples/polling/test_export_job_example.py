"""The polling example on the local runner: the checks, the backoff between them and the
give-up, read from the history (virtual time: minutes of polling take milliseconds)."""

from __future__ import annotations

from typing import Any

from export_job import MAX_CHECKS, export_report

from perdure.testing import DurableTestRunner


def run(**event: Any) -> Any:
    with DurableTestRunner(export_report) as runner:
        return runner.run(input={"report": "sales", **event})


def checks(result: Any) -> list[dict[str, Any]]:
    """The condition's check events (a check that ends the poll records no delay)."""
    return [
        e
        for e in result.history
        if e.get("SubType") == "WaitForCondition" and e["EventType"] != "StepStarted"
    ]


def delays(result: Any) -> list[int]:
    return [
        e[f"{e['EventType']}Details"]["RetryDetails"]["NextAttemptDelaySeconds"]
        for e in checks(result)
        if "NextAttemptDelaySeconds" in e[f"{e['EventType']}Details"].get("RetryDetails", {})
    ]


def test_a_job_ready_at_the_third_check_returns_its_url() -> None:
    result = run(readyAfter=3)
    assert result.status == "SUCCEEDED"
    assert result.result == {
        "report": "sales",
        "status": "ready",
        "url": "https://reports.example/job-sales.csv",
        "checks": 3,
    }
    assert len(checks(result)) == 3
    assert delays(result) == [5, 10]  # doubling from 5 s, no jitter


def test_the_checks_are_spaced_by_durable_timers_in_virtual_time() -> None:
    result = run(readyAfter=3)
    times = [e["EventTimestamp"] for e in checks(result)]
    assert times[-1] - times[0] >= 15  # 5 s, then 10 s, passed on the virtual clock


def test_the_backoff_is_capped_at_a_minute_and_polling_gives_up_after_eight_checks() -> None:
    result = run(readyAfter=100)
    assert result.result == {"report": "sales", "status": "gave up", "checks": MAX_CHECKS}
    assert len(checks(result)) == MAX_CHECKS
    assert delays(result) == [5, 10, 20, 40, 60, 60, 60]
    assert checks(result)[-1]["EventType"] == "StepFailed"
