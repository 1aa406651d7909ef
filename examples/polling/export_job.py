"""Polling an outside system with `wait_for_condition`: start a report export, then check
its status until it is ready, waiting longer between checks each time.

Each check runs as a step and its state is checkpointed; between checks the execution is
suspended on a durable timer, so a poll that lasts hours holds no process. The wait
strategy backs off from 5 s to at most a minute, and gives up after 8 checks
(`WaitForConditionError`), which the handler turns into a clear result.

The export service is simulated: a job is ready once it has been checked `readyAfter`
times (3 by default), so the example needs no network and runs the same every time.
"""

from __future__ import annotations

from typing import Any

from perdure import (
    DurableContext,
    StepContext,
    WaitForConditionError,
    durable_execution,
    durable_step,
)
from perdure.config import Duration, JitterStrategy
from perdure.types import WaitForConditionCheckContext
from perdure.waits import WaitForConditionConfig, WaitStrategyConfig, create_wait_strategy

MAX_CHECKS = 8


@durable_step
def start_export(step_ctx: StepContext, report: str, ready_after: int) -> dict[str, Any]:
    """Ask the export service for a report; it answers with a job to poll."""
    return {"jobId": f"job-{report}", "status": "RUNNING", "checks": 0, "readyAfter": ready_after}


def check_job(job: dict[str, Any], ctx: WaitForConditionCheckContext) -> dict[str, Any]:
    """One look at the job (the simulated service's answer), returning the new state."""
    checks = job["checks"] + 1
    ready = checks >= job["readyAfter"]
    ctx.logger.info("check %d of %s: %s", checks, job["jobId"], "ready" if ready else "running")
    status = "READY" if ready else "RUNNING"
    url = f"https://reports.example/{job['jobId']}.csv" if ready else None
    return {**job, "checks": checks, "status": status, "url": url}


def _still_running(job: dict[str, Any]) -> bool:
    return bool(job["status"] == "RUNNING")


@durable_execution
def export_report(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    report = str(event.get("report", "sales"))
    job = context.step(start_export(report, int(event.get("readyAfter", 3))))
    strategy = create_wait_strategy(
        WaitStrategyConfig(
            should_continue_polling=_still_running,
            max_attempts=MAX_CHECKS,
            initial_delay=Duration.from_seconds(5),
            max_delay=Duration.from_minutes(1),
            backoff_rate=2.0,
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    config = WaitForConditionConfig(wait_strategy=strategy, initial_state=job)
    try:
        done = context.wait_for_condition(check_job, config=config, name="export-ready")
    except WaitForConditionError:
        return {"report": report, "status": "gave up", "checks": MAX_CHECKS}
    return {"report": report, "status": "ready", "url": done["url"], "checks": done["checks"]}
