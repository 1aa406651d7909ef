"""What both OpenTelemetry views share: one invocation's trace identity and its spans'
bookkeeping.

At invocation start a plugin settles, once, the things every span of the invocation
depends on: the tracer (an SDK tracer, with the deterministic id generator and the
durable sampler installed on it), the execution's trace id, its ancestor span (the
caller's span when the environment names one, else the synthetic `DurableExecutionRoot`,
which it exports), the sampling decision and the Workflow span's identity. The views
differ only in where operation spans hang (`InvocationOtelPlugin`: under the Invocation
span; `ExecutionOtelPlugin`: under the Workflow span) and implement that in
`_begin`/`_end` and the operation and user-function hooks.

Every context a plugin makes current is remembered with the thread that attached it
and detached by the end that matches, or at invocation end at the latest, so no span
stays current on a reused thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanContext, SpanKind, StatusCode, TraceState

from perdure.otel._spans import PlaceholderSpan, now, to_ns
from perdure.otel.context_extractors import (
    ExtractedContext,
    Sampling,
    checked_extraction,
    xray_context_extractor,
)
from perdure.otel.deterministic_id_generator import (
    DeterministicIdGenerator,
    derive_execution_root_span_id,
    derive_workflow_span_id,
    execution_trace_id,
    operation_id_to_span_id,
)
from perdure.otel.log_filter import bind_invocation, install_log_filter, unbind_invocation
from perdure.otel.otel_plugin_config import OtelPluginConfig
from perdure.otel.provider import create_tracer_provider
from perdure.plugin import (
    DurableInstrumentationPlugin,
    InvocationEndInfo,
    InvocationStartInfo,
    InvocationStatus,
    OperationType,
    PropagationInput,
    PropagationMetadata,
)

if TYPE_CHECKING:
    from datetime import datetime

    from opentelemetry.sdk.trace.sampling import SamplingResult

_log = logging.getLogger("perdure.otel")

TERMINAL = frozenset({InvocationStatus.SUCCEEDED, InvocationStatus.FAILED})
Attributes = dict[str, str | bool | int]


def _sdk_tracer_type() -> type | None:
    try:
        from opentelemetry.sdk.trace import Tracer
    except ImportError:
        return None
    return Tracer


def operation_attributes(arn: str, info: Any) -> Attributes:
    """The `durable.*` attributes of a span made from a plugin info.

    A STEP's user-function span is an attempt, not the operation, so it carries no
    operation status; a CONTEXT runs once per invocation, so it carries no attempt
    fields."""
    attributes: Attributes = {"durable.execution.arn": arn}
    first = getattr(info, "is_first_invocation", None)
    if first is not None:
        attributes["durable.invocation.first"] = first
    operation_id = getattr(info, "operation_id", None)
    if operation_id is not None:
        attributes["durable.operation.id"] = operation_id
    kind = getattr(info, "operation_type", None)
    if kind is not None:
        attributes["durable.operation.type"] = kind.value
    sub_type = getattr(info, "sub_type", None)
    if sub_type is not None:
        attributes["durable.operation.subtype"] = sub_type
    is_attempt = hasattr(info, "is_replay_children") and kind is OperationType.STEP
    status = getattr(info, "status", None)
    if status is not None and not is_attempt:
        attributes["durable.operation.status"] = status.value
    name = getattr(info, "name", None)
    if name is not None:
        attributes["durable.operation.name"] = name
    if kind is not OperationType.CONTEXT:
        attempt = getattr(info, "attempt", None)
        if attempt is not None:
            attributes["durable.attempt.number"] = attempt
        outcome = getattr(info, "outcome", None)
        if outcome is not None:
            attributes["durable.attempt.outcome"] = outcome.value
    return attributes


def record_error(span: Span, error: Any) -> None:
    """ERROR status with the error's message, and an exception event."""
    message = getattr(error, "message", None) if error is not None else None
    kind = getattr(error, "type", None) if error is not None else None
    span.set_status(StatusCode.ERROR, message or "")
    span.record_exception(Exception(message or kind or "Unknown error"))


def propagation_header(context: SpanContext) -> str:
    """`context` as an X-Ray trace header, the form chained invokes carry."""
    hexed = f"{context.trace_id:032x}"
    sampled = 1 if context.trace_flags.sampled else 0
    return f"Root=1-{hexed[:8]}-{hexed[8:]};Parent={context.span_id:016x};Sampled={sampled}"


