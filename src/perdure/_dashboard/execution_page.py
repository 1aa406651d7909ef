"""One execution: what it was given and what became of it, its DurableConfig, the
actions it allows now, its timeline, its operation tree and its raw history.

While it has not ended the page refreshes in place (status, timeline, tree, history);
a form being typed in is left alone.
"""

from __future__ import annotations

import json

from perdure._dashboard import operation_tree, timeline
from perdure._dashboard.executions_page import execution_link, status_badge
from perdure._dashboard.formats import capped, duration, error_block, payload_block, when
from perdure._dashboard.layout import Frame, form, page
from perdure._dashboard.markup import Html, el, join
from perdure._dashboard.requests import url
from perdure._model import TERMINAL_EXECUTION_STATUSES, Event, Execution, ExecutionStatus
from perdure._service.browsing import ExecutionView
from perdure._wire.events import details_key

EVENT_DETAIL_CHARS = 4000
_HOLDING = (ExecutionStatus.PAUSED, ExecutionStatus.PAUSING)


def _actions(frame: Frame, execution: Execution) -> Html:
    arn_field = el("input", {"type": "hidden", "name": "arn", "value": execution.arn})

    def button(action: str, label: str, css: str = "", confirm: str | None = None) -> Html:
        return form(
            frame,
            f"/ui/execution/{action}",
            arn_field,
            el("button", {"type": "submit", "class": css or None}, label),
            class_=f"action-{action}",
            confirm=confirm,
        )

    buttons: list[Html] = []
    if execution.status not in TERMINAL_EXECUTION_STATUSES:
        if execution.status in _HOLDING:
            buttons.append(button("resume", "Resume", "primary"))
        else:
            buttons.append(button("pause", "Pause"))
        buttons.append(
            button("stop", "Stop", "danger", "Stop this execution? It cannot go on afterwards.")
        )
    else:
        buttons.append(button("rerun", "Run again with the same input", "primary"))
        buttons.append(
            button("delete", "Delete", "danger", "Delete this execution and its history?")
        )
    return el("div", {"class": "actions", "id": "actions"}, *buttons)


def _seconds(seconds: int) -> str:
    return f"{seconds:,} s ({duration(seconds * 1000)})"


def _event_row(event: Event) -> Html:
    # The details as stored are already the API's shape (times in epoch ms).
    details = {details_key(event.event_type): event.details}
    text, left_out = capped(json.dumps(details, indent=1, ensure_ascii=False), EVENT_DETAIL_CHARS)
    return el(
        "tr",
        None,
        el("td", {"class": "num"}, event.event_id),
        el("td", None, when(event.timestamp)),
        el("td", None, event.event_type.value),
        el("td", {"class": "name"}, event.name or event.operation_id or ""),
        el("td", {"class": "details"}, el("pre", None, text + (" …" if left_out else ""))),
    )


def _history(view: ExecutionView) -> Html:
    note = (
        el("p", {"class": "muted"}, f"The first {len(view.events):,} events are shown.")
        if view.more_events
        else None
    )
    return join(
        el(
            "table",
            {"class": "events"},
            el(
                "thead",
                None,
                el(
                    "tr",
                    None,
                    *[
                        el("th", None, h)
                        for h in ("#", "Time (UTC)", "Event", "Operation", "Details")
                    ],
                ),
            ),
            el("tbody", None, *[_event_row(e) for e in view.events]),
        ),
        note,
    )


def execution_page(frame: Frame, view: ExecutionView, now: int) -> str:
    execution = view.execution
    ended = execution.status in TERMINAL_EXECUTION_STATUSES
    end = execution.end_timestamp
    took = (end if end is not None else now) - execution.start_timestamp
    facts = el(
        "dl",
        {"class": "facts"},
        *[
            join(el("dt", None, k), el("dd", None, v))
            for k, v in (
                ("Status", status_badge(execution.status.value)),
                (
                    "Function",
                    el(
                        "a",
                        {"href": url("/ui/executions", function=execution.function_name)},
                        execution.function_name,
                    ),
                ),
                ("Version", execution.version),
                ("ARN", execution.arn),
                ("Started (UTC)", when(execution.start_timestamp)),
                ("Ended (UTC)", when(end) if end is not None else "not yet"),
                ("Duration", duration(took) + ("" if ended else " so far")),
                ("Execution timeout", _seconds(execution.execution_timeout)),
                ("Retention", f"{execution.retention_days} days after it ends"),
                ("Tenant", execution.tenant_id),
                (
                    "Started by",
                    execution_link(execution.parent_arn, execution.parent_arn)
                    if execution.parent_arn
                    else None,
                ),
            )
            if v not in (None, "")
        ],
    )
    outcome: Html
    if execution.error is not None:
        outcome = join(el("h2", None, "Error"), error_block(execution.error))
    elif execution.result is not None or execution.status is ExecutionStatus.SUCCEEDED:
        outcome = join(el("h2", None, "Result"), payload_block(execution.result, label="result"))
    else:
        outcome = join(
            el("h2", None, "Result"),
            el("p", {"class": "muted"}, "Not yet: the execution has not ended."),
        )
    body = join(
        el("h1", None, execution.name),
        el(
            "div",
            {"id": "summary", "data-live": True},
            el("div", {"class": "card"}, facts),
            _actions(frame, execution),
        ),
        el("h2", None, "Input"),
        payload_block(execution.input_payload, label="input"),
        el("div", {"id": "outcome", "data-live": True}, outcome),
        el("h2", None, "Timeline"),
        el("div", {"id": "timeline-live", "data-live": True}, timeline.render(view, now)),
        el("h2", None, "Operations"),
        el(
            "div",
            {"id": "operations", "data-live": True},
            operation_tree.render(view.operations, view.events, frame, execution.arn),
        ),
        el("h2", None, "History"),
        el("div", {"id": "history", "data-live": True}, _history(view)),
    )
    return page(frame, execution.name, body, section="executions", live=not ended)
