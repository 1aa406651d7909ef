"""One handler, written once for either SDK (`perdure`, or AWS's
`aws_durable_execution_sdk_python`), whose spans the tests read: two steps, a wait (so
two invocations), a child context with a step, a map of two items and a step that fails
for good. Only the package names differ between the two builds."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

PERDURE = ("perdure", "perdure.testing", "perdure.otel")
AWS = (
    "aws_durable_execution_sdk_python",
    "aws_durable_execution_sdk_python_testing",
    "aws_durable_execution_sdk_python_otel",
)


def build_handler(sdk_root: str, factory: Any) -> Callable[..., Any]:
    sdk = importlib.import_module(sdk_root)
    config = importlib.import_module(f"{sdk_root}.config")
    retries = importlib.import_module(f"{sdk_root}.retries")
    once = config.StepConfig(
        retry_strategy=retries.create_retry_strategy(retries.RetryStrategyConfig(max_attempts=1))
    )

    def declined(_: Any) -> None:
        raise ValueError("card declined")

    def child(ctx: Any) -> int:
        return int(ctx.step(lambda _: 2, name="inner"))

    def double(ctx: Any, item: int, index: int, items: list[int]) -> int:
        return int(ctx.step(lambda _: item * 10, name="double"))

    def handler(event: Any, context: Any) -> int:
        fetched = context.step(lambda _: 1, name="fetch")
        context.wait(config.Duration.from_seconds(5), name="pause")
        inner: int = context.run_in_child_context(child, name="child")
        context.map([1, 2], double, name="each")
        try:
            context.step(declined, name="charge", config=once)
        except Exception:
            pass
        return int(fetched) + inner

    # The SDK is chosen at run time, so its decorator is applied as a call.
    decorated: Callable[..., Any] = sdk.durable_execution(plugins=[factory])(handler)
    return decorated


@dataclass
class Run:
    status: str
    result: Any
    spans: list[ReadableSpan]


@contextmanager
def recording() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    """A provider of its own per run (providers cache tracers, and a plugin installs its
    id generator and sampler on its tracer)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    try:
        yield provider, exporter
    finally:
        provider.shutdown()


def _close_leftover_loop(runner: Any) -> None:
    """AWS's local runner stops its scheduler's event loop but never closes it; closed here,
    or its sockets surface later as ResourceWarnings in whatever test runs then."""
    loop = getattr(getattr(runner, "_scheduler", None), "_loop", None)
    if loop is not None and not loop.is_closed():
        loop.close()


def run_scenario(packages: tuple[str, str, str], view: str) -> Run:
    """Run the scenario under `packages` (SDK, testing SDK, OTel plugin) with the
    `view` ("Invocation" or "Execution") plugin, and return what was recorded."""
    sdk_root, testing_root, otel_root = packages
    otel = importlib.import_module(otel_root)
    testing = importlib.import_module(testing_root)
    with recording() as (provider, exporter):
        config = otel.OtelPluginConfig(tracer_provider=provider, enrich_logger=False)
        factory = getattr(otel, f"{view}OtelPluginFactory")(config)
        with testing.DurableFunctionTestRunner(handler=build_handler(sdk_root, factory)) as runner:
            result = runner.run(input="{}", execution_timeout=30)
        _close_leftover_loop(runner)
        spans = list(exporter.get_finished_spans())
    status = getattr(result.status, "value", result.status)
    return Run(str(status), json.loads(result.result), spans)
