"""Comparing a crashed execution's history with an uncrashed one, event for event.

Three steps, each as narrow as the claim allows:

1. `remove_crash_events` takes out exactly the events the crashes account for, and fails
   on any it cannot account for: one failed InvocationCompleted per crash (matched by
   request id, with the crash's error), and for each at-most-once step the crash cut off
   its StepInterruptedError retry (StepFailed), the invocation that suspended for it, and
   the step's second StepStarted; that step's later attempts are numbered back by one.
2. `canonical` fixes the freedoms concurrency leaves. Events of different branches of a
   map or parallel may interleave in any order, so incomparable events are put in a
   fixed order, while every pair of events on one line of control (a branch and its
   ancestors, the execution and its invocations) keeps its recorded order. And while a
   map or parallel is open, where invocations end depends on when each branch's retry
   falls due, which a crash's retry backoff legitimately shifts; so suspensions (clean
   InvocationCompleted events) inside an open batch are not compared. Everywhere else the
   program runs one line at a time, its timers outlast any crash's delay, and every
   suspension must match.
3. `normalise` drops timestamps and EventIds (checked to run 1, 2, 3...) and replaces
   generated ids (the execution's id and name, request ids, callback ids) with
   placeholders.

What is left must be equal: every event, its type, subtype, id, name, parent and details.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tests.properties.crash_injection import Crash

Event = dict[str, Any]

_CONCURRENT = frozenset({"Map", "Parallel"})
_INTERRUPTED = "StepInterruptedError"


def _error_of(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    details = event.get(f"{event['EventType']}Details", {})
    error = details.get("Error")
    return None if error is None else dict(error.get("Payload", {}))


def check_event_ids(history: Sequence[Mapping[str, Any]]) -> None:
    """EventIds run 1, 2, 3... and every invocation ended once."""
    ids = [e["EventId"] for e in history]
    assert ids == list(range(1, len(ids) + 1)), f"EventIds are not 1..n in order: {ids}"
    requests = [
        e["InvocationCompletedDetails"]["RequestId"]
        for e in history
        if e["EventType"] == "InvocationCompleted"
    ]
    assert len(set(requests)) == len(requests), f"an invocation ended twice: {requests}"


def remove_crash_events(
    history: Sequence[Mapping[str, Any]], crashes: Sequence[Crash], kind: str
) -> list[Event]:
    """The history without the events the crashes added; fails on a crash that left no
    failed invocation, or a failed invocation no crash explains."""
    by_request = {c.request_id: c for c in crashes}
    assert len(by_request) == len(crashes), f"two crashes in one invocation: {crashes}"
    drop: set[int] = set()
    seen: set[str] = set()
    for i, e in enumerate(history):
        if e["EventType"] != "InvocationCompleted":
            continue
        details = e["InvocationCompletedDetails"]
        error = _error_of(e)
        if error is None:
            continue
        crash = by_request.get(details["RequestId"])
        assert crash is not None, f"an invocation failed that no crash explains: {e}"
        _check_crash_error(error, crash, kind)
        seen.add(crash.request_id)
        drop.add(i)
    missing = [c for c in crashes if c.request_id not in seen]
    assert not missing, f"crashes without a failed InvocationCompleted: {missing}"

    renumber: dict[str, int] = {}
    for i, e in enumerate(history):
        if e["EventType"] != "StepFailed":
            continue
        error = _error_of(e)
        if error is None or not str(error.get("ErrorType")).endswith(_INTERRUPTED):
            continue
        op = e["Id"]
        drop.add(i)
        restart = _next(history, i, lambda x, op=op: _is(x, "StepStarted", op))
        assert restart is not None, f"an interrupted step never started again: {e}"
        drop.add(restart)
        suspension = _next(history, i, lambda x: x["EventType"] == "InvocationCompleted")
        if suspension is not None and _error_of(history[suspension]) is None:
            drop.add(suspension)
        renumber[op] = renumber.get(op, 0) + 1

    kept: list[Event] = []
    for i, original in enumerate(history):
        if i in drop:
            continue
        event = copy.deepcopy(dict(original))
        shift = renumber.get(event.get("Id", ""))
        if shift:
            retry = event.get(f"{event['EventType']}Details", {}).get("RetryDetails")
            if retry is not None:
                retry["CurrentAttempt"] -= shift
        kept.append(event)
    return kept


def _check_crash_error(error: Mapping[str, Any], crash: Crash, kind: str) -> None:
    message = str(error.get("ErrorMessage", ""))
    if kind == "process":
        assert error.get("ErrorType") == "Runtime.ExitError", error
        assert "SIGKILL" in message or "exit status -9" in message, error
    else:
        assert f"invocation {crash.request_id} crashed" in message, error


def _is(event: Mapping[str, Any], event_type: str, op: str) -> bool:
    return bool(event["EventType"] == event_type and event.get("Id") == op)


def _next(history: Sequence[Mapping[str, Any]], after: int, match: Any) -> int | None:
    for j in range(after + 1, len(history)):
        if match(history[j]):
            return j
    return None


def normalise(history: Iterable[Mapping[str, Any]]) -> list[Event]:
    """Without timestamps and EventIds, generated ids replaced by placeholders: the
    execution's id and name, callback ids numbered in order of appearance (so the same
    callback must carry the same id throughout), request ids (unique, check_event_ids)
    all alike, since not every invocation's end is compared."""
    generated: dict[str, str] = {}
    callbacks = 0
    events = [copy.deepcopy(dict(e)) for e in history]
    for e in events:
        kind = e["EventType"]
        if kind == "ExecutionStarted":
            generated.setdefault(e["Id"], "<execution>")
            generated.setdefault(e.get("Name", e["Id"]), "<execution-name>")
        elif kind == "InvocationCompleted":
            generated.setdefault(e["InvocationCompletedDetails"]["RequestId"], "<request>")
        elif kind == "CallbackStarted":
            callbacks += 1
            generated.setdefault(e["CallbackStartedDetails"]["CallbackId"], f"<cb-{callbacks}>")
    out = []
    for e in events:
        e.pop("EventId", None)
        out.append(_scrub(e, generated))
    return out


