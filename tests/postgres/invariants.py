"""What must hold after a PostgreSQL fault run, read from the database and the
handlers' record file (both outside the processes under test):

* every accepted execution is stored and ended, and (when asked) succeeded;
* every history is gap-free (EventIds 1..n) with one InvocationCompleted per invocation;
* every timer fired exactly once: one WaitStarted and one WaitSucceeded per wait of an
  execution that succeeded (at most one of each otherwise);
* no at-most-once step attempt ran twice.

The findings are the chaos suite's (`tests.chaos.invariants.Findings`), so reports read
alike; the checks read PostgreSQL instead of a SQLite file.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psycopg

from perdure._store.document_encoding import stored_event_json
from tests.chaos.invariants import STORED_ARN, TERMINAL, Findings, record_lines


def statuses(url: str) -> Counter[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT status, COUNT(*) FROM executions GROUP BY status").fetchall()
    return Counter({str(status): int(count) for status, count in rows})


def unsettled(url: str, arns: set[str]) -> list[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(f"SELECT {STORED_ARN}, status FROM executions").fetchall()
    ended = {arn for arn, status in rows if status in TERMINAL}
    return sorted(arns - ended)


def check(
    url: str, accepted: Mapping[str, str], record: Path, *, all_succeed: bool = True
) -> Findings:
    """Every invariant of the module doc. `accepted`: ARN -> function of each execution
    the API answered with its ARN."""
    findings = Findings()
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(f"SELECT id, {STORED_ARN}, status, error FROM executions").fetchall()
        histories: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        for execution_id, event_id, doc, start_ms in conn.execute(
            "SELECT v.execution_id, v.event_id, v.doc, x.start_ms FROM events v "
            "JOIN executions x ON x.id = v.execution_id ORDER BY v.execution_id, v.event_id"
        ):
            event = stored_event_json(doc, int(event_id), execution_id, int(start_ms))
            histories[execution_id].append((int(event_id), event))
    findings.executions = len(rows)
    by_arn = {arn: (eid, status, error) for eid, arn, status, error in rows}
    for arn, function in sorted(accepted.items()):
        if arn not in by_arn:
            findings.add("exists", f"{function} {arn} was accepted but is not stored")
        elif by_arn[arn][1] not in TERMINAL:
            findings.add("settles", f"{function} {arn} is still {by_arn[arn][1]}")
    for eid, arn, status, error in rows:
        findings.statuses[status] += 1
        if status in TERMINAL and status != "SUCCEEDED":
            findings.failures.append(f"{arn} {status}: {str(error)[:300]}")
            if all_succeed:
                findings.add("succeeds", f"{arn} ended {status}: {str(error)[:300]}")
        events = histories.get(eid, [])
        findings.events += len(events)
        _check_history(arn, status, events, findings)
    _check_at_most_once(record, findings)
    return findings


def _check_history(
    arn: str, status: str, events: list[tuple[int, dict[str, Any]]], findings: Findings
) -> None:
    ids = [event_id for event_id, _ in events]
    if ids != list(range(1, len(ids) + 1)):
        findings.add("gap-free", f"{arn}: EventIds {ids[:5]}...{ids[-5:]}")
    completions = Counter(
        doc.get("InvocationCompletedDetails", {}).get("RequestId")
        for _, doc in events
        if doc.get("EventType") == "InvocationCompleted"
    )
    for request_id, count in completions.items():
        if count != 1:
            findings.add("one-completion", f"{arn}: invocation {request_id} completed {count}x")
    started = Counter(doc.get("Id") for _, doc in events if doc.get("EventType") == "WaitStarted")
    ended = Counter(doc.get("Id") for _, doc in events if doc.get("EventType") == "WaitSucceeded")
    for op_id in started.keys() | ended.keys():
        pair = (started.get(op_id, 0), ended.get(op_id, 0))
        if pair != (1, 1) and (status == "SUCCEEDED" or max(pair) > 1 or pair[0] == 0):
            findings.add("timer-once", f"{arn}: wait {op_id} started {pair[0]}x, ended {pair[1]}x")


def _check_at_most_once(record: Path, findings: Findings) -> None:
    runs = Counter(
        (key, name, attempt)
        for what, key, name, attempt, *_ in record_lines(record)
        if what == "amo"
    )
    for (key, name, attempt), count in sorted(runs.items()):
        if count > 1:
            findings.add("at-most-once", f"{key} step {name} attempt {attempt} ran {count}x")
