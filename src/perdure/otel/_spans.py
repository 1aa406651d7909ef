"""Span helpers both views share: timestamps and the placeholder span.

A placeholder stands for a span that is not recorded now but whose identity is known:
the Workflow span while the execution runs, or (in the execution view) an operation
until it ends, possibly in a later invocation. Children parent onto it by span context,
and it remembers the earliest start and latest end of what was seen under it, so the
span recorded later with the same id encloses them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode

__all__ = ["PlaceholderSpan", "after", "now", "to_ns"]

_TICK = timedelta(microseconds=1)


def now() -> datetime:
    return datetime.now(UTC)


def to_ns(moment: datetime) -> int:
    """OpenTelemetry's timestamp: nanoseconds since the epoch."""
    return int(moment.timestamp() * 1_000_000_000)


def after(start: datetime | None, end: datetime | None) -> datetime | None:
    """`end`, moved just past `start` when it is not later (a zero-length span is
    dropped by some backends)."""
    if start is not None and end is not None and end <= start:
        return start + _TICK
    return end


class PlaceholderSpan(NonRecordingSpan):
    """A non-recording span with the read-only fields some span processors read from
    every parent (`kind`, `attributes`, `name`, `status`), and the time range of its
    children."""

    def __init__(self, context: SpanContext, *, start_time: datetime | None = None) -> None:
        super().__init__(context)
        self.kind = SpanKind.INTERNAL
        self.attributes: Mapping[str, Any] = {}
        self.name = ""
        self.status = Status(StatusCode.UNSET)
        self._earliest = start_time
        self._latest: datetime | None = None
        self._lock = threading.Lock()

    def note_start(self, moment: datetime | None) -> None:
        if moment is None:
            return
        with self._lock:
            if self._earliest is None or moment < self._earliest:
                self._earliest = moment

    def note_end(self, moment: datetime | None) -> None:
        if moment is None:
            return
        with self._lock:
            if self._latest is None or moment > self._latest:
                self._latest = moment

    def enclosing_start(self, start: datetime | None) -> datetime | None:
        with self._lock:
            if start is None or self._earliest is None:
                return start if self._earliest is None else self._earliest
            return min(start, self._earliest)

    def enclosing_end(self, end: datetime | None, *, start: datetime | None) -> datetime | None:
        with self._lock:
            if end is None or self._latest is None:
                end = end if self._latest is None else self._latest
            else:
                end = max(end, self._latest)
        return after(start, end)
