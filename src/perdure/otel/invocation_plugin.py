"""InvocationOtelPlugin: the invocation view. Each invocation is a span, and the
operations it ran hang under it:

    DurableExecutionRoot (or the caller's span)
    ├── Workflow                       (recorded once, when the execution ends)
    └── Invocation
        └── <operation name>           (linked to Workflow)
            └── <step name> attempt N

An operation that ends in a later invocation than it started (a wait, a callback, an
invoke) gets a second span there, with a fresh id, linked to its first one (whose id
every invocation derives from the operation id). Timestamps within an invocation never
go backwards, so children stay inside their parents even when recorded times and the
wall clock disagree.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, StatusCode

from perdure.otel._plugin_base import OtelPluginBase, operation_attributes, record_error
from perdure.otel._spans import now, to_ns
from perdure.otel.deterministic_id_generator import operation_id_to_span_id
from perdure.otel.otel_plugin_config import DEFAULT_INSTRUMENT_NAME, OtelPluginConfig
from perdure.plugin import (
    InvocationEndInfo,
    InvocationStartInfo,
    OperationEndInfo,
    OperationStartInfo,
    OperationStatus,
    OperationType,
    UserFunctionEndInfo,
    UserFunctionOutcome,
    UserFunctionStartInfo,
)

__all__ = ["InvocationOtelPlugin"]

_STEP_NS = 1_000  # the smallest move forward that keeps two spans apart


class InvocationOtelPlugin(OtelPluginBase):
    """The invocation view (see the module docstring); one instance per invocation,
    built by `InvocationOtelPluginFactory`."""

    DEFAULT_INSTRUMENT_NAME = DEFAULT_INSTRUMENT_NAME
    _view = "InvocationOtelPlugin"

    def __init__(self, config: OtelPluginConfig | None = None) -> None:
        super().__init__(config)
        # Whether each CONTEXT's START was a replay; a context with no START (a virtual
        # one) is missing here.
        self._context_replayed: dict[str, bool] = {}
        # STEP attempts whose user function left without an outcome (it suspended).
        self._incomplete: set[str] = set()
        self._floor: int | None = None

    def _ordered(self, moment: datetime | None) -> int:
        candidate = self._timestamp(moment)
        with self._lock:
            if self._floor is not None and candidate <= self._floor:
                candidate = self._floor + _STEP_NS
            self._floor = candidate
        return candidate

    # -- invocation ---------------------------------------------------------------------

    def _begin(self, info: InvocationStartInfo) -> None:
        start = to_ns(now())
        self._invocation_span = self._tracer.start_span(
            "Invocation",
            context=self._invocation_parent(),
            kind=SpanKind.INTERNAL,
            attributes=operation_attributes(self._arn, info),
            start_time=start,
        )
        self._floor = start
        # Code the handler runs outside any operation belongs to this invocation, unless
        # a span of this trace is current already (the Lambda layer's).
        current = trace.get_current_span().get_span_context()
        if not (current.is_valid and current.trace_id == self._trace_id):
            self._attach(self._INVOCATION_SCOPE, self._invocation_span)

    def _end(self, info: InvocationEndInfo) -> None:
        with self._lock:
            scopes = list(reversed(self._tokens))
        for key in scopes:
            self._detach(key)
        with self._lock:
            keys = list(reversed(self._spans))
            incomplete = set(self._incomplete)
        for key in keys:
            span = self._get(key)
            if span is not None and key in incomplete and span.is_recording():
                span.set_attribute("durable.span.truncated_at_invocation_boundary", True)
            self._finish(key, None)
        if self._invocation_span is not None:
            self._mark_invocation(self._invocation_span, info)
            self._invocation_span.end(end_time=self._ordered(None))

    # -- spans --------------------------------------------------------------------------

    def _parent(self, parent_id: str | None) -> Span | None:
        """The span of the enclosing operation; the Invocation span for top-level ones
        and for an enclosing operation with no span in this invocation."""
        span = self._get(parent_id)
        return span if span is not None else self._invocation_span

    def _start(
        self,
        operation_id: str,
        name: str,
        attributes: dict[str, str | bool | int],
        start: datetime | None,
        parent: Span | None,
        *,
        existed: bool,
        key: str | None = None,
        deterministic: bool = True,
        link_logical: bool | None = None,
    ) -> Span:
        """Start and register an operation's (or attempt's) span. The first span of an
        operation takes its derived id; one that continues it (`existed`) takes a fresh
        id and a link to the first. Every such span links to Workflow."""
        wanted_link = existed if link_logical is None else link_logical
        links = self._links(
            self._operation_context(operation_id) if wanted_link else None,
            self._workflow.get_span_context() if self._workflow is not None else None,
        )
        span_id = operation_id_to_span_id(self._arn, operation_id)
        pinned = span_id if deterministic and not existed else None
        assert self._ids is not None
        start_ns = self._ordered(start)
        with self._ids.use_ids(trace_id=None, span_id=pinned):
            span = self._tracer.start_span(
                name,
                context=self._under(parent),
                kind=SpanKind.INTERNAL,
                attributes=attributes,
                start_time=start_ns,
                links=links,
            )
        with self._lock:
            self._spans[key if key is not None else operation_id] = span
        return span

    def _finish(self, key: str, end: datetime | None) -> None:
        span = self._pop(key)
        if span is not None:
            span.end(end_time=self._ordered(end))

    # -- operations ---------------------------------------------------------------------

    def on_operation_start(self, info: OperationStartInfo) -> None:
        if not self._enabled:
            return
        self._claim_thread()
        if info.operation_type is OperationType.CONTEXT:
            # The body's hooks make the context's span; this only says if it replays.
            with self._lock:
                self._context_replayed[info.operation_id] = info.is_replayed
            return
        self._start(
            info.operation_id,
            info.name or info.operation_id,
            operation_attributes(self._arn, info),
            now(),
            self._parent(info.parent_id),
            existed=info.is_replayed,
        )

    def on_operation_end(self, info: OperationEndInfo) -> None:
        if not self._enabled:
            return
        attributes = operation_attributes(self._arn, info)
        span = self._get(info.operation_id)
        if span is None:  # started in an earlier invocation: a continuation span
            span = self._start(
                info.operation_id,
                info.name or info.operation_id,
                attributes,
                now(),
                self._parent(info.parent_id),
                existed=True,
            )
        else:
            span.set_attributes(attributes)
        if info.error:
            record_error(span, info.error)
        elif info.status is OperationStatus.SUCCEEDED:
            span.set_status(StatusCode.OK)
        self._finish(info.operation_id, info.end_time)

    # -- user functions -----------------------------------------------------------------

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        if not self._enabled or info.operation_type not in _USER_CODE:
            return
        self._claim_thread()  # a map or parallel branch runs on a thread of its own
        key = self._user_function_key(info)
        name = info.name or info.operation_id
        attributes = operation_attributes(self._arn, info)
        if info.operation_type is OperationType.STEP:
            span = self._start(
                info.operation_id,
                f"{name} attempt {info.attempt or 1}",
                attributes,
                info.start_time,
                self._get(info.operation_id) or self._parent(info.parent_id),
                existed=False,
                key=key,
                deterministic=False,
            )
        else:
            with self._lock:
                replayed = self._context_replayed.get(info.operation_id)
            virtual = replayed is None and not info.is_replay_children
            existed = replayed is None or replayed or info.is_replay_children
            open_span = self._get(key)
            if open_span is not None and open_span.is_recording():
                span = open_span  # entered again after a suspension in this invocation
            else:
                span = self._start(
                    info.operation_id,
                    name,
                    attributes,
                    now(),
                    self._parent(info.parent_id),
                    existed=existed,
                    key=key,
                    link_logical=existed and not virtual,
                )
        self._attach(key, span)

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        if not self._enabled or info.operation_type not in _USER_CODE:
            return
        key = self._user_function_key(info)
        span = self._get(key)
        if span is None:
            return
        if info.operation_type is OperationType.STEP:
            incomplete = info.outcome is UserFunctionOutcome.INCOMPLETE
            with self._lock:
                (self._incomplete.add if incomplete else self._incomplete.discard)(key)
            if not incomplete:
                span.set_attributes(operation_attributes(self._arn, info))
                if info.outcome is UserFunctionOutcome.FAILED:
                    record_error(span, info.error)
                else:
                    span.set_status(StatusCode.OK)
                end = info.end_time
                if end is not None and end == info.start_time:
                    end += timedelta(microseconds=1)
                self._finish(key, end)
        # A CONTEXT's span stays open for its operation end, which has its status.
        self._detach(key)


_USER_CODE = (OperationType.CONTEXT, OperationType.STEP)
