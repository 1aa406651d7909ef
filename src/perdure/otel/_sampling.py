"""One sampling decision per invocation, applied to every durable span it starts.

Why: a ratio or rate-limiting sampler asked once per span would keep some spans of an
invocation and drop others, leaving holes in the tree. The plugin decides once, at
invocation start, and hands the decision to each of its spans through the parent
context; `DurableSampler` (wrapped around its tracer's sampler) honours it. The decision
is read once per hand-over, so a span processor that starts spans of its own under the
same context gets its own sampler's answer.

Needs the OpenTelemetry SDK; imported only once the plugin holds an SDK tracer.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.context import Context
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.trace import Link, Span, SpanKind, TraceFlags, TraceState
from opentelemetry.util.types import Attributes

from perdure.otel.context_extractors import ExtractedContext, Sampling

__all__ = ["DurableSampler", "handing_over", "is_sampled", "resolve_decision"]

_DECISION_KEY = otel_context.create_key("perdure-otel-sampling-decision")
_install_lock = threading.Lock()


class _Decided:
    """The invocation's decision, for the first sampler call that reads it."""

    def __init__(self, result: SamplingResult) -> None:
        self._result: SamplingResult | None = result
        self._lock = threading.Lock()

    def take(self) -> SamplingResult | None:
        with self._lock:
            result, self._result = self._result, None
            return result


class DurableSampler(Sampler):
    """Answers with the decision a durable span carries; asks `delegate` otherwise."""

    def __init__(self, delegate: Sampler) -> None:
        self.delegate = delegate

    @classmethod
    def install_on_tracer(cls, tracer: Any) -> DurableSampler:
        """The tracer's sampler wrapped in one of these, once (see the id generator's
        `install_on_tracer` for why under a lock)."""
        with _install_lock:
            current = tracer.sampler
            if isinstance(current, cls):
                return current
            sampler = cls(current)
            tracer.sampler = sampler
            return sampler

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        carried = otel_context.get_value(_DECISION_KEY, parent_context)
        decided = carried.take() if isinstance(carried, _Decided) else None
        if decided is None:
            return self.delegate.should_sample(
                parent_context, trace_id, name, kind, attributes, links
            )
        merged = dict(attributes or {})
        merged.update(decided.attributes or {})
        return SamplingResult(decided.decision, attributes=merged, trace_state=decided.trace_state)

    def get_description(self) -> str:
        return f"DurableSampler{{{self.delegate.get_description()}}}"


def handing_over(parent: Context, decision: SamplingResult | None) -> Context:
    """`parent` carrying `decision` for the next span started under it."""
    if decision is None:
        return parent
    return otel_context.set_value(_DECISION_KEY, _Decided(decision), parent)


def is_sampled(result: SamplingResult) -> bool:
    return result.decision is Decision.RECORD_AND_SAMPLE


def resolve_decision(
    *,
    extracted: ExtractedContext | None,
    ambient: Span,
    trace_id: int,
    sampler: Sampler,
    span_name: str,
    attributes: dict[str, Any],
) -> SamplingResult:
    """The invocation's decision. In order: the caller's explicit `Sampled=` flag; a
    current span already on this trace (the Lambda layer's, say); the configured
    sampler. A same-trace span's tracestate is kept whichever decides."""
    ambient_context = ambient.get_span_context()
    same_trace = ambient_context.is_valid and ambient_context.trace_id == trace_id
    state = ambient_context.trace_state if same_trace else None
    sampling = extracted.sampling if extracted is not None else Sampling.UNDECIDED
    if sampling is Sampling.SAMPLED:
        return SamplingResult(Decision.RECORD_AND_SAMPLE, trace_state=state)
    if sampling is Sampling.NOT_SAMPLED:
        return SamplingResult(Decision.DROP, trace_state=state)
    if same_trace:
        if ambient_context.trace_flags & TraceFlags.SAMPLED:
            decision = Decision.RECORD_AND_SAMPLE
        elif ambient.is_recording():
            decision = Decision.RECORD_ONLY
        else:
            decision = Decision.DROP
        return SamplingResult(decision, trace_state=state)
    return sampler.should_sample(Context(), trace_id, span_name, SpanKind.INTERNAL, attributes, ())
