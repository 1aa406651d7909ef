"""An execution's operations as a tree: contexts (map and parallel, with their branches
and how they completed), steps with each attempt and its error, waits with their end,
callbacks with their id, timeouts and forms to answer them, invokes linked to the
execution they started.

The operations give each one's current state; the history gives what happened on the
way (each attempt of a step, a callback's timeouts, an invoke's child), so the tree
reads both.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from perdure._dashboard.executions_page import execution_link, status_badge
from perdure._dashboard.formats import duration, error_block, payload_block, short, when
from perdure._dashboard.layout import Frame, form
from perdure._dashboard.markup import Html, el, join
from perdure._model import ErrorObject, Event, EventType, Operation, OperationStatus, OperationType
from perdure._wire.operations import error_from_json

MAX_NODES = 1000
OPEN_BELOW = 60  # with fewer operations than this, every branch starts unfolded

_ATTEMPT_EVENTS = (EventType.STEP_SUCCEEDED, EventType.STEP_FAILED)


@dataclass
class _History:
    """What the history says about each operation, by operation id."""

    attempts: dict[str, list[Event]] = field(default_factory=lambda: defaultdict(list))
    started: dict[str, Event] = field(default_factory=dict)


def _history(events: list[Event]) -> _History:
    out = _History()
    for event in events:
        if event.operation_id is None:
            continue
        if event.event_type in _ATTEMPT_EVENTS:
            out.attempts[event.operation_id].append(event)
        elif event.event_type in (EventType.CALLBACK_STARTED, EventType.CHAINED_INVOKE_STARTED):
            out.started[event.operation_id] = event
    return out


def _event_error(event: Event) -> ErrorObject | None:
    member = event.details.get("Error")
    payload = member.get("Payload") if isinstance(member, dict) else None
    if not isinstance(payload, dict) or not payload:
        return None
    try:
        return error_from_json(payload)
    except ValueError:
        return ErrorObject(message=short(json.dumps(payload), 500))


def _facts(*pairs: tuple[str, object]) -> Html:
    return el(
        "dl",
        {"class": "facts"},
        *[join(el("dt", None, k), el("dd", None, v)) for k, v in pairs if v not in (None, "")],
    )


def _attempts(op: Operation, history: _History) -> Html | None:
    events = history.attempts.get(op.operation_id, [])
    if len(events) < 2 and not any(e.event_type is EventType.STEP_FAILED for e in events):
        return None  # one attempt that worked: the facts say it all
    rows = []
    for event in events:
        retry = event.details.get("RetryDetails")
        retry = retry if isinstance(retry, dict) else {}
        error = _event_error(event)
        outcome = "succeeded" if event.event_type is EventType.STEP_SUCCEEDED else "failed"
        delay = retry.get("NextAttemptDelaySeconds")
        rows.append(
            el(
                "tr",
                None,
                el("td", {"class": "num"}, str(retry.get("CurrentAttempt", ""))),
                el("td", None, when(event.timestamp)),
                el("td", None, outcome + (f", retry in {delay} s" if delay is not None else "")),
                el(
                    "td",
                    None,
                    short(f"{error.type or 'Error'}: {error.message or ''}", 300) if error else "",
                ),
            )
        )
    return el(
        "table",
        {"class": "attempts"},
        el(
            "thead",
            None,
            el(
                "tr",
                None,
                *[el("th", None, h) for h in ("Attempt", "Ended (UTC)", "Outcome", "Error")],
            ),
        ),
        el("tbody", None, *rows),
    )


def _callback_forms(frame: Frame, arn: str, callback_id: str) -> Html:
    def action(kind: str) -> str:
        return f"/ui/callback/{kind}"

    hidden = join(
        el("input", {"type": "hidden", "name": "callback_id", "value": callback_id}),
        el("input", {"type": "hidden", "name": "arn", "value": arn}),
    )
    return el(
        "div",
        {"class": "callback-forms"},
        form(
            frame,
            action("succeed"),
            hidden,
            el("label", {"for": f"result-{callback_id}"}, "Result (JSON)"),
            el(
                "textarea",
                {"name": "result", "id": f"result-{callback_id}", "spellcheck": "false"},
                '"approved"',
            ),
            el("button", {"type": "submit", "class": "primary"}, "Send success"),
            class_="callback-succeed",
        ),
        form(
            frame,
            action("fail"),
            hidden,
            el(
                "label",
                None,
                "Error type",
                el("input", {"name": "error_type", "value": "Rejected"}),
            ),
            el("label", None, "Message", el("input", {"name": "error_message", "value": ""})),
            el("button", {"type": "submit", "class": "danger"}, "Send failure"),
            class_="callback-fail",
        ),
        form(
            frame,
            action("heartbeat"),
            hidden,
            el("p", {"class": "muted"}, "Keep the callback alive past its heartbeat timeout."),
            el("button", {"type": "submit"}, "Send heartbeat"),
            class_="callback-heartbeat",
        ),
    )


def _unwrapped(value: Any) -> Any:
    """`value` without the SDK's typed envelope (`{"t": "s", "v": "text"}`), which it
    writes for results holding types JSON lacks (a map's or parallel's BatchResult)."""
    if isinstance(value, dict) and set(value) == {"t", "v"} and isinstance(value["t"], str):
        return value["v"]
    return value


def _completion_reason(result: str | None) -> str | None:
    """How a map or parallel completed (`ALL_COMPLETED`, `MIN_SUCCESSFUL_REACHED`, ...),
    read from its recorded BatchResult, plain or in the SDK's typed envelope."""
    if not result or len(result) > 1_000_000 or "completionReason" not in result:
        return None
    try:
        doc: Any = _unwrapped(json.loads(result))
    except (ValueError, RecursionError):
        return None
    reason = _unwrapped(doc.get("completionReason")) if isinstance(doc, dict) else None
    return reason if isinstance(reason, str) else None


