"""OtelPluginConfig: the one configuration both OpenTelemetry views take.

A factory hands its config to every plugin it builds, so configuration is per handler
while span state is per invocation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

    from perdure.otel.context_extractors import ContextExtractor

__all__ = ["DEFAULT_INSTRUMENT_NAME", "DEFAULT_WORKFLOW_SPAN_NAME", "OtelPluginConfig"]

# AWS's scope name, kept so dashboards and queries built on it work after a port.
DEFAULT_INSTRUMENT_NAME = "aws-durable-execution-sdk-python"
DEFAULT_WORKFLOW_SPAN_NAME = "Workflow"


@dataclass
class OtelPluginConfig:
    """How the OpenTelemetry plugins trace.

    tracer_provider: an application-owned provider; when None, the global provider is
        looked up at every invocation start (so one installed after import is used).
    context_extractor: where an upstream trace context comes from; None means
        `xray_context_extractor` (the `_X_AMZN_TRACE_ID` variable).
    instrument_name: the instrumentation scope of every span.
    workflow_span_name: the name of the execution-long span.
    enrich_logger: stamp trace and span ids on log records (a filter on the root
        logger's handlers).
    """

    tracer_provider: TracerProvider | None = None
    context_extractor: ContextExtractor | None = None
    instrument_name: str = DEFAULT_INSTRUMENT_NAME
    workflow_span_name: str = DEFAULT_WORKFLOW_SPAN_NAME
    enrich_logger: bool = True
