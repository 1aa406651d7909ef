"""Instrumentation plugins (port of `aws_durable_execution_sdk_python.plugin`, 3.0 shape).

Register factories with `@durable_execution(plugins=[MyFactory()])` or name entry points
in `DURABLE_EXECUTION_PLUGINS` (see `perdure.plugin_discovery`). The wire records and
enums plugin infos are built from are re-exported under AWS's names (`Operation`,
`OperationUpdate`, `OperationStatus`, `OperationAction`, `ErrorObject`, and the wire
`ServiceOperationType`/`ServiceInvocationStatus` beside the plugin's own enums); AWS's live
in its `lambda_service` module, which Perdure does not mirror. AWS's `PluginHost` and
`PluginExecutor`, which wire plugins into its decorator, are not here: Perdure's wiring is
internal, and no plugin or handler touches it.
"""

from __future__ import annotations

from perdure._model import (
    ErrorObject,
    Operation,
    OperationAction,
    OperationStatus,
    OperationUpdate,
)
from perdure._model import InvocationStatus as ServiceInvocationStatus
from perdure._model import OperationType as ServiceOperationType
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
from perdure._sdk.types import LambdaContext
from perdure.errors import PluginLoadError

__all__ = [
    "DurableInstrumentationPlugin",
    "DurableInstrumentationPluginFactory",
    "ErrorObject",
    "InvocationEndInfo",
    "InvocationInfo",
    "InvocationStartInfo",
    "InvocationStatus",
    "LambdaContext",
    "Operation",
    "OperationAction",
    "OperationChangeInfo",
    "OperationEndInfo",
    "OperationInfo",
    "OperationStartInfo",
    "OperationStatus",
    "OperationType",
    "OperationUpdate",
    "PluginLoadError",
    "PropagationInput",
    "PropagationMetadata",
    "ServiceInvocationStatus",
    "ServiceOperationType",
    "UserFunctionEndInfo",
    "UserFunctionOutcome",
    "UserFunctionStartInfo",
]
