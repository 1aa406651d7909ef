"""ExecutionOtelPlugin: the execution view. The execution is one tree across all its
invocations; invocations are spans beside it, linked from the operations they ran:

    DurableExecutionRoot (or the caller's span)
    ├── Workflow                       (recorded once, when the execution ends)
    │   └── <operation name>           (recorded once, when it ends; linked to Invocation)
    │       └── <step name> attempt N
    └── Invocation

An operation is recorded once, on its derived id, by the invocation that sees it end;
until then it is a placeholder that its children parent onto, and that remembers their
times so the recorded span encloses them. A context that records no checkpoint of its
own (a virtual one) gets a fresh id per invocation instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from opentelemetry.trace import Span, SpanKind, StatusCode

from perdure.otel._plugin_base import OtelPluginBase, operation_attributes, record_error
from perdure.otel._spans import PlaceholderSpan, after, to_ns
from perdure.otel.deterministic_id_generator import operation_id_to_span_id
from perdure.otel.otel_plugin_config import OtelPluginConfig
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

__all__ = ["ExecutionOtelPlugin"]

_USER_CODE = (OperationType.CONTEXT, OperationType.STEP)


def _ns(moment: datetime | None) -> int | None:
    return to_ns(moment) if moment is not None else None


class ExecutionOtelPlugin(OtelPluginBase):
    """The execution view (see the module docstring); one instance per invocation,
    built by `ExecutionOtelPluginFactory`."""

    _view = "ExecutionOtelPlugin"

    def __init__(self, config: OtelPluginConfig | None = None) -> None:
        super().__init__(config)
        self._checkpointed_contexts: set[str] = set()  # CONTEXTs that had a START hook
        self._ended: set[str] = set()

    # -- invocation ---------------------------------------------------------------------

    def _begin(self, info: InvocationStartInfo) -> None:
        self._invocation_span = self._tracer.start_span(
            "Invocation",
            context=self._invocation_parent(),
            kind=SpanKind.INTERNAL,
            attributes={
                "durable.execution.arn": self._arn,
                "durable.invocation.first": info.is_first_invocation,
            },
        )
        # Spans the handler's own instrumentation starts join the execution's tree.
        assert self._workflow is not None
        self._attach(self._INVOCATION_SCOPE, self._workflow)

    def _end(self, info: InvocationEndInfo) -> None:
        if self._invocation_span is not None:
            self._mark_invocation(self._invocation_span, info)
            self._invocation_span.end()
        with self._lock:
            keys = list(reversed(self._spans))
        for key in keys:
            span = self._get(key)
            if span is None or not span.is_recording():
                continue  # a placeholder: recorded when its operation ends
            left = self._pop(key)
            if left is not None:
                left.set_attribute("durable.span.truncated_at_invocation_boundary", True)
                left.end()

    def _log_fallbacks(self) -> Sequence[Span | None]:
        return (self._invocation_span, self._workflow)

    def _same_trace_only(self) -> bool:
        return False

    # -- spans --------------------------------------------------------------------------

    def _parent(self, parent_id: str | None) -> Span | None:
        span = self._get(parent_id)
        return span if span is not None else self._workflow

    def _placeholder(
        self, operation_id: str, start: datetime | None, *, derived: bool = True
    ) -> PlaceholderSpan:
        with self._lock:
            held = self._spans.get(operation_id)
            if isinstance(held, PlaceholderSpan):
                held.note_start(start)
                return held
            assert self._ids is not None
            span_id = (
                operation_id_to_span_id(self._arn, operation_id)
                if derived
                else self._ids.generate_span_id()
            )
            placeholder = PlaceholderSpan(self._span_context(span_id), start_time=start)
            self._spans[operation_id] = placeholder
            return placeholder

    def _note_start(self, key: str | None, moment: datetime | None) -> None:
        parent = self._parent(key)
        if isinstance(parent, PlaceholderSpan):
            parent.note_start(moment)

    def _note_end(self, key: str | None, moment: datetime | None) -> None:
        parent = self._parent(key)
        if isinstance(parent, PlaceholderSpan):
            parent.note_end(moment)

    def _start(
        self,
        operation_id: str,
        name: str,
        info: Any,
        parent: Span | None,
        start: datetime | None,
        *,
        key: str | None = None,
        derived: bool = True,
        span_id: int | None = None,
    ) -> Span:
        """Start and register a recorded span, linked to this invocation's span."""
        key = key if key is not None else operation_id
        with self._lock:
            stale = self._spans.get(key)
            if stale is not None and stale.is_recording():
                stale.set_attribute("durable.span.replaced_on_reentry", True)
                stale.end()
        if span_id is None and derived:
            span_id = operation_id_to_span_id(self._arn, operation_id)
        invocation = self._invocation_span
        assert self._ids is not None
        with self._ids.use_ids(trace_id=None, span_id=span_id):
            span = self._tracer.start_span(
                name,
                context=self._under(parent),
                kind=SpanKind.INTERNAL,
                attributes=operation_attributes(self._arn, info),
                start_time=_ns(start),
                links=self._links(invocation.get_span_context() if invocation else None),
            )
        with self._lock:
            self._spans[key] = span
        return span

    # -- operations ---------------------------------------------------------------------

    def on_operation_start(self, info: OperationStartInfo) -> None:
        if not self._enabled:
            return
        self._claim_thread()
        if info.operation_type is OperationType.CONTEXT:
            with self._lock:
                self._checkpointed_contexts.add(info.operation_id)
            return  # its body's hooks hold its placeholder
        self._placeholder(info.operation_id, info.start_time)
        self._note_start(info.parent_id, info.start_time)

    def on_operation_end(self, info: OperationEndInfo) -> None:
        # A replayed end (a context re-run over recorded children, a virtual context
        # replaying) was recorded by the invocation that saw it first.
        if not self._enabled or info.is_replayed:
            return
        with self._lock:
            if info.operation_id in self._ended:
                return
            self._ended.add(info.operation_id)
            placeholder = self._spans.pop(info.operation_id, None)
        start, end = info.start_time, info.end_time
        span_id = None
        if isinstance(placeholder, PlaceholderSpan):
            start = placeholder.enclosing_start(start)
            end = placeholder.enclosing_end(end, start=start)
            span_id = placeholder.get_span_context().span_id
        elif info.operation_type is OperationType.CONTEXT and info.start_time is None:
            assert self._ids is not None
            span_id = self._ids.generate_span_id()  # virtual: no id of its own to share
        if start is None:
            start = end  # not the wall clock, which would start it after its children
        end = after(start, end)
        span = self._start(
            info.operation_id,
            info.name or info.operation_id,
            info,
            self._parent(info.parent_id),
            start,
            span_id=span_id,
        )
        if info.error:
            record_error(span, info.error)
        elif info.status is OperationStatus.SUCCEEDED:
            span.set_status(StatusCode.OK)
        self._note_end(info.parent_id, end)
        done = self._pop(info.operation_id)
        if done is not None:
            done.end(end_time=_ns(end))

    # -- user functions -----------------------------------------------------------------

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        if not self._enabled or info.operation_type not in _USER_CODE:
            return
        self._claim_thread()
        key = self._user_function_key(info)
        span: Span
        if info.operation_type is OperationType.STEP:
            name = info.name or info.operation_id
            span = self._start(
                info.operation_id,
                f"{name} attempt {info.attempt or 1}",
                info,
                self._get(info.operation_id) or self._parent(info.parent_id),
                info.start_time,
                key=key,
                derived=False,
            )
            self._note_start(info.operation_id, info.start_time)
        else:
            with self._lock:
                checkpointed = info.operation_id in self._checkpointed_contexts
            span = self._placeholder(
                info.operation_id,
                info.start_time,
                derived=checkpointed or info.is_replay_children,
            )
            self._note_start(info.parent_id, info.start_time)
        self._attach(key, span)

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        if not self._enabled or info.operation_type not in _USER_CODE:
            return
        key = self._user_function_key(info)
        if self._get(key) is None:
            return
        end = after(info.start_time, info.end_time)
        self._note_end(info.operation_id, end)
        self._note_end(info.parent_id, end)
        if (
            info.operation_type is OperationType.STEP
            and info.outcome is not UserFunctionOutcome.INCOMPLETE
        ):
            span = self._pop(key)
            if span is not None:
                span.set_attributes(operation_attributes(self._arn, info))
                if info.outcome is UserFunctionOutcome.FAILED:
                    record_error(span, info.error)
                else:
                    span.set_status(StatusCode.OK)
                span.end(end_time=_ns(end))
        self._detach(key)
