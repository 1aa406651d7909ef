"""perdure.otel's conventions beyond the span tree: AWS's public names, the caller's trace
header, sampling, log correlation, the trace header of a chained invoke, registration,
and a provider that records nothing."""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.trace import NoOpTracerProvider

from perdure import DurableContext, durable_execution
from perdure._model import OperationAction, OperationType
from perdure.errors import PluginLoadError
from perdure.otel import (
    EXECUTION_OTEL_PLUGIN_FACTORY,
    INVOCATION_OTEL_PLUGIN_FACTORY,
    ExecutionOtelPluginFactory,
    InvocationOtelPluginFactory,
    OtelPluginConfig,
    install_log_filter,
    operation_id_to_span_id,
)
from perdure.plugin_discovery import PLUGIN_ENVIRONMENT_VARIABLE, load_configured_plugins
from perdure.testing import DurableFunctionTestRunner
from tests.otel.scenario import recording
from tests.otel.trees import named
from tests.unit.sdk_core._recording import ARN, RecordingService

CALLER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled={}"


def _parameters(func: Any) -> list[tuple[str, str, str]]:
    """Names, kinds and defaults: what a caller relies on (annotations are not)."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return []
    return [(p.name, p.kind.name, repr(p.default)) for p in signature.parameters.values()]


def _shape(value: Any) -> Any:
    """What a port relies on of a public name: its kind, its call signature, and for a
    class its public members' signatures, dataclass fields or enum members."""
    if isinstance(value, type) and issubclass(value, enum.Enum):
        return ("enum", [(m.name, m.value) for m in value])
    if isinstance(value, type):
        members = {
            name: _parameters(member) if callable(member) else type(member).__name__
            for name in dir(value)
            if not name.startswith("_") or name == "__init__"
            for member in [getattr(value, name)]
        }
        fields = (
            [(f.name, repr(f.default)) for f in dataclasses.fields(value)]
            if (dataclasses.is_dataclass(value))
            else None
        )
        return ("class", _parameters(value), members, fields)
    if inspect.isfunction(value):
        return ("function", _parameters(value))
    if isinstance(value, str | int | float | bool | None):
        return ("value", value)
    return ("instance of", type(value).__name__)


def _run(handler: Any) -> Any:
    with DurableFunctionTestRunner(handler=handler) as runner:
        return runner.run(input="{}", execution_timeout=30)


def _greeter(factory: Any) -> Any:
    @durable_execution(plugins=[factory])
    def handler(event: Any, ctx: DurableContext) -> str:
        return str(ctx.step(lambda _: "hi", name="greet"))

    return handler


def test_perdure_otel_offers_awss_public_names_with_the_same_shapes() -> None:
    aws = importlib.import_module("aws_durable_execution_sdk_python_otel")  # the dev extra
    import perdure.otel as ours

    assert sorted(ours.__all__) == sorted(aws.__all__)
    different = {
        name: (_shape(getattr(aws, name)), _shape(getattr(ours, name)))
        for name in aws.__all__
        if name not in ("__version__", "ContextExtractor")  # a string; a typing alias
        and _shape(getattr(aws, name)) != _shape(getattr(ours, name))
    }
    assert not different, different


