"""The port-compatible public modules expose exactly the names they list."""

from __future__ import annotations

import importlib

import pytest

MODULES = {
    "perdure.config": {"Duration", "StepConfig", "CompletionConfig", "complete_batch"},
    "perdure.retries": {"RetryPresets", "RetryDecision", "WithRetryConfig"},
    "perdure.waits": {"create_wait_strategy", "WaitForConditionConfig"},
    "perdure.serdes": {"ExtendedTypeSerDes", "EXTENDED_TYPES_SERDES", "serialize"},
    "perdure.types": {"StepContext", "DurableExecutionArn", "LoggerInterface"},
    "perdure.exceptions": {"StepError", "SerDesError", "register_operation_error"},
    "perdure.logger": {"Logger", "LogInfo"},
    "perdure.concurrency": {"BatchResult", "BatchItemStatus", "CompletionReason"},
    "perdure.concurrency.models": {"BatchResult", "BatchCompletionError", "CompletionPolicy"},
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_all_names_resolve(name: str) -> None:
    module = importlib.import_module(name)
    assert MODULES[name] <= set(module.__all__)
    for attr in module.__all__:
        assert getattr(module, attr) is not None


def test_batch_item_status_is_one_object_everywhere() -> None:
    from perdure.concurrency.models import BatchItemStatus as FromModels
    from perdure.config import BatchItemStatus as FromConfig

    assert FromModels is FromConfig