def _details(op: Operation, history: _History, frame: Frame, arn: str) -> Html:
    parts: list[object] = []
    started = history.started.get(op.operation_id)
    started_details = started.details if started is not None else {}
    took = op.end_timestamp - op.start_timestamp if op.end_timestamp is not None else None
    common = [
        ("Operation id", op.operation_id),
        ("Sub-type", op.sub_type),
        ("Started", when(op.start_timestamp)),
        ("Ended", when(op.end_timestamp)),
        ("Took", duration(took)),
    ]
    if op.step_details is not None:
        details = op.step_details
        parts.append(
            _facts(
                *common,
                ("Attempts", details.attempt or None),
                ("Next attempt", when(details.next_attempt_timestamp)),
            )
        )
        parts.append(_attempts(op, history))
        if details.result is not None:
            parts.append(el("h4", None, "Result"))
            parts.append(payload_block(details.result, label="result"))
        if details.error is not None:
            parts.append(el("h4", None, "Error"))
            parts.append(error_block(details.error))
    elif op.wait_details is not None:
        end = op.wait_details.scheduled_end_timestamp
        parts.append(_facts(*common, ("Scheduled end", when(end))))
    elif op.callback_details is not None:
        callback = op.callback_details
        parts.append(
            _facts(
                *common,
                ("Callback id", callback.callback_id),
                (
                    "Timeout",
                    f"{started_details['Timeout']} s" if "Timeout" in started_details else "none",
                ),
                (
                    "Heartbeat timeout",
                    f"{started_details['HeartbeatTimeout']} s"
                    if "HeartbeatTimeout" in started_details
                    else "none",
                ),
            )
        )
        if callback.result is not None:
            parts.append(el("h4", None, "Result"))
            parts.append(payload_block(callback.result, label="result"))
        if callback.error is not None:
            parts.append(el("h4", None, "Error"))
            parts.append(error_block(callback.error))
        if op.status is OperationStatus.STARTED and callback.callback_id:
            parts.append(el("h4", None, "Answer this callback"))
            parts.append(_callback_forms(frame, arn, callback.callback_id))
    elif op.chained_invoke_details is not None:
        invoke = op.chained_invoke_details
        child = started_details.get("DurableExecutionArn")
        parts.append(
            _facts(
                *common,
                ("Function", started_details.get("FunctionName")),
                (
                    "Child execution",
                    execution_link(child, child) if isinstance(child, str) else None,
                ),
            )
        )
        if invoke.result is not None:
            parts.append(el("h4", None, "Result"))
            parts.append(payload_block(invoke.result, label="result"))
        if invoke.error is not None:
            parts.append(el("h4", None, "Error"))
            parts.append(error_block(invoke.error))
    elif op.context_details is not None:
        context = op.context_details
        parts.append(_facts(*common, ("Completion", _completion_reason(context.result))))
        if context.result is not None:
            parts.append(
                el(
                    "details",
                    None,
                    el("summary", None, "Result"),
                    payload_block(context.result, label="result"),
                )
            )
        if context.error is not None:
            parts.append(el("h4", None, "Error"))
            parts.append(error_block(context.error))
    else:
        parts.append(_facts(*common))
    return el("div", {"class": "op-body"}, *parts)


def _summary(op: Operation, count: int) -> Html:
    took = op.end_timestamp - op.start_timestamp if op.end_timestamp is not None else None
    kind = op.sub_type or op.operation_type.value
    return el(
        "summary",
        None,
        el("span", {"class": "op-type"}, kind),
        " ",
        el("strong", None, op.name or op.operation_id),
        " ",
        status_badge(op.status.value),
        el("span", {"class": "muted"}, f" {duration(took)}" if took is not None else " open"),
        el("span", {"class": "muted"}, f" · {count} inside") if count else None,
    )


def render(ops: list[Operation], events: list[Event], frame: Frame, arn: str) -> Html:
    shown = [op for op in ops if op.operation_type is not OperationType.EXECUTION]
    if not shown:
        return el("p", {"class": "muted"}, "No operation yet.")
    present = {op.operation_id for op in shown}
    children: dict[str | None, list[Operation]] = defaultdict(list)
    for op in shown:
        parent = op.parent_id if op.parent_id in present else None
        children[parent].append(op)
    history = _history(events)
    unfold = len(shown) < OPEN_BELOW
    budget = [MAX_NODES]

    def branch(parent: str | None, seen: frozenset[str]) -> Html:
        items: list[Html] = []
        for op in children.get(parent, []):
            if budget[0] <= 0 or op.operation_id in seen:
                break
            budget[0] -= 1
            kids = children.get(op.operation_id, [])
            inner = branch(op.operation_id, seen | {op.operation_id}) if kids else None
            items.append(
                el(
                    "li",
                    {"class": f"op op-{op.operation_type.value}"},
                    el(
                        "details",
                        {"id": f"op-{op.operation_id}", "open": unfold},
                        _summary(op, len(kids)),
                        _details(op, history, frame, arn),
                        inner,
                    ),
                )
            )
        return el("ul", {"class": "tree" if parent is None else None}, *items)

    tree = branch(None, frozenset())
    note = (
        el(
            "p",
            {"class": "muted"},
            f"The first {MAX_NODES:,} of {len(shown):,} operations are shown.",
        )
        if len(shown) > MAX_NODES
        else None
    )
    return join(tree, note)