def test_a_callers_trace_header_puts_the_execution_under_the_callers_span(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", CALLER.format(1))
    with recording() as (provider, exporter):
        config = OtelPluginConfig(tracer_provider=provider, enrich_logger=False)
        assert _run(_greeter(InvocationOtelPluginFactory(config))).result == '"hi"'
        spans = exporter.get_finished_spans()
    assert {s.context.trace_id for s in spans} == {0x5759E988BD862E3FE1BE46A994272793}
    assert not named(spans, "DurableExecutionRoot")  # the caller's span is the root
    for name in ("Invocation", "Workflow"):
        (span,) = named(spans, name)
        assert span.parent is not None and span.parent.is_remote
        assert span.parent.span_id == 0x53995C3F42CD8AD8


def test_a_caller_that_did_not_sample_gets_no_spans_at_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", CALLER.format(0))
    with recording() as (provider, exporter):  # the provider itself samples everything
        config = OtelPluginConfig(tracer_provider=provider, enrich_logger=False)
        assert _run(_greeter(ExecutionOtelPluginFactory(config))).result == '"hi"'
        assert exporter.get_finished_spans() == ()


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def app_log() -> Iterator[tuple[logging.Logger, _Records]]:
    logger = logging.getLogger("tests.otel.app")
    records = _Records()
    logger.addHandler(records)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield logger, records
    finally:
        logger.removeHandler(records)


def test_log_records_carry_the_trace_and_span_they_were_emitted_in(
    app_log: tuple[logging.Logger, _Records],
) -> None:
    logger, records = app_log
    assert install_log_filter(logger) is install_log_filter(logger)  # one filter, once

    def in_step(_: Any) -> str:
        logger.info("in step")
        return "ok"

    with recording() as (provider, exporter):
        config = OtelPluginConfig(tracer_provider=provider, enrich_logger=False)  # not root

        @durable_execution(plugins=[InvocationOtelPluginFactory(config)])
        def handler(event: Any, ctx: DurableContext) -> str:
            logger.info("top level")
            stray = threading.Thread(target=logger.info, args=("own thread",))
            stray.start()
            stray.join()
            return str(ctx.step(in_step, name="greet"))

        assert _run(handler).result == '"ok"'
        spans = exporter.get_finished_spans()
    stamps = {
        r.getMessage(): (getattr(r, "traceId", None), getattr(r, "spanId", None))
        for r in records.records
    }
    (invocation,) = named(spans, "Invocation")
    (attempt,) = named(spans, "greet attempt 1")
    trace_id = f"{invocation.context.trace_id:032x}"
    assert stamps["top level"] == (trace_id, f"{invocation.context.span_id:016x}")
    assert stamps["in step"] == (trace_id, f"{attempt.context.span_id:016x}")
    assert stamps["own thread"] == (None, None)  # not claimed by any invocation: no guess
    sampled = [
        getattr(r, "otelTraceSampled", None) for r in records.records if hasattr(r, "traceId")
    ]
    assert all(flag is True for flag in sampled)


def test_a_chained_invoke_carries_the_invoke_spans_context_as_an_xray_header() -> None:
    with recording() as (provider, exporter):
        config = OtelPluginConfig(tracer_provider=provider, enrich_logger=False)

        @durable_execution(plugins=[InvocationOtelPluginFactory(config)])
        def handler(event: Any, ctx: DurableContext) -> Any:
            return ctx.invoke("payments", {"amount": 7}, name="charge")

        service = RecordingService()
        assert service.run(handler) == {"Status": "PENDING"}
        spans = exporter.get_finished_spans()
    (start,) = [
        u
        for batch in service.batches
        for u in batch
        if u.operation_type is OperationType.CHAINED_INVOKE and u.action is OperationAction.START
    ]
    (invoke,) = named(spans, "charge")
    assert invoke.context.span_id == operation_id_to_span_id(ARN, start.operation_id)
    trace_id = f"{invoke.context.trace_id:032x}"
    assert start.chained_invoke_options is not None
    assert start.chained_invoke_options.x_amzn_trace_id == (
        f"Root=1-{trace_id[:8]}-{trace_id[8:]};Parent={invoke.context.span_id:016x};Sampled=1"
    )


def test_the_two_views_cannot_both_be_registered() -> None:
    with pytest.raises(PluginLoadError, match="exclusive group"):
        durable_execution(
            lambda e, c: None,
            plugins=[InvocationOtelPluginFactory(), ExecutionOtelPluginFactory()],
        )


def test_durable_execution_plugins_names_perdures_otel_views() -> None:
    for name, factory in [
        ("otel-invocation", INVOCATION_OTEL_PLUGIN_FACTORY),
        ("otel-execution", EXECUTION_OTEL_PLUGIN_FACTORY),
    ]:
        found = load_configured_plugins(None, environment={PLUGIN_ENVIRONMENT_VARIABLE: name})
        assert found == (factory,)


def test_a_provider_that_records_nothing_turns_the_plugin_off_and_the_handler_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = OtelPluginConfig(tracer_provider=NoOpTracerProvider(), enrich_logger=False)
    with caplog.at_level(logging.WARNING, logger="perdure.otel"):
        assert _run(_greeter(InvocationOtelPluginFactory(config))).result == '"hi"'
    assert "expected an OpenTelemetry SDK tracer" in caplog.text


def test_a_broken_context_extractor_costs_the_trace_never_the_execution(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with recording() as (provider, exporter):
        config = OtelPluginConfig(
            tracer_provider=provider,
            enrich_logger=False,
            context_extractor=lambda info: "Root=1-not-an-extraction",  # type: ignore[arg-type,return-value]
        )
        assert _run(_greeter(InvocationOtelPluginFactory(config))).result == '"hi"'
        assert exporter.get_finished_spans() == ()
    assert "must return ExtractedContext or None, not str" in caplog.text
