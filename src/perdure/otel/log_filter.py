"""Trace ids on log records: `traceId` (32 hex), `spanId` (16 hex), `otelTraceSampled`.

The filter sits on the root logger's handlers, so every record that reaches them is
stamped, from any logger. It holds no state: at emit time it asks the invocation that
owns the emitting thread for its current span (the attempt inside a step, the context
inside a child context, the Invocation span elsewhere).

Which invocation owns a thread: a plugin claims each thread it is given control on
(invocation start, and the operation and user-function hooks that run on branch
threads) through a context variable, so concurrent invocations in one process never
stamp each other's records. A claim counts only while its invocation is open; a thread
with no live claim (one your code started, the checkpoint thread) gets no stamp rather
than a guess.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import weakref
from typing import Protocol

from opentelemetry.trace import SpanContext, TraceFlags

__all__ = ["OtelContextLogFilter", "bind_invocation", "install_log_filter", "unbind_invocation"]


class _SpanSource(Protocol):
    def get_current_span_context(self) -> SpanContext | None: ...


_lock = threading.Lock()
# Weak, so an invocation whose end never came (a process torn down) cannot pin its
# plugin and spans for the life of the process.
_open: weakref.WeakSet[_SpanSource] = weakref.WeakSet()
_claim: contextvars.ContextVar[weakref.ref[_SpanSource] | None] = contextvars.ContextVar(
    "perdure_otel_invocation", default=None
)


def bind_invocation(provider: _SpanSource) -> None:
    """Mark `provider`'s invocation open and claim the calling thread for it."""
    held = _claim.get()
    if held is not None and held() is provider:
        return
    with _lock:
        _open.add(provider)
    _claim.set(weakref.ref(provider))


def unbind_invocation(provider: _SpanSource) -> None:
    """Mark `provider`'s invocation closed (claims left on other threads die with it)."""
    with _lock:
        _open.discard(provider)
    held = _claim.get()
    if held is not None and held() is provider:
        _claim.set(None)


def _owner() -> _SpanSource | None:
    held = _claim.get()
    source = held() if held is not None else None
    if source is None:
        return None
    with _lock:
        return source if source in _open else None


class OtelContextLogFilter(logging.Filter):
    """Stamps the owning invocation's current span on each record; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        source = _owner()
        context = source.get_current_span_context() if source is not None else None
        if context is not None and context.is_valid:
            record.traceId = f"{context.trace_id:032x}"
            record.spanId = f"{context.span_id:016x}"
            record.otelTraceSampled = bool(context.trace_flags & TraceFlags.SAMPLED)
        return True


_install_lock = threading.Lock()


def install_log_filter(
    target_logger: logging.Logger | None = None,
) -> OtelContextLogFilter | None:
    """Put one shared filter on every handler of `target_logger` (the root logger by
    default), once; returns it, or None when the logger has no handlers."""
    chosen = target_logger if target_logger is not None else logging.getLogger()
    with _install_lock:
        shared: OtelContextLogFilter | None = None
        bare: list[logging.Handler] = []
        for handler in chosen.handlers:
            found = next((f for f in handler.filters if isinstance(f, OtelContextLogFilter)), None)
            if found is None:
                bare.append(handler)
            elif shared is None:
                shared = found
        if bare and shared is None:
            shared = OtelContextLogFilter()
        for handler in bare:
            handler.addFilter(shared)  # type: ignore[arg-type]
        return shared
