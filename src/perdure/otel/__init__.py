"""OpenTelemetry tracing for durable functions (port of AWS's
`aws_durable_execution_sdk_python_otel`): same names, span names, attributes and trees.

    from perdure.otel import InvocationOtelPluginFactory

    @durable_execution(plugins=[InvocationOtelPluginFactory()])
    def handler(event, context): ...

or, without touching the code, `DURABLE_EXECUTION_PLUGINS=otel-invocation` (or
`otel-execution`). Needs the OpenTelemetry API (`pip install 'perdure[otel]'`) and, to
record anything, an SDK `TracerProvider`: global, or in `OtelPluginConfig`.
"""

from __future__ import annotations

try:
    import opentelemetry.trace  # noqa: F401
except ImportError as _missing:
    raise ImportError(
        "perdure.otel needs the OpenTelemetry API, which is not installed. Install it with "
        "pip install 'perdure[otel]' (and opentelemetry-sdk, or your vendor's distribution, "
        "to record spans)."
    ) from _missing

from perdure.otel.context_extractors import (
    ContextExtractor,
    ExtractedContext,
    Sampling,
    w3c_client_context_extractor,
    xray_context_extractor,
)
from perdure.otel.deterministic_id_generator import (
    DeterministicIdGenerator,
    derive_execution_root_span_id,
    derive_workflow_span_id,
    operation_id_to_span_id,
)
from perdure.otel.execution_plugin import ExecutionOtelPlugin
from perdure.otel.invocation_plugin import InvocationOtelPlugin
from perdure.otel.log_filter import OtelContextLogFilter, install_log_filter
from perdure.otel.otel_plugin_config import OtelPluginConfig
from perdure.otel.plugin_factory import (
    EXECUTION_OTEL_PLUGIN_FACTORY,
    INVOCATION_OTEL_PLUGIN_FACTORY,
    ExecutionOtelPluginFactory,
    InvocationOtelPluginFactory,
)
from perdure.otel.provider import ProviderResult, create_tracer_provider

__version__ = "2.0.0"  # the version of AWS's plugin whose conventions this follows

__all__ = [
    "EXECUTION_OTEL_PLUGIN_FACTORY",
    "INVOCATION_OTEL_PLUGIN_FACTORY",
    "ContextExtractor",
    "DeterministicIdGenerator",
    "ExecutionOtelPlugin",
    "ExecutionOtelPluginFactory",
    "ExtractedContext",
    "InvocationOtelPlugin",
    "InvocationOtelPluginFactory",
    "OtelContextLogFilter",
    "OtelPluginConfig",
    "ProviderResult",
    "Sampling",
    "__version__",
    "create_tracer_provider",
    "derive_execution_root_span_id",
    "derive_workflow_span_id",
    "install_log_filter",
    "operation_id_to_span_id",
    "w3c_client_context_extractor",
    "xray_context_extractor",
]
