"""Nothing lives only in memory: an execution started by one runtime is finished by the
next one on the same database file."""

from __future__ import annotations

from pathlib import Path

from perdure.testing import DurableTestRunner
from tests.integration.handlers import long_wait


def test_an_execution_waiting_in_the_database_resumes_after_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "perdure.db")
    with DurableTestRunner(long_wait, db_path=db, time="manual", synchronous="FULL") as first:
        arn = first.run_async()
        first.wait_idle()
        assert first.get_execution(arn)["Status"] == "RUNNING"
        waiting_since = first.now_ms()

    with DurableTestRunner(long_wait, db_path=db) as second:
        second.advance_to(waiting_since + 86_400_000)
        result = second.wait_for_result(arn, timeout=5)

    assert result.status == "SUCCEEDED"
    assert result.result == "woke up"
    kinds = [e["EventType"] for e in result.history]
    assert kinds == [
        "ExecutionStarted",
        "WaitStarted",
        "InvocationCompleted",
        "WaitSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]
