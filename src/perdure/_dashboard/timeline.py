"""An execution's timeline, drawn on the server as SVG (a Gantt chart).

The first row shows the invocations (each InvocationCompleted event gives its start
and end, the one running now is open-ended) and, between them, where the execution
slept: no process held it while it waited for a timer, a callback or a child. Below it,
one row per operation in the order they started, indented by depth: from its start to
its end, or to now while it is open; a wait reaches to its scheduled end. Every bar
has a `<title>` (a tooltip) with its times. Labels are text nodes, escaped as all text
is; colours come from classes, so the strict Content-Security-Policy holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from perdure._dashboard.formats import duration, short, when
from perdure._dashboard.markup import Html, el, join
from perdure._model import EventType, Operation, OperationStatus, OperationType
from perdure._service.browsing import ExecutionView

MAX_ROWS = 200
LABEL_WIDTH = 260
PLOT_WIDTH = 760
ROW = 20
BAR = 12
TOP = 24
_TICKS = 5


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    open: bool  # still going at `end` (drawn faded)


def invocation_spans(view: ExecutionView, now: int) -> list[tuple[Span, bool]]:
    """(span, failed) of each invocation, the running one last."""
    spans: list[tuple[Span, bool]] = []
    for event in view.events:
        if event.event_type is EventType.INVOCATION_COMPLETED:
            start = event.details.get("StartTimestamp")
            end = event.details.get("EndTimestamp")
            if isinstance(start, int) and isinstance(end, int):
                spans.append((Span(start, max(start, end), False), "Error" in event.details))
    if view.running_since is not None:
        spans.append((Span(view.running_since, max(view.running_since, now), True), False))
    return spans


def sleeps(invocations: list[tuple[Span, bool]], start: int, end: int) -> list[Span]:
    """The gaps between invocations, within the execution's life."""
    out: list[Span] = []
    cursor = start
    for span, _ in sorted(invocations, key=lambda item: item[0].start):
        if span.start > cursor:
            out.append(Span(cursor, span.start, False))
        cursor = max(cursor, span.end)
    if end > cursor:
        out.append(Span(cursor, end, False))
    return out


def depths(ops: list[Operation]) -> dict[str, int]:
    """How many of `ops` each one is nested in (a parent not among them ends the count)."""
    parents = {op.operation_id: op.parent_id for op in ops}
    out: dict[str, int] = {}
    for op in ops:
        depth, parent, seen = 0, op.parent_id, {op.operation_id}
        while parent in parents and parent not in seen:
            depth += 1
            seen.add(parent)
            parent = parents[parent]
        out[op.operation_id] = depth
    return out


def _op_span(op: Operation, now: int) -> Span:
    if op.end_timestamp is not None:
        return Span(op.start_timestamp, max(op.start_timestamp, op.end_timestamp), False)
    if op.wait_details is not None and op.wait_details.scheduled_end_timestamp is not None:
        return Span(op.start_timestamp, op.wait_details.scheduled_end_timestamp, True)
    return Span(op.start_timestamp, max(op.start_timestamp, now), True)


def _between(span: Span) -> str:
    return f"{duration(span.end - span.start)}: {when(span.start)} → {when(span.end)} UTC"


def render(view: ExecutionView, now: int) -> Html:
    execution = view.execution
    begin = execution.start_timestamp
    finish = execution.end_timestamp if execution.end_timestamp is not None else now
    ops = [op for op in view.operations if op.operation_type is not OperationType.EXECUTION]
    shown = ops[:MAX_ROWS]
    op_spans = [_op_span(op, now) for op in shown]
    invocations = invocation_spans(view, now)
    # The scale covers the execution's life and anything drawn past it (a wait's end).
    last = max([finish, *(s.end for s in op_spans), *(s.end for s, _ in invocations)])
    total = max(1, last - begin)

    def x(t: int) -> float:
        return LABEL_WIDTH + (min(max(t, begin), last) - begin) * PLOT_WIDTH / total

    def bar(span: Span, row: int, classes: str, tip: str) -> Html:
        left = x(span.start)
        width = max(2.0, x(span.end) - left)
        return el(
            "rect",
            {
                "class": f"bar {classes}{' open' if span.open else ''}",
                "x": f"{left:.1f}",
                "y": TOP + row * ROW + (ROW - BAR) // 2,
                "width": f"{width:.1f}",
                "height": BAR,
                "rx": 2,
            },
            el("title", None, tip),
        )

    def label(row: int, content: str, indent: int = 0) -> Html:
        return el(
            "text",
            {"x": 4 + indent * 12, "y": TOP + row * ROW + ROW // 2 + 4},
            short(content, 38 - indent * 2),
        )

    parts: list[Html] = []
    rows = 1 + len(shown)
    height = TOP + rows * ROW + 8
    for i in range(_TICKS + 1):
        t = begin + total * i // _TICKS
        tx = x(t)
        parts.append(
            el(
                "line",
                {
                    "class": "grid",
                    "x1": f"{tx:.1f}",
                    "x2": f"{tx:.1f}",
                    "y1": TOP - 4,
                    "y2": height - 4,
                },
            )
        )
        anchor = "start" if i == 0 else "end" if i == _TICKS else "middle"
        parts.append(
            el(
                "g",
                {"class": "axis"},
                el(
                    "text",
                    {"x": f"{tx:.1f}", "y": 14, "text-anchor": anchor},
                    "+" + duration(t - begin),
                ),
            )
        )
    parts.append(label(0, "Invocations"))
    for span in sleeps(invocations, begin, finish):
        parts.append(
            bar(
                span,
                0,
                "sleep",
                f"sleeping {_between(span)}",
            )
        )
    for number, (span, failed) in enumerate(invocations, start=1):
        state = "running" if span.open else "failed" if failed else "ended"
        parts.append(
            bar(
                span,
                0,
                "invocation failed" if failed else "invocation",
                f"invocation {number} ({state}) {_between(span)}",
            )
        )
    nesting = depths(shown)
    for row, (op, span) in enumerate(zip(shown, op_spans, strict=True), start=1):
        name = op.name or op.sub_type or op.operation_type.value
        kind = (
            "wait"
            if op.operation_type is OperationType.WAIT and op.status is OperationStatus.STARTED
            else op.status.value
        )
        parts.append(label(row, name, min(nesting.get(op.operation_id, 0), 6)))
        parts.append(
            bar(
                span,
                row,
                kind,
                f"{op.operation_type.value} {name} {op.status.value} {_between(span)}"
                + (" (scheduled)" if span.open and op.wait_details else ""),
            )
        )
    svg = el(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {LABEL_WIDTH + PLOT_WIDTH + 12} {height}",
            "width": LABEL_WIDTH + PLOT_WIDTH + 12,
            "height": height,
            "role": "img",
            "aria-label": f"Timeline of {len(invocations)} invocations and {len(shown)} operations",
            "class": "timeline-chart",
        },
        *parts,
    )
    legend = el(
        "div",
        {"class": "legend"},
        el("span", {"class": "sw-invocation"}, "invocation"),
        el("span", {"class": "sw-sleep"}, "sleeping (no process held)"),
        el("span", {"class": "sw-wait"}, "waiting"),
        el("span", {"class": "sw-run"}, "running"),
        el("span", {"class": "sw-ok"}, "succeeded"),
        el("span", {"class": "sw-bad"}, "failed"),
    )
    note = (
        el("p", {"class": "muted"}, f"The first {MAX_ROWS} of {len(ops):,} operations are drawn.")
        if len(ops) > MAX_ROWS
        else None
    )
    return join(legend, el("div", {"class": "timeline", "id": "timeline"}, svg), note)
