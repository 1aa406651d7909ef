"""Runs one conformance requirement on Perdure's local test runner and judges it.

How a requirement is driven:

- Its handler is ``tests.conformance.handlers.<suite>:handler_<a>_<b>``; the invoke targets
  (TargetEcho, TargetError, TargetEchoTenant) are registered as extra functions for every run.
- Time is **manual**: a discrete-event loop waits until the engine is idle, reads the history,
  schedules the ``CallbackActions`` for newly started callbacks, then moves the clock to the
  earliest of (next due callback action, ``runner.next_timer_at()``) and repeats until the
  execution is terminal (or, for history-only requirements, until the expected history has
  appeared). Real-time ordering between callbacks and timers is preserved; the run takes
  milliseconds instead of the seconds AWS's runner sleeps.
- Callback actions follow AWS's runner: each new CallbackStarted (in event order) takes the
  first unused action whose ``CallbackName`` matches its Name; its ``Delay`` counts from when
  the runner gets to it, and delays of callbacks handled in one pass add up (the runner sleeps
  sequentially). A heartbeat does not consume the callback: the next matching action is then
  scheduled for it. With no actions configured, callbacks are left open (timeout tests).
  One deliberate difference: a callback is noticed as soon as the engine is idle, where
  AWS's runner notices it at its next 2 s poll; no requirement's event order depends on it.
- Judging follows the suite: full history match, then the result rule, then ExpectedLogs;
  the first failing category is reported with its first mismatching field.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tests.conformance import matcher, requirements
from tests.conformance.handlers.targets import FUNCTIONS as TARGET_FUNCTIONS
from tests.conformance.matcher import Bindings, Mismatch
from tests.conformance.requirements import Requirement

# Requirements whose handler crashes its process (os._exit): they need the process invoker,
# which records the crash as InvocationCompleted{Error: Runtime.ExitError} and re-invokes.
PROCESS_INVOKER: dict[str, str] = {
    "1-17": "AT_MOST_ONCE step crashes the process",
    "1-18": "AT_MOST_ONCE step crashes the process, then is retried",
    "3-12": "step inside a child context crashes the process after StepStarted",
}

# Requirements that must run on the wall clock instead of the manual clock, with the reason.
# Empty: every requirement is driven deterministically.
REAL_TIME: dict[str, str] = {}

# Requirements expected to fail for reasons OUTSIDE Perdure (a defect in the requirement
# file, say), with the reason. Applied as pytest.mark.xfail(strict=True). Never list an
# engine or SDK bug here: fix it instead.
EXPECTED_FAILURES: dict[str, str] = {}

# ExecutionTimeout per requirement (AWS's templates: 300 s, and longer for the long waits).
EXECUTION_TIMEOUT_S: dict[str, int] = {"2-4": 3700, "2-5": 7200}
DEFAULT_EXECUTION_TIMEOUT_S = 300

# AWS's async runner fails when the history has not grown for this long.
NO_PROGRESS_TIMEOUT_MS = 30_000
IDLE_TIMEOUT_S = 60.0  # real seconds to wait for invocations to settle (process spawns)
MAX_STEPS = 1_000  # discrete-event loop bound, against an engine that never settles
REAL_TIME_POLL_S = 0.05
REAL_TIME_LIMIT_S = 120.0

SEED_ENV = "PERDURE_CONFORMANCE_SEED"
HANDLER_PACKAGE = "tests.conformance.handlers"


def handler_reference(requirement: Requirement) -> str:
    """``module:attr`` of the handler for a requirement."""
    return f"{HANDLER_PACKAGE}.{requirement.suite}:handler_{requirement.id.replace('-', '_')}"


def resolve(reference: str) -> Any:
    """Import a ``module:attr`` reference."""
    module_name, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def time_mode(requirement_id: str) -> Literal["manual", "real"]:
    return "real" if requirement_id in REAL_TIME else "manual"


def invoker_kind(requirement_id: str) -> Literal["thread", "process"]:
    return "process" if requirement_id in PROCESS_INVOKER else "thread"


# ----------------------------------------------------------------------------- verdict


@dataclass
class Verdict:
    """The outcome of one requirement, with everything a failure report needs."""

    requirement: Requirement
    category: str  # "passed", "history", "result", "logs" or "driver"
    mismatch: Mismatch | None = None
    detail: str = ""
    status: str | None = None
    raw_result: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seed: int = 0
    elapsed_s: float = 0.0

    @property
    def passed(self) -> bool:
        return self.category == "passed"

    def headline(self) -> str:
        """One line: the first mismatching field (or the driver problem)."""
        if self.passed:
            return "passed"
        if self.mismatch:
            return f"{self.category}: {self.mismatch.path}: {self.mismatch.reason}"
        return f"{self.category}: {self.detail.splitlines()[0] if self.detail else '?'}"

    def report(self) -> str:
        """The multi-line failure report shown by pytest and the console report."""
        req = self.requirement
        lines = [
            f"requirement {req.id} ({req.suite}): {req.description}",
            f"  file: {req.path}",
            f"  handler: {handler_reference(req)}  time={time_mode(req.id)}  "
            f"invoker={invoker_kind(req.id)}  seed={self.seed}",
            f"  outcome: {self.category}" + ("" if self.passed else " (first mismatch below)"),
        ]
        if self.mismatch:
            lines += ["    " + line for line in self.mismatch.describe().splitlines()]
        if self.detail:
            lines += ["    " + line for line in self.detail.splitlines()]
        lines.append(f"  status: {self.status}  result: {_clip(self.raw_result)}")
        lines += [f"  note: {note}" for note in self.notes]
        lines.append("  actual history:")
        lines += ["    " + line for line in format_history(self.history)] or ["    (none)"]
        if req.expected_logs:
            lines.append(f"  logs ({len(self.logs)} records):")
            lines += [f"    {_clip(json.dumps(record, default=repr), 200)}" for record in self.logs]
        return "\n".join(lines)


def _clip(text: str | None, limit: int = 160) -> str:
    if text is None:
        return "None"
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def format_history(events: Sequence[Mapping[str, Any]]) -> list[str]:
    """A compact one-line-per-event rendering of a history, for failure reports."""
    lines = []
    for event in events:
        parts = [f"{event.get('EventId', '?'):>3} {event.get('EventType', '?')}"]
        for key in ("SubType", "Name", "Id", "ParentId"):
            if key in event:
                parts.append(f"{key}={_clip(str(event[key]), 24)}")
        details = {k: v for k, v in event.items() if k.endswith("Details") and v}
        if details:
            parts.append(_clip(json.dumps(details, default=repr), 240))
        lines.append(" ".join(parts))
    return lines


# ----------------------------------------------------------------------------- driving


@dataclass
class _ScheduledAction:
    due_ms: int
    action_index: int
    callback_id: str
    name: Any


class _Driver:
    """The discrete-event loop for one execution (see the module docstring)."""

    def __init__(self, runner: Any, requirement: Requirement, bindings: Bindings) -> None:
        self.runner = runner
        self.requirement = requirement
        self.bindings = bindings
        self.actions = [matcher.substitute(dict(a), bindings) for a in requirement.callback_actions]
        self.used_actions: set[int] = set()
        self.settled_callbacks: set[str] = set()  # callbacks no further action is chosen for
        self.pending: list[_ScheduledAction] = []
        self.cursor_ms = 0  # when the (sequential) callback sender is next free
        self.notes: list[str] = []
        self.manual = time_mode(requirement.id) == "manual"

    def events(self, arn: str) -> list[dict[str, Any]]:
        events = list(self.runner.get_execution_history(arn))
        if self.requirement.async_invoke:
            events = matcher.inherit_wait_for_callback_names(events)
        return events

    def status(self, arn: str, events: Sequence[Mapping[str, Any]]) -> str | None:
        status = self.runner.get_execution(arn).get("Status")
        if status and status != "RUNNING":
            return str(status)
        return matcher.status_from_history(events)

    def drive(self, arn: str) -> tuple[list[dict[str, Any]], str | None]:
        """Run until terminal (or history-only match); return the last history and status."""
        start_ms = self.runner.now_ms()
        self.cursor_ms = start_ms
        last_count, last_growth_ms = -1, start_ms
        deadline = time.monotonic() + REAL_TIME_LIMIT_S
        for _ in range(MAX_STEPS):
            if not self.runner.wait_idle(timeout=IDLE_TIMEOUT_S):
                raise _Stuck(f"the runner did not become idle within {IDLE_TIMEOUT_S:.0f} s")
            events = self.events(arn)
            status = self.status(arn, events)
            now = self.runner.now_ms()
            if len(events) != last_count:
                last_count, last_growth_ms = len(events), now
            if status is not None:
                return events, status
            if self.requirement.history_only and self._history_matches(events):
                self.notes.append("history-only: stopped once the expected history matched")
                return events, status
            self._schedule_new_callbacks(events, now)
            if self._send_due_actions(now):
                continue
            due = [a.due_ms for a in self.pending]
            timer = self.runner.next_timer_at()
            candidates = [*due, *([timer] if timer is not None else [])]
            if self.manual:
                if not candidates:
                    raise _Stuck("execution is RUNNING with no timer and no callback action due")
                target = max(min(candidates), now)
                if self.requirement.async_invoke and target - last_growth_ms > (
                    NO_PROGRESS_TIMEOUT_MS
                ):
                    raise _Stuck(
                        f"no new event for {NO_PROGRESS_TIMEOUT_MS // 1000} s of execution "
                        f"time (next timer/action at +{(target - start_ms) / 1000:.1f} s)"
                    )
                self.runner.advance_to(target)
                self._send_due_actions(self.runner.now_ms())
            else:
                if time.monotonic() > deadline:
                    raise _Stuck(f"not terminal after {REAL_TIME_LIMIT_S:.0f} s of real time")
                wait_ms = min([REAL_TIME_POLL_S * 1000, *[d - now for d in due]])
                time.sleep(max(wait_ms, 0) / 1000)
        raise _Stuck(f"not terminal after {MAX_STEPS} idle/advance steps")

    def _history_matches(self, events: Sequence[Mapping[str, Any]]) -> bool:
        trial = dict(self.bindings)
        return matcher.match_history(self.requirement.expected_history, events, trial) is None

    def _schedule_new_callbacks(self, events: Sequence[Mapping[str, Any]], now: int) -> None:
        for event in events:
            if event.get("EventType") != "CallbackStarted":
                continue
            details = event.get("CallbackStartedDetails") or {}
            callback_id = details.get("CallbackId")
            if not callback_id or callback_id in self.settled_callbacks:
                continue
            if any(p.callback_id == callback_id for p in self.pending):
                continue
            if not self.actions:
                self.settled_callbacks.add(callback_id)  # left open: a timeout test
                continue
            if not self._schedule_next_action(callback_id, event.get("Name"), now):
                self.settled_callbacks.add(callback_id)
                if not self._has_completed(events, event.get("Id")):
                    raise _Stuck(
                        f"CallbackStarted EventId {event.get('EventId')} "
                        f"(Name={event.get('Name')!r}) matches no unused CallbackAction"
                    )

    @staticmethod
    def _has_completed(events: Sequence[Mapping[str, Any]], operation_id: Any) -> bool:
        return any(
            e.get("Id") == operation_id
            and e.get("EventType") in {"CallbackSucceeded", "CallbackFailed", "CallbackTimedOut"}
            for e in events
        )

    def _schedule_next_action(self, callback_id: str, name: Any, now: int) -> bool:
        for index, action in enumerate(self.actions):
            if index in self.used_actions:
                continue
            if not matcher.callback_name_matches(action.get("CallbackName"), name, self.bindings):
                continue
            self.used_actions.add(index)
            delay_ms = int(float(action.get("Delay") or 0) * 1000)
            self.cursor_ms = max(self.cursor_ms, now) + delay_ms
            self.pending.append(_ScheduledAction(self.cursor_ms, index, callback_id, name))
            return True
        return False

    def _send_due_actions(self, now: int) -> bool:
        """Send every scheduled action that is due; True when anything was sent."""
        sent = False
        while True:
            due = sorted(
                (a for a in self.pending if a.due_ms <= now),
                key=lambda a: (a.due_ms, a.action_index),
            )
            if not due:
                return sent
            scheduled = due[0]
            self.pending.remove(scheduled)
            action = self.actions[scheduled.action_index]
            operation = str(action.get("Operation", "")).lower()
            self._send(operation, action, scheduled.callback_id)
            sent = True
            if operation == "heartbeat":
                # A heartbeat leaves the callback open: the next matching action completes it.
                if not self._schedule_next_action(scheduled.callback_id, scheduled.name, now):
                    self.settled_callbacks.add(scheduled.callback_id)
            else:
                self.settled_callbacks.add(scheduled.callback_id)

    def _send(self, operation: str, action: Mapping[str, Any], callback_id: str) -> None:
        label = f"{operation} to callback {callback_id!r} at t={self.runner.now_ms()}"
        try:
            if operation == "success":
                payload = (
                    json.dumps(action["Payload"]).encode("utf-8") if "Payload" in action else None
                )
                self.runner.send_callback_success(callback_id, payload)
            elif operation == "failure":
                self.runner.send_callback_failure(callback_id, _error_object(action.get("Payload")))
            elif operation == "heartbeat":
                self.runner.send_callback_heartbeat(callback_id)
            else:
                raise _Stuck(f"unknown CallbackAction Operation {operation!r}")
        except _Stuck:
            raise
        except Exception as error:
            raise _Stuck(f"sending {label} failed: {error!r}") from error
        self.notes.append(f"sent {label}")


def _error_object(payload: Any) -> Any:
    from perdure._model import ErrorObject

    fields = payload if isinstance(payload, Mapping) else {}
    return ErrorObject(
        message=fields.get("ErrorMessage"),
        type=fields.get("ErrorType"),
        data=fields.get("ErrorData"),
        stack_trace=fields.get("StackTrace"),
    )


class _Stuck(Exception):
    """The driver cannot make the execution progress the way the requirement needs."""


_ENV_LOCK = threading.Lock()


def _make_handlers_importable_by_child_processes() -> None:
    """Put the repository root on ``$PYTHONPATH`` for invoker child processes.

    Idempotent and never undone: requirements may run concurrently (``--jobs``), and
    restoring the variable under another run's feet would break its next spawn.
    """
    root = str(requirements.REPO_ROOT)
    with _ENV_LOCK:
        paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        if root not in paths:
            os.environ["PYTHONPATH"] = os.pathsep.join([root, *paths])


# ----------------------------------------------------------------------------- entry point


Run = Callable[[Requirement, Bindings, Verdict, str | None], None]


def run_requirement(
    requirement_id: str,
    *,
    root: Path | None = None,
    seed: int | None = None,
    db: str | None = None,
    run: Run | None = None,
) -> Verdict:
    """Run one requirement end to end and judge it, on the database `db` (a
    postgresql:// URL, say) or, by default, the runner's own temporary SQLite file.
    `run` drives the execution and fills the verdict (default: Perdure's handlers on
    its local runner; `aws_sdk.run` runs them under AWS's SDK)."""
    requirement = requirements.load_id(requirement_id, root)
    if seed is None:
        env_seed = os.environ.get(SEED_ENV)
        seed = int(env_seed) if env_seed else random.SystemRandom().randrange(2**31)
    bindings = matcher.generate_variables(requirement.variables, random.Random(seed))
    verdict = Verdict(requirement=requirement, category="driver", seed=seed)
    started = time.monotonic()
    try:
        (run or _run)(requirement, bindings, verdict, db)
    except Exception as error:
        verdict.category = "driver"
        if isinstance(error, _Stuck):
            verdict.detail = str(error)
        else:
            verdict.detail = "".join(traceback.format_exception_only(error)).strip()
            verdict.detail += "\n" + "".join(traceback.format_exc(limit=6))
    verdict.elapsed_s = time.monotonic() - started
    return verdict


def _run(requirement: Requirement, bindings: Bindings, verdict: Verdict, db: str | None) -> None:
    from perdure.testing import DurableTestRunner

    process = invoker_kind(requirement.id) == "process"
    reference = handler_reference(requirement)
    # The process invoker needs import strings; in-thread, hand over the objects themselves.
    handler = reference if process else resolve(reference)
    functions = {name: (ref if process else resolve(ref)) for name, ref in TARGET_FUNCTIONS.items()}
    if process:
        _make_handlers_importable_by_child_processes()
    with DurableTestRunner(
        handler,
        functions=functions,
        time=time_mode(requirement.id),
        invoker=invoker_kind(requirement.id),
        function_name=f"conformance-{requirement.id}",
        db_path=db,
    ) as runner:
        arn = runner.run_async(
            input=matcher.substitute(requirement.input, bindings),
            execution_timeout=EXECUTION_TIMEOUT_S.get(requirement.id, DEFAULT_EXECUTION_TIMEOUT_S),
        )
        driver = _Driver(runner, requirement, bindings)
        try:
            verdict.history, verdict.status = driver.drive(arn)
        finally:
            verdict.notes.extend(driver.notes)
        execution = runner.get_execution(arn)
        verdict.raw_result = execution.get("Result")
        verdict.status = str(execution.get("Status")) if execution.get("Status") else None
        if requirement.expected_logs:
            verdict.logs = [dict(record) for record in runner.get_logs(arn)]
    judge(requirement, bindings, verdict)


def judge(requirement: Requirement, bindings: Bindings, verdict: Verdict) -> None:
    """Apply the suite's checks in its order: history, result, logs; first failure wins."""
    if not requirement.async_invoke and not requirement.expected_history:
        verdict.category, verdict.detail = "history", "requirement lists no expected history"
        return
    found = matcher.match_history(requirement.expected_history, verdict.history, bindings)
    if found:
        verdict.category, verdict.mismatch = "history", found
        return
    if requirement.expected_result is not None:
        found = matcher.check_result(
            requirement.expected_result, verdict.status, verdict.raw_result, bindings
        )
        if found:
            verdict.category, verdict.mismatch = "result", found
            return
    if requirement.expected_logs:
        found = matcher.check_logs(requirement.expected_logs, verdict.logs, bindings)
        if found:
            verdict.category, verdict.mismatch = "logs", found
            return
    verdict.category = "passed"
