"""What must hold after a chaos run, read straight from the SQLite file and the
handlers' record file (both outside the processes under test, so a process that lies
about itself cannot hide anything):

* every accepted execution exists and has settled (ended) once the faults stopped;
* no at-most-once step attempt ran twice (the record file has each at most once);
* every timer fired exactly once: one WaitStarted and at most one WaitSucceeded per
  wait, and exactly one in an execution that succeeded;
* every history is gap-free (EventIds 1..n) and has exactly one InvocationCompleted
  per invocation (RequestId);
* the database passes its integrity check (SQLite's `PRAGMA integrity_check`;
  PostgreSQL's amcheck on every B-tree index and a scan of every table).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perdure._store.document_encoding import stored_event_json
from perdure._store.stored_arns import arn_key, arn_sql, matches_arn
from tests.chaos.database import ChaosDatabase

# Executions store no ARN: it is derived from the row (perdure._store.stored_arns).
STORED_ARN = arn_sql("executions")

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"})


@dataclass(frozen=True)
class Violation:
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.detail}"


@dataclass
class Findings:
    violations: list[Violation] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    executions: int = 0
    events: int = 0
    failures: list[str] = field(default_factory=list)  # executions that ended FAILED etc.

    def add(self, rule: str, detail: str) -> None:
        self.violations.append(Violation(rule, detail))


def statuses(database: ChaosDatabase, arns: Iterable[str]) -> dict[str, str | None]:
    """The status of each ARN (None: not in the database)."""
    wanted = list(arns)
    found: dict[str, str | None] = dict.fromkeys(wanted)
    db = database.connect()
    try:
        for arn, status in db.execute(f"SELECT {STORED_ARN}, status FROM executions"):
            if arn in found:
                found[arn] = status
    finally:
        db.close()
    return found


def unsettled(database: ChaosDatabase, arns: Iterable[str]) -> list[str]:
    return [arn for arn, status in statuses(database, arns).items() if status not in TERMINAL]


def describe(database: ChaosDatabase, arn: str) -> str:
    """Where an execution stands, for a report: status, invocation state, lease,
    pending timers and its last events."""
    db = database.connect()
    try:
        row = db.execute(
            "SELECT id, status, invocation, invoke_at, lease_owner, lease_expires, start_ms "
            f"FROM executions WHERE {matches_arn('executions', '?')}",
            arn_key(arn),
        ).fetchone()
        if row is None:
            return f"{arn}: not stored"
        eid, status, invocation, invoke_at, owner, expires, start_ms = row
        timers = db.execute(
            "SELECT kind, due_ms FROM timers WHERE execution_id=?", (eid,)
        ).fetchall()
        docs = db.execute(
            "SELECT event_id, doc FROM events WHERE execution_id=? ORDER BY event_id DESC LIMIT 4",
            (eid,),
        ).fetchall()
        events = [stored_event_json(d, i, eid, start_ms).get("EventType") for i, d in docs]
    finally:
        db.close()
    return (
        f"{arn}: {status}, invocation {invocation} at {invoke_at}, lease {owner} until "
        f"{expires}, timers {timers}, last events {events[::-1]}"
    )


def check(database: ChaosDatabase, accepted: Mapping[str, str], record: Path) -> Findings:
    """Check every invariant. `accepted`: ARN -> function name of each execution the
    API accepted (answered with its ARN)."""
    findings = Findings()
    db = database.connect()
    try:
        for problem in database.integrity_problems()[:10]:
            findings.add("integrity", problem)
        rows = db.execute(
            f"SELECT id, {STORED_ARN}, status, error, start_ms FROM executions"
        ).fetchall()
        findings.executions = len(rows)
        by_arn = {arn: (eid, status, error) for eid, arn, status, error, _ in rows}
        for arn, function in sorted(accepted.items()):
            if arn not in by_arn:
                findings.add("exists", f"{function} {arn} was accepted but is not stored")
            elif by_arn[arn][1] not in TERMINAL:
                findings.add("settles", f"{function} {arn} is still {by_arn[arn][1]}")
        for eid, arn, status, error, start_ms in rows:
            findings.statuses[status] += 1
            if status in TERMINAL and status != "SUCCEEDED":
                findings.failures.append(f"{arn} {status}: {_error_text(error)}")
            events = [
                (event_id, stored_event_json(doc, event_id, eid, start_ms))
                for event_id, doc in db.execute(
                    "SELECT event_id, doc FROM events WHERE execution_id=? ORDER BY event_id",
                    (eid,),
                )
            ]
            findings.events += len(events)
            _check_history(arn, status, events, findings)
    finally:
        db.close()
    _check_at_most_once(record, findings)
    return findings


def _error_text(error: str | None) -> str:
    if not error:
        return "-"
    try:
        doc = json.loads(error)
    except ValueError:
        return error[:200]
    if isinstance(doc, dict):
        return f"{doc.get('ErrorType', '')}: {str(doc.get('ErrorMessage', ''))[:200]}"
    return str(doc)[:200]


def _check_history(
    arn: str, status: str, events: list[tuple[int, dict[str, Any]]], findings: Findings
) -> None:
    ids = [event_id for event_id, _ in events]
    if ids != list(range(1, len(ids) + 1)):
        missing = sorted(set(range(1, max(ids, default=0) + 1)) - set(ids))
        findings.add("gap-free", f"{arn}: EventIds {ids[:3]}...{ids[-3:]}, missing {missing[:10]}")
    requests = Counter(
        doc.get("InvocationCompletedDetails", {}).get("RequestId")
        for _, doc in events
        if doc.get("EventType") == "InvocationCompleted"
    )
    for request_id, count in requests.items():
        if count != 1:
            findings.add("one-completion", f"{arn}: invocation {request_id} completed {count}x")
    waits_started = Counter(
        doc.get("Id") for _, doc in events if doc.get("EventType") == "WaitStarted"
    )
    waits_ended = Counter(
        doc.get("Id") for _, doc in events if doc.get("EventType") == "WaitSucceeded"
    )
    for op_id, count in waits_started.items():
        if count != 1:
            findings.add("timer-once", f"{arn}: wait {op_id} started {count}x")
        ended = waits_ended.get(op_id, 0)
        if ended > 1 or (status == "SUCCEEDED" and ended != 1):
            findings.add("timer-once", f"{arn}: wait {op_id} ended {ended}x ({status})")
    for op_id in waits_ended.keys() - waits_started.keys():
        findings.add("timer-once", f"{arn}: wait {op_id} ended but never started")


def record_lines(record: Path) -> list[list[str]]:
    if not record.exists():
        return []
    text = record.read_text(encoding="utf-8", errors="replace")
    return [line.split() for line in text.splitlines() if line.strip()]


def _check_at_most_once(record: Path, findings: Findings) -> None:
    runs = Counter(
        (key, name, attempt)
        for what, key, name, attempt, *_ in record_lines(record)
        if what == "amo"
    )
    for (key, name, attempt), count in sorted(runs.items()):
        if count > 1:
            findings.add("at-most-once", f"{key} step {name} attempt {attempt} ran {count}x")
