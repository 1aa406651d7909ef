"""The factories to register: `@durable_execution(plugins=[InvocationOtelPluginFactory()])`.

A factory builds a fresh plugin for every invocation, so concurrent invocations never
share span state. Both factories declare one exclusive group: registering both views
(explicitly or through `DURABLE_EXECUTION_PLUGINS`) is a `PluginLoadError` at decoration,
since two views of one execution would each export a Workflow span with the same id.
"""

from __future__ import annotations

from typing import ClassVar

from perdure.otel.execution_plugin import ExecutionOtelPlugin
from perdure.otel.invocation_plugin import InvocationOtelPlugin
from perdure.otel.otel_plugin_config import OtelPluginConfig
from perdure.plugin import InvocationStartInfo

__all__ = [
    "EXECUTION_OTEL_PLUGIN_FACTORY",
    "INVOCATION_OTEL_PLUGIN_FACTORY",
    "ExecutionOtelPluginFactory",
    "InvocationOtelPluginFactory",
]

# AWS's group name, so a Perdure view and an AWS view are exclusive of each other too.
_VIEW_GROUP = "aws-durable-execution-otel-view"


class InvocationOtelPluginFactory:
    """Builds an `InvocationOtelPlugin` per invocation, all with `config`."""

    __durable_registration_api__: ClassVar[int] = 1
    exclusive_group: ClassVar[str | None] = _VIEW_GROUP

    def __init__(self, config: OtelPluginConfig | None = None) -> None:
        self.config = config

    def create_plugin(self, info: InvocationStartInfo) -> InvocationOtelPlugin:
        """This invocation's plugin; it reads `info` again in `on_invocation_start`."""
        return InvocationOtelPlugin(self.config)


class ExecutionOtelPluginFactory:
    """Builds an `ExecutionOtelPlugin` per invocation, all with `config`."""

    __durable_registration_api__: ClassVar[int] = 1
    exclusive_group: ClassVar[str | None] = _VIEW_GROUP

    def __init__(self, config: OtelPluginConfig | None = None) -> None:
        self.config = config

    def create_plugin(self, info: InvocationStartInfo) -> ExecutionOtelPlugin:
        """This invocation's plugin; it reads `info` again in `on_invocation_start`."""
        return ExecutionOtelPlugin(self.config)


INVOCATION_OTEL_PLUGIN_FACTORY = InvocationOtelPluginFactory()
"""The default-configured factory the `otel-invocation` entry point names."""

EXECUTION_OTEL_PLUGIN_FACTORY = ExecutionOtelPluginFactory()
"""The default-configured factory the `otel-execution` entry point names."""
