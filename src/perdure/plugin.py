"""Instrumentation plugins (port of `aws_durable_execution_sdk_python.plugin`, 3.0 shape).

Register factories with `@durable_execution(plugins=[MyFactory()])` or name entry points
in `DURABLE_EXECUTION_PLUGINS` (see `perdure.plugin_discovery`). `OperationStatus` and
`ErrorObject` are re-exported because plugin infos carry them (AWS's live in its
`lambda_service` module, which Perdure does not mirror).
"""

from __future__ import annotations

from perdure._model import ErrorObject, OperationStatus
from perdure._sdk.plugin_types import (
    DurableInstrumentationPlugin,
    DurableInstrumentationPluginFactory,
    InvocationEndInfo,
    InvocationInfo,
    InvocationStartInfo,
    InvocationStatus,
    OperationChangeInfo,
    OperationEndInfo,
    OperationInfo,
    OperationStartInfo,
    OperationType,
    PropagationInput,
    PropagationMetadata,
    UserFunctionEndInfo,
    UserFunctionOutcome,
    UserFunctionStartInfo,
)
from perdure._sdk.plugins import PluginHost
from perdure.errors import PluginLoadError

__all__ = [
    "DurableInstrumentationPlugin",
    "DurableInstrumentationPluginFactory",
    "ErrorObject",
    "InvocationEndInfo",
    "InvocationInfo",
    "InvocationStartInfo",
    "InvocationStatus",
    "OperationChangeInfo",
    "OperationEndInfo",
    "OperationInfo",
    "OperationStartInfo",
    "OperationStatus",
    "OperationType",
    "PluginHost",
    "PluginLoadError",
    "PropagationInput",
    "PropagationMetadata",
    "UserFunctionEndInfo",
    "UserFunctionOutcome",
    "UserFunctionStartInfo",
]
