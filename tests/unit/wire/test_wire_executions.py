from __future__ import annotations

import pytest

from perdure._model import ExecutionStatus
from perdure._wire.executions import execution_summary_to_json, execution_to_json
from tests.unit.wire.wire_samples import ARN, FUNCTION_ARN, T0, sample_execution

ERROR_JSON = {
    "ErrorMessage": "boom",
    "ErrorType": "ValueError",
    "ErrorData": '{"k": 1}',
    "StackTrace": ["a.py:1", "b.py:2"],
}


def test_succeeded_execution_shape() -> None:
    assert execution_to_json(sample_execution()) == {
        "DurableExecutionArn": ARN,
        "DurableExecutionName": "my-exec",
        "FunctionArn": FUNCTION_ARN,
        "InputPayload": '{"order": 1}',
        "Result": '"done"',  # no Error though the record has one: SUCCEEDED carries Result only
        "StartTimestamp": T0 / 1000,
        "Status": "SUCCEEDED",
        "EndTimestamp": (T0 + 10_000) / 1000,
        "Version": "$LATEST",
        "ExecutionDataIncluded": True,
        "DurableConfig": {"ExecutionTimeout": 31_622_400, "RetentionPeriodInDays": 14},
    }


@pytest.mark.parametrize(
    "status", [ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT, ExecutionStatus.STOPPED]
)
def test_failed_like_statuses_carry_error_not_result(status: ExecutionStatus) -> None:
    wire = execution_to_json(sample_execution(status))
    assert wire["Error"] == ERROR_JSON
    assert "Result" not in wire


@pytest.mark.parametrize(
    "status", [ExecutionStatus.RUNNING, ExecutionStatus.PAUSING, ExecutionStatus.PAUSED]
)
def test_running_statuses_carry_neither(status: ExecutionStatus) -> None:
    wire = execution_to_json(sample_execution(status))
    assert "Result" not in wire and "Error" not in wire
    assert wire["InputPayload"] == '{"order": 1}'


def test_without_execution_data() -> None:
    wire = execution_to_json(sample_execution(ExecutionStatus.FAILED), include_data=False)
    assert not {"InputPayload", "Result", "Error"} & set(wire)
    assert wire["ExecutionDataIncluded"] is False


def test_summary_shape() -> None:
    assert execution_summary_to_json(sample_execution()) == {
        "DurableExecutionArn": ARN,
        "DurableExecutionName": "my-exec",
        "FunctionArn": FUNCTION_ARN,
        "Status": "SUCCEEDED",
        "StartTimestamp": T0 / 1000,
        "EndTimestamp": (T0 + 10_000) / 1000,
    }


def test_open_execution_has_no_end() -> None:
    from dataclasses import replace

    ex = replace(sample_execution(ExecutionStatus.RUNNING), end_timestamp=None, result=None)
    assert "EndTimestamp" not in execution_to_json(ex)
    assert "EndTimestamp" not in execution_summary_to_json(ex)
