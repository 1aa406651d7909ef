"""Running a program to its end on the test runner, with or without crashes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perdure.testing import DurableTestRunner
from tests.properties.crash_injection import CrashingInvoker, CrashPlan, InvokerKind, When
from tests.properties.crash_programs import Program, program_handler

PROCESS_TARGET = "tests.properties.crash_programs:process_handler"
# Enough for three crashes in a row without giving up on the execution.
MAX_INVOCATION_FAILURES = 10


@dataclass
class Run:
    arn: str
    status: str
    result: str | None
    history: list[dict[str, Any]]
    body_runs: Counter[tuple[str, int]]  # (journal key, attempt) -> times the body ran


def drive(runner: DurableTestRunner, program: Program, journal: Path) -> Run:
    """Run the program to its end: answer each callback once the execution has
    suspended cleanly on it (as an outside caller would), else move time to the next
    timer (a wait, a step retry, an invocation retry)."""
    journal.write_text("")
    arn = runner.run_async({"program": program, "journal": str(journal)})
    answered: set[str] = set()
    for _ in range(500):
        assert runner.wait_idle(30), "the runtime did not settle"
        if runner.get_execution(arn)["Status"] != "RUNNING":
            break
        history = runner.get_execution_history(arn)
        last = history[-1]
        suspended = (
            last["EventType"] == "InvocationCompleted"
            and "Error" not in (last["InvocationCompletedDetails"])
        )
        pending = [
            e
            for e in history
            if e["EventType"] == "CallbackStarted"
            and e["CallbackStartedDetails"]["CallbackId"] not in answered
        ]
        if suspended and pending:
            callback_id = pending[0]["CallbackStartedDetails"]["CallbackId"]
            answered.add(callback_id)
            runner.send_callback_success(callback_id, f'"{pending[0]["Name"]}"')
            continue
        nxt = runner.next_timer_at()
        assert nxt is not None, "the execution is stuck with nothing pending"
        runner.advance_to(nxt)
    execution = runner.get_execution(arn)
    runs: Counter[tuple[str, int]] = Counter()
    for line in journal.read_text().splitlines():
        key, attempt = line.split()
        runs[(key, int(attempt))] += 1
    return Run(
        arn, execution["Status"], execution.get("Result"), runner.get_execution_history(arn), runs
    )


def _run(program: Program, journal: Path, plan: CrashPlan, kind: InvokerKind) -> Run:
    handler = PROCESS_TARGET if kind == "process" else program_handler
    with DurableTestRunner(
        handler, time="manual", invoker=kind, max_invocation_failures=MAX_INVOCATION_FAILURES
    ) as runner:
        app = runner._app
        app.dispatcher._invoker = CrashingInvoker(app.client, runner._clock, plan, kind)
        return drive(runner, program, journal)


def run_reference(program: Program, journal: Path) -> tuple[Run, int]:
    """The uncrashed run (in threads), and how many checkpoint calls it made."""
    plan = CrashPlan({})
    return _run(program, journal, plan, "thread"), plan.calls


def run_crashed(
    program: Program, journal: Path, points: dict[int, When], kind: InvokerKind
) -> tuple[Run, CrashPlan]:
    """The run with crashes at `points`. Should it end before the first point (the call
    count varies by a few percent with how concurrent branches share batches), it runs
    again with that point moved to the last call seen, so every example does crash."""
    points = dict(points)
    for _ in range(3):
        plan = CrashPlan(dict(points))
        run = _run(program, journal, plan, kind)
        if plan.fired:
            return run, plan
        first = min(points)
        points[min(first, plan.calls)] = points.pop(first)
    raise AssertionError(f"no crash fired (planned {points}, {plan.calls} calls)")
