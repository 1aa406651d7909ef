"""Which TracerProvider the plugins use."""

from __future__ import annotations

from dataclasses import dataclass

from opentelemetry import trace
from opentelemetry.trace import TracerProvider

from perdure.otel.otel_plugin_config import OtelPluginConfig

__all__ = ["ProviderResult", "create_tracer_provider"]


@dataclass(frozen=True)
class ProviderResult:
    """The provider, and whether it is the global one (looked up again at each
    invocation start, since a global provider may be installed after import)."""

    tracer_provider: TracerProvider
    uses_global_provider: bool


def create_tracer_provider(config: OtelPluginConfig) -> ProviderResult:
    """`config.tracer_provider` when given, else OpenTelemetry's global provider."""
    if config.tracer_provider is not None:
        return ProviderResult(config.tracer_provider, uses_global_provider=False)
    return ProviderResult(trace.get_tracer_provider(), uses_global_provider=True)
