"""Span and trace ids every invocation of one execution derives alike.

An execution runs as many invocations, each with a fresh plugin and no memory of the
last. For its spans to form one trace, the ids that must agree across invocations are
computed from the execution ARN: the trace id (when no upstream trace gives one), the
synthetic root span, the Workflow span and each operation's span. The hashes are
blake2b's first 8 bytes of a namespaced string, so ids match those of AWS's plugin for
the same ARN and operation id.

`DeterministicIdGenerator` lets the plugin hand such an id to the OpenTelemetry SDK for
one span: the SDK asks its tracer's id generator for ids, so the plugin wraps the
generator of its own tracer (never the provider's, so other instrumentation keeps
random ids) and pins ids in a context variable, which keeps threads apart.
"""

from __future__ import annotations

import contextvars
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

# The SDK's random generator is the base (as in AWS's plugin), so the class is one to the
# SDK's type checks; its own random ids are never used, the fallback generator's are.
if TYPE_CHECKING:
    from opentelemetry.sdk.trace.id_generator import RandomIdGenerator as _IdGeneratorBase
else:
    try:
        from opentelemetry.sdk.trace.id_generator import RandomIdGenerator as _IdGeneratorBase
    except ImportError:  # the API alone: nothing records spans, nothing asks for ids
        _IdGeneratorBase = object

__all__ = [
    "DeterministicIdGenerator",
    "derive_execution_root_span_id",
    "derive_workflow_span_id",
    "operation_id_to_span_id",
]

_install_lock = threading.Lock()


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode()).digest()[:8], "big")


def _require_arn(arn: str, what: str) -> None:
    if not arn:
        raise ValueError(f"an execution ARN is required to derive {what}")


def operation_id_to_span_id(durable_execution_arn: str, operation_id: str) -> int:
    """The span id of one operation of one execution (64 bits, never zero)."""
    return _hash64(f"{durable_execution_arn}:{operation_id}") or 1


def derive_workflow_span_id(durable_execution_arn: str) -> int:
    """The span id of the execution's Workflow span, the same in every invocation."""
    _require_arn(durable_execution_arn, "a Workflow span id")
    return _hash64(f"workflow:{durable_execution_arn}") or 1


def derive_execution_root_span_id(durable_execution_arn: str) -> int:
    """The span id of the synthetic `DurableExecutionRoot` that anchors a trace no
    upstream context anchors."""
    _require_arn(durable_execution_arn, "an execution root span id")
    return _hash64(f"execution-root:{durable_execution_arn}") or 1


def execution_trace_id(durable_execution_arn: str, execution_start_time: datetime) -> int:
    """A trace id for an execution no upstream trace claims: the start time in epoch
    seconds as the first 32 bits (the X-Ray trace id layout, so X-Ray accepts it), then
    96 bits of the ARN's hash."""
    seconds = int(execution_start_time.timestamp()) & 0xFFFFFFFF
    digest = hashlib.blake2b(durable_execution_arn.encode()).digest()[:12]
    return (seconds << 96) | int.from_bytes(digest, "big")


@dataclass(frozen=True)
class _Pinned:
    """Ids pinned for the spans started in one scope."""

    trace_id: int | None
    span_id: int | None
    single_span: bool  # the trace id is for the next span only
    trace_id_given: bool = False  # the last trace id came from here, not at random


class DeterministicIdGenerator(_IdGeneratorBase):
    """An OpenTelemetry id generator that returns pinned ids inside `use_ids` and asks
    `fallback_id_generator` (the SDK's random generator by default) otherwise."""

    def __init__(self, fallback_id_generator: Any = None) -> None:
        if fallback_id_generator is None:
            try:
                from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
            except ImportError:
                raise ImportError(
                    "DeterministicIdGenerator needs the OpenTelemetry SDK: "
                    "pip install opentelemetry-sdk"
                ) from None
            fallback_id_generator = RandomIdGenerator()
        self._fallback = fallback_id_generator
        self._pinned: contextvars.ContextVar[_Pinned | None] = contextvars.ContextVar(
            "perdure_otel_pinned_ids", default=None
        )

    @classmethod
    def install_on_tracer(cls, tracer: Any) -> DeterministicIdGenerator:
        """The generator `tracer` (an SDK tracer) uses, wrapped in one of these once.

        Providers cache tracers by scope, so concurrent invocations share one tracer;
        under the lock the second finds the first's wrapper instead of wrapping it
        again and pinning ids in a generator the tracer no longer reads."""
        with _install_lock:
            current = tracer.id_generator
            if isinstance(current, cls):
                return current
            generator = cls(current)
            tracer.id_generator = generator
            return generator

    @contextmanager
    def use_ids(self, *, trace_id: int | None, span_id: int | None) -> Iterator[None]:
        """Within the block: new traces get `trace_id` (when given), and the next span
        gets `span_id` (when given); later spans get the fallback's ids."""
        token = self._pinned.set(_Pinned(trace_id, span_id, single_span=False))
        try:
            yield
        finally:
            self._pinned.reset(token)

    @contextmanager
    def _pin_one_span(self, *, trace_id: int, span_id: int) -> Iterator[None]:
        """Both ids for the next span only: spans a processor starts meanwhile get
        their own."""
        token = self._pinned.set(_Pinned(trace_id, span_id, single_span=True))
        try:
            yield
        finally:
            self._pinned.reset(token)

    def generate_trace_id(self) -> int:
        pinned = self._pinned.get()
        if pinned is not None and pinned.trace_id is not None:
            given = pinned.trace_id
            keep = None if pinned.single_span else given
            self._pinned.set(replace(pinned, trace_id=keep, trace_id_given=True))
            return given
        if pinned is not None and pinned.trace_id_given:
            self._pinned.set(replace(pinned, trace_id_given=False))
        return int(self._fallback.generate_trace_id())

    def generate_span_id(self) -> int:
        pinned = self._pinned.get()
        if pinned is not None:
            # The SDK asks for the span id last; after it the span's id phase is over.
            self._pinned.set(replace(pinned, span_id=None, trace_id_given=False))
            if pinned.span_id is not None:
                return pinned.span_id
        return int(self._fallback.generate_span_id())

    def is_trace_id_random(self) -> bool:
        pinned = self._pinned.get()
        if pinned is not None and (pinned.trace_id is not None or pinned.trace_id_given):
            return False
        check = getattr(self._fallback, "is_trace_id_random", None)
        return bool(check()) if callable(check) else False
