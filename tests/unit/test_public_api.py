"""The public surface is pinned: AWS's top-level names all exist, nothing else sneaks in,
and every module a ported handler imports is there with AWS's names."""

from __future__ import annotations

import importlib

import perdure

AWS_TOP_LEVEL = {
    "BatchCompletionError", "BatchItemStatus", "BatchResult", "CallbackError",
    "CallbackExternalError", "CallbackSubmitterError", "CallbackTimeoutError",
    "ChildContextError", "CompletionDecision", "CompletionItemStatus", "CompletionOutcome",
    "CompletionStatus", "DurableContext", "DurableExecutionsError", "DurableOperationError",
    "ExecutionError", "InvocationError", "InvokeError", "ParallelBranch", "PluginLoadError",
    "RetryableSerDesError", "SerDesError", "StepContext", "StepError", "ValidationError",
    "WaitForConditionError", "WithRetryConfig", "__version__", "complete_batch",
    "continue_batch", "durable_execution", "durable_parallel_branch", "durable_step",
    "durable_wait_for_callback", "durable_with_child_context", "with_retry",
}  # fmt: skip

CONVENIENCES = {
    "CallbackConfig", "ChildConfig", "CompletionConfig", "Duration", "InvokeConfig",
    "JitterStrategy", "Logger", "MapConfig", "NestingType", "ParallelConfig", "RetryPresets",
    "RetryStrategyConfig", "StepConfig", "StepSemantics", "WaitForCallbackConfig",
    "WaitForConditionConfig", "WaitForConditionDecision", "WaitStrategyConfig",
    "create_retry_strategy", "create_wait_strategy",
}  # fmt: skip

PORT_MODULES = {
    "config": {"Duration", "StepConfig", "CallbackConfig", "MapConfig", "ParallelConfig"},
    "retries": {"RetryPresets", "RetryStrategyConfig", "create_retry_strategy", "with_retry"},
    "waits": {"WaitForConditionConfig", "create_wait_strategy", "WaitForCallbackConfig"},
    "serdes": {"SerDes", "SerDesContext", "ExtendedTypeSerDes", "JsonSerDes"},
    "types": {"StepContext", "WaitForCallbackContext", "LambdaContext"},
    "exceptions": {"StepError", "SuspendExecution", "NonDeterministicExecutionError"},
    "context": {"DurableContext", "Callback", "durable_step"},
    "execution": {"durable_execution", "InitialExecutionState"},
    "logger": {"Logger", "LogInfo"},
    "concurrency.models": {"BatchResult", "BatchItem", "CompletionReason"},
    "plugin": {
        "DurableInstrumentationPlugin", "DurableInstrumentationPluginFactory",
        "InvocationStartInfo", "InvocationEndInfo", "OperationStartInfo", "OperationEndInfo",
        "OperationChangeInfo", "UserFunctionStartInfo", "UserFunctionEndInfo",
        "UserFunctionOutcome", "OperationType", "InvocationStatus", "PropagationInput",
        "PropagationMetadata", "Operation", "OperationAction", "ServiceOperationType",
    },
    "plugin_discovery": {
        "PLUGIN_ENTRY_POINT_GROUP", "PLUGIN_ENVIRONMENT_VARIABLE", "load_configured_plugins",
    },
}  # fmt: skip


def test_the_top_level_exports_awss_names_plus_documented_conveniences() -> None:
    assert set(perdure.__all__) == AWS_TOP_LEVEL | CONVENIENCES
    for name in perdure.__all__:
        assert hasattr(perdure, name), name


def test_every_port_module_carries_the_names_a_ported_handler_imports() -> None:
    for module_name, names in PORT_MODULES.items():
        module = importlib.import_module(f"perdure.{module_name}")
        missing = {n for n in names if not hasattr(module, n)}
        assert not missing, f"perdure.{module_name} lacks {sorted(missing)}"
