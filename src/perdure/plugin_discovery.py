"""Plugin discovery (port of `aws_durable_execution_sdk_python.plugin_discovery`).

`DURABLE_EXECUTION_PLUGINS=name1,name2` names entry points, looked up in Perdure's group
`perdure.plugins` first and then in AWS's `aws_durable_execution.plugins`, so plugin
packages published for AWS's SDK load unchanged.
"""

from __future__ import annotations

from perdure._sdk.plugin_discovery import (
    PERDURE_PLUGIN_ENTRY_POINT_GROUP,
    PLUGIN_ENTRY_POINT_GROUP,
    PLUGIN_ENVIRONMENT_VARIABLE,
    load_configured_plugins,
)
from perdure._sdk.plugin_types import DurableInstrumentationPluginFactory
from perdure.errors import PluginLoadError

__all__ = [
    "PERDURE_PLUGIN_ENTRY_POINT_GROUP",
    "PLUGIN_ENTRY_POINT_GROUP",
    "PLUGIN_ENVIRONMENT_VARIABLE",
    "DurableInstrumentationPluginFactory",
    "PluginLoadError",
    "load_configured_plugins",
]