class OtelPluginBase(DurableInstrumentationPlugin):
    """One invocation's tracing; see the module docstring. Subclasses are the views."""

    _view = "OtelPlugin"
    _INVOCATION_SCOPE = "__invocation__"

    def __init__(self, config: OtelPluginConfig | None = None) -> None:
        self._config = config or OtelPluginConfig()
        self._extract = self._config.context_extractor or xray_context_extractor
        chosen = create_tracer_provider(self._config)
        self._provider = chosen.tracer_provider
        self._uses_global_provider = chosen.uses_global_provider
        self._tracer = self._provider.get_tracer(self._config.instrument_name)
        self._ids: DeterministicIdGenerator | None = None
        self._sampler_delegate: Any = None
        self._durable_sampler_type: type | None = None
        self._bind_tracer()
        # This invocation's state (one plugin instance serves one invocation).
        self._enabled = False
        self._arn = ""
        self._trace_id = 0
        self._start_time: datetime | None = None
        self._ancestor: SpanContext | None = None
        self._decision: SamplingResult | None = None
        self._workflow: PlaceholderSpan | None = None
        self._invocation_span: Span | None = None
        self._enclosing: SpanContext | None = None
        self._spans: dict[str, Span] = {}
        self._tokens: dict[str, tuple[int, object]] = {}
        self._lock = threading.RLock()
        if self._config.enrich_logger:
            install_log_filter()

    # -- tracer -------------------------------------------------------------------------

    def _bind_tracer(self) -> bool:
        """Whether the plugin holds an SDK tracer now (with its id generator and sampler
        installed); a global provider is looked up again until it is an SDK one."""
        self._sampler_delegate = None
        sdk_tracer = _sdk_tracer_type()
        if sdk_tracer is None:
            return False
        if not isinstance(self._tracer, sdk_tracer):
            if self._uses_global_provider:
                self._provider = trace.get_tracer_provider()
            self._tracer = self._provider.get_tracer(self._config.instrument_name)
        if not isinstance(self._tracer, sdk_tracer):
            return False
        from perdure.otel._sampling import DurableSampler

        self._ids = DeterministicIdGenerator.install_on_tracer(self._tracer)
        self._sampler_delegate = DurableSampler.install_on_tracer(self._tracer).delegate
        self._durable_sampler_type = DurableSampler
        return True

    def _claim_thread(self) -> None:
        """Tell the log filter this thread works for this invocation."""
        bind_invocation(self)

    def _disabled(self, why: str, *args: object) -> None:
        _log.warning(f"{self._view}: {why}; telemetry is off for this invocation", *args)
        self._enabled = False

    # -- invocation ---------------------------------------------------------------------

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        bind_invocation(self)  # first: the log filter tells invocations apart by it
        if info.execution_start_time is None:
            self._disabled("the invocation has no execution start time to derive a trace id")
            return
        if not self._bind_tracer():
            self._disabled(
                "expected an OpenTelemetry SDK tracer, got %s (configure the SDK's "
                "TracerProvider before the invocation starts)",
                type(self._tracer).__name__,
            )
            return
        if not info.execution_arn:
            self._disabled("the invocation has no execution ARN")
            return
        self._arn = info.execution_arn
        self._start_time = info.execution_start_time
        extracted = checked_extraction(self._extract(info))
        self._settle_trace(extracted)
        self._export_root()
        self._workflow = PlaceholderSpan(
            self._span_context(derive_workflow_span_id(self._arn)), start_time=self._start_time
        )
        self._begin(info)
        current = trace.get_current_span().get_span_context()
        self._enclosing = current if current.is_valid else None
        if self._config.enrich_logger:
            install_log_filter()
        # Last: if anything above raised (a custom extractor, say), the SDK logs it and
        # every later hook of this invocation does nothing instead of half-tracing.
        self._enabled = True

    def _settle_trace(self, extracted: ExtractedContext | None) -> None:
        from perdure.otel._sampling import is_sampled, resolve_decision

        assert self._start_time is not None
        if extracted is not None and extracted.has_valid_trace_id:
            self._trace_id = extracted.trace_id or 0
        else:
            self._trace_id = execution_trace_id(self._arn, self._start_time)
        self._decision = resolve_decision(
            extracted=extracted,
            ambient=trace.get_current_span(),
            trace_id=self._trace_id,
            sampler=self._sampler_delegate,
            span_name=self._config.workflow_span_name,
            attributes={"durable.execution.arn": self._arn},
        )
        sampling = extracted.sampling if extracted is not None else Sampling.UNDECIDED
        sampled = sampling is Sampling.SAMPLED or (
            sampling is Sampling.UNDECIDED and is_sampled(self._decision)
        )
        flags = trace.TraceFlags(trace.TraceFlags.SAMPLED if sampled else trace.TraceFlags.DEFAULT)
        if extracted is not None and extracted.has_complete_remote_parent:
            parent, remote = extracted.parent_span_id or 0, True
        else:
            parent, remote = derive_execution_root_span_id(self._arn), False
        self._ancestor = SpanContext(
            self._trace_id, parent, is_remote=remote, trace_flags=flags, trace_state=TraceState()
        )

    def _export_root(self) -> None:
        """The zero-length `DurableExecutionRoot` span that anchors a trace nobody
        upstream anchors. Every sampled invocation exports it again, with the same ids
        and times, so it survives an invocation whose export was lost."""
        from opentelemetry.sdk.trace.sampling import SamplingResult

        ancestor = self._ancestor
        if ancestor is None or ancestor.is_remote or not ancestor.trace_flags.sampled:
            return
        assert self._ids is not None and self._decision is not None
        assert self._start_time is not None
        from perdure.otel._sampling import handing_over

        at = to_ns(self._start_time)
        context = handing_over(Context(), SamplingResult(self._decision.decision))
        with self._ids._pin_one_span(trace_id=ancestor.trace_id, span_id=ancestor.span_id):
            root = self._tracer.start_span(
                "DurableExecutionRoot",
                context=context,
                kind=SpanKind.INTERNAL,
                attributes={
                    "durable.execution.arn": self._arn,
                    "durable.execution.synthetic_root": True,
                },
                start_time=at,
            )
        root.end(end_time=at)

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        if not self._enabled:
            self._release()
            return
        try:
            self._end(info)
            if info.status in TERMINAL:
                self._export_workflow(info)
        finally:
            self._release()
            self._flush()

    def _mark_invocation(self, span: Span, info: InvocationEndInfo) -> None:
        """Invocation status attribute and span status: OK when the invocation did its
        work (SUCCEEDED, or PENDING: suspended cleanly), ERROR when it FAILED, unset for
        RETRY (the hook cannot tell a retry from a stop or a timeout)."""
        status = info.status
        label = "RETRYING" if status is InvocationStatus.RETRY else status.value
        span.set_attribute("durable.invocation.status", label)
        if status in (InvocationStatus.SUCCEEDED, InvocationStatus.PENDING):
            span.set_status(StatusCode.OK)
        elif status is InvocationStatus.FAILED:
            span.set_status(StatusCode.ERROR, (info.error.message or "") if info.error else "")

    def _export_workflow(self, info: InvocationEndInfo) -> None:
        """The Workflow span, recorded once, by the invocation that ends the execution:
        from the execution's start to now, under the ancestor, on its derived id."""
        assert self._ids is not None and self._ancestor is not None
        assert self._start_time is not None
        with self._ids.use_ids(trace_id=None, span_id=derive_workflow_span_id(self._arn)):
            span = self._tracer.start_span(
                self._config.workflow_span_name,
                context=self._under(PlaceholderSpan(self._ancestor)),
                kind=SpanKind.INTERNAL,
                attributes={
                    "durable.execution.arn": self._arn,
                    "durable.execution.status": info.status.value,
                },
                start_time=to_ns(self._start_time),
            )
        if info.status is InvocationStatus.FAILED:
            span.set_status(StatusCode.ERROR, (info.error.message or "") if info.error else "")
        else:
            span.set_status(StatusCode.OK)
        span.end()

    def _flush(self) -> None:
        """Export before the process may be frozen or reused; an exporter's error is
        logged, never raised over the invocation's own outcome."""
        flush = getattr(self._provider, "force_flush", None)
        if not callable(flush):
            return
        try:
            flush()
        except Exception:
            _log.exception("%s: force_flush at invocation end failed", self._view)

    def _release(self) -> None:
        """Detach what is still attached, close the log claim, stop tracing."""
        with self._lock:
            keys = list(reversed(self._tokens))
        for key in keys:
            self._detach(key)
        unbind_invocation(self)
        self._enabled = False

    # -- views --------------------------------------------------------------------------

    def _begin(self, info: InvocationStartInfo) -> None:
        raise NotImplementedError

    def _end(self, info: InvocationEndInfo) -> None:
        raise NotImplementedError

    # -- contexts -----------------------------------------------------------------------

    def _under(self, parent: Span | None) -> Context:
        """A parent context for a new durable span, carrying the invocation's decision."""
        from perdure.otel._sampling import handing_over

        base = Context() if parent is None else trace.set_span_in_context(parent, Context())
        return handing_over(base, self._decision)

    def _invocation_parent(self) -> Context:
        """The Invocation span's parent: a current span already on the execution's trace
        (the Lambda layer's), else the execution's ancestor."""
        current = trace.get_current_span()
        context = current.get_span_context()
        if context.is_valid and context.trace_id == self._trace_id:
            return self._under(current)
        assert self._ancestor is not None
        return self._under(PlaceholderSpan(self._ancestor))

    def _trace_state(self) -> TraceState:
        if self._decision is not None and self._decision.trace_state is not None:
            return self._decision.trace_state
        return self._ancestor.trace_state if self._ancestor is not None else TraceState()

    def _span_context(self, span_id: int) -> SpanContext:
        assert self._ancestor is not None
        return SpanContext(
            self._trace_id,
            span_id,
            is_remote=False,
            trace_flags=self._ancestor.trace_flags,
            trace_state=self._trace_state(),
        )

    def _operation_context(self, operation_id: str) -> SpanContext:
        """The operation's logical span: the id every invocation derives for it."""
        return self._span_context(operation_id_to_span_id(self._arn, operation_id))

    def _attach(self, key: str, span: Span) -> None:
        """Make `span` current on this thread until `_detach(key)`. A scope still held
        under `key` (its user function suspended and the operation was entered again)
        is released first, so it cannot resurface later."""
        with self._lock:
            if key in self._tokens:
                self._detach(key)
            token = otel_context.attach(trace.set_span_in_context(span, otel_context.get_current()))
            self._tokens[key] = (threading.get_ident(), token)

    def _detach(self, key: str) -> None:
        """Undo `_attach(key)`; only the attaching thread can, so a token from another
        thread is dropped."""
        with self._lock:
            held = self._tokens.pop(key, None)
        if held is not None and held[0] == threading.get_ident():
            otel_context.detach(held[1])  # type: ignore[arg-type]

    def _get(self, key: str | None) -> Span | None:
        if key is None:
            return None
        with self._lock:
            return self._spans.get(key)

    def _pop(self, key: str) -> Span | None:
        with self._lock:
            return self._spans.pop(key, None)

    @staticmethod
    def _user_function_key(info: Any) -> str:
        """Each STEP attempt has a span of its own; a CONTEXT's body is its operation's."""
        if info.operation_type is OperationType.STEP:
            return f"{info.operation_id}:attempt:{info.attempt or 1}"
        return str(info.operation_id)

    def _links(self, *contexts: SpanContext | None) -> Sequence[Link]:
        return [Link(c) for c in contexts if c is not None and c.is_valid]

    # -- log correlation ----------------------------------------------------------------

    def _log_fallbacks(self) -> Sequence[Span | None]:
        return (self._invocation_span,)

    def _same_trace_only(self) -> bool:
        return True

    def get_current_span_context(self) -> SpanContext | None:
        """The span a log record emitted here belongs to: a span made current inside
        this invocation (an attempt, a child context, the user's own), else the
        Invocation span. The span that enclosed the invocation does not count: it is
        the Invocation span's parent, one level too high."""
        current = trace.get_current_span().get_span_context()
        foreign = self._same_trace_only() and current.trace_id != self._trace_id
        enclosing = self._enclosing
        is_enclosing = (
            enclosing is not None
            and enclosing.trace_id == current.trace_id
            and enclosing.span_id == current.span_id
        )
        if current.is_valid and not foreign and not is_enclosing:
            return current
        for span in self._log_fallbacks():
            if span is not None and span.get_span_context().is_valid:
                return span.get_span_context()
        return None

    # -- chained invokes ----------------------------------------------------------------

    def provide_propagation_metadata(self, info: PropagationInput) -> PropagationMetadata | None:
        """The invoke operation as the invoked execution's parent, as an X-Ray header.

        An invoke whose span is not started yet is named by its derived id; its
        sampling is then known only while the durable sampler is the tracer's sampler
        (someone may have replaced it since), so otherwise nothing is offered."""
        if not self._enabled or info.execution_arn != self._arn or not info.operation_id:
            return None
        span = self._get(info.operation_id)
        deferred = span is None or isinstance(span, PlaceholderSpan)
        if deferred and type(getattr(self._tracer, "sampler", None)) is not (
            self._durable_sampler_type
        ):
            return None
        if span is not None:
            context = span.get_span_context()
        else:
            context = self._operation_context(info.operation_id)
        if not context.is_valid or context.trace_id != self._trace_id:
            return None
        return PropagationMetadata(x_amzn_trace_id=propagation_header(context))

    def _timestamp(self, moment: datetime | None) -> int:
        return to_ns(moment if moment is not None else now())
