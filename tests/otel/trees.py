"""Span trees as plain, comparable data: what a reader of the trace sees, without the ids
and times that differ from run to run."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan

# Differs between runs (and between Perdure's runner and AWS's): the execution's ARN.
_VOLATILE = {"durable.execution.arn"}


def by_id(spans: Iterable[ReadableSpan]) -> dict[int, ReadableSpan]:
    return {s.context.span_id: s for s in spans if s.context is not None}


def describe(span: ReadableSpan, index: dict[int, ReadableSpan]) -> tuple[Any, ...]:
    """(name, parent name, kind, status, description, attributes, linked names, events)."""
    parent = index.get(span.parent.span_id) if span.parent is not None else None
    attributes = {k: v for k, v in (span.attributes or {}).items() if k not in _VOLATILE}
    linked = sorted(
        index[link.context.span_id].name if link.context.span_id in index else "?"
        for link in span.links
    )
    return (
        span.name,
        parent.name if parent is not None else None,
        span.kind.name,
        span.status.status_code.name,
        span.status.description,
        tuple(sorted(attributes.items())),
        tuple(linked),
        tuple(e.name for e in span.events),
    )


def tree(spans: Iterable[ReadableSpan]) -> list[tuple[Any, ...]]:
    """Every span described, in a stable order (threads finish map items in any order)."""
    spans = list(spans)
    index = by_id(spans)
    return sorted((describe(s, index) for s in spans), key=repr)


def named(spans: Iterable[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]