def _scrub(value: Any, generated: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v, generated) for k, v in value.items() if not k.endswith("Timestamp")}
    if isinstance(value, list):
        return [_scrub(v, generated) for v in value]
    if isinstance(value, str):
        for raw, placeholder in generated.items():
            value = value.replace(raw, placeholder)
    return value


def _lanes(history: Sequence[Mapping[str, Any]]) -> list[tuple[str, ...]]:
    """Each event's line of control: the map/parallel branches it runs under, outermost
    first (empty for the execution's own line)."""
    parent: dict[str, str | None] = {}
    subtype: dict[str, str | None] = {}
    for e in history:
        if "Id" in e:
            parent.setdefault(e["Id"], e.get("ParentId"))
            subtype.setdefault(e["Id"], e.get("SubType"))
    lanes = []
    for e in history:
        lane: list[str] = []
        op = e.get("Id") if e["EventType"] != "InvocationCompleted" else None
        while op is not None:
            up = parent.get(op)
            if up is not None and subtype.get(up) in _CONCURRENT:
                lane.append(op)
            op = up
        lanes.append(tuple(reversed(lane)))
    return lanes


def _comparable(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def without_suspensions_inside_batches(history: Sequence[Event]) -> list[Event]:
    open_batches: set[str] = set()
    out = []
    for e in history:
        kind = e["EventType"]
        if kind == "ContextStarted" and e.get("SubType") in _CONCURRENT:
            open_batches.add(e["Id"])
        elif kind in ("ContextSucceeded", "ContextFailed"):
            open_batches.discard(e["Id"])
        elif kind == "InvocationCompleted" and open_batches and _error_of(e) is None:
            continue
        out.append(e)
    return out


def canonical(history: Sequence[Event]) -> list[Event]:
    """The recorded order where it means something, a fixed order where it does not: of
    the events that no earlier event on a comparable line holds back, take the one on
    the smallest line, and repeat."""
    lanes = _lanes(history)
    queues: dict[tuple[str, ...], list[int]] = {}
    for i, lane in enumerate(lanes):
        queues.setdefault(lane, []).append(i)
    heads = {lane: 0 for lane in queues}
    out: list[Event] = []
    while len(out) < len(history):
        firsts = {lane: q[heads[lane]] for lane, q in queues.items() if heads[lane] < len(q)}
        ready = [
            lane
            for lane, first in firsts.items()
            if all(
                other == lane or not _comparable(lane, other) or firsts[other] > first
                for other in firsts
            )
        ]
        lane = min(ready)
        out.append(history[firsts[lane]])
        heads[lane] += 1
    return out


def history_difference(reference: Sequence[Event], crashed: Sequence[Event]) -> str | None:
    """None if the two histories (the crashed one without its crash events) are the same
    modulo interleaving and generated values, else the first difference, with the
    events around it in both."""
    ref = normalise(canonical(without_suspensions_inside_batches(reference)))
    got = normalise(canonical(without_suspensions_inside_batches(crashed)))
    if ref == got:
        return None
    at = next((i for i, (a, b) in enumerate(zip(ref, got, strict=False)) if a != b), None)
    if at is None:
        at = min(len(ref), len(got))
        what = f"{len(got) - len(ref):+d} events at the end"
    else:
        what = (
            f"event {at} differs:\n  expected {json.dumps(ref[at], sort_keys=True)}\n"
            f"  got      {json.dumps(got[at], sort_keys=True)}"
        )
    return f"{what}\nexpected:\n{_excerpt(ref, at)}\ngot:\n{_excerpt(got, at)}"


def _excerpt(history: Sequence[Event], at: int) -> str:
    lines = []
    for i in range(max(0, at - 8), min(len(history), at + 8)):
        e = history[i]
        details = json.dumps(e.get(f"{e['EventType']}Details"), sort_keys=True)
        mark = ">" if i == at else " "
        lines.append(f"{mark}{i:4} {e['EventType']} {e.get('Name', '')} {details[:100]}")
    return "\n".join(lines)
