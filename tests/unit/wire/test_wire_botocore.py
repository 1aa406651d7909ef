"""Wire compatibility with the real AWS client: botocore's own `lambda` model parses every
response body we render, and its serializer produces request bodies we accept.

Parsed values are compared with ours exactly. botocore silently drops members its model
does not know, so equality also proves every key is spelled as AWS spells it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.model import OperationModel, ServiceModel
from botocore.parsers import RestJSONParser
from botocore.serialize import create_serializer
from botocore.session import get_session
from botocore.validate import validate_parameters

from perdure._model import CheckpointResponse, ErrorObject, ExecutionStatus, StateResponse
from perdure._wire.checkpoint import (
    checkpoint_request_from_json,
    checkpoint_request_to_json,
    checkpoint_response_to_json,
    state_response_to_json,
)
from perdure._wire.events import event_to_json
from perdure._wire.executions import execution_summary_to_json, execution_to_json
from perdure._wire.operations import error_from_json, operation_to_json, update_to_json
from tests.unit.wire.wire_samples import (
    ARN,
    T0,
    sample_events,
    sample_execution,
    sample_operations,
    sample_updates,
)

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def lambda_model() -> ServiceModel:
    return get_session().get_service_model("lambda")


def _parse(model: ServiceModel, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    op = model.operation_model(operation)
    response = {"status_code": 200, "headers": {}, "body": json.dumps(body).encode()}
    parsed: dict[str, Any] = RestJSONParser().parse(response, op.output_shape)
    parsed.pop("ResponseMetadata", None)
    return parsed


def _as_botocore_sees_it(value: Any, key: str = "") -> Any:
    """Our JSON with every timestamp member turned into the datetime botocore yields."""
    if isinstance(value, dict):
        return {k: _as_botocore_sees_it(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_botocore_sees_it(v) for v in value]
    if key.endswith("Timestamp"):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    return value


def _ms(when: dt.datetime) -> int:
    return (when - EPOCH) // dt.timedelta(milliseconds=1)


def test_get_durable_execution_history(lambda_model: ServiceModel) -> None:
    body = {"Events": [event_to_json(ev) for ev in sample_events()], "NextMarker": "m"}
    parsed = _parse(lambda_model, "GetDurableExecutionHistory", body)
    assert parsed == _as_botocore_sees_it(body)
    for ev, got in zip(sample_events(), parsed["Events"], strict=True):
        assert _ms(got["EventTimestamp"]) == ev.timestamp
    completed = parsed["Events"][6]["InvocationCompletedDetails"]
    assert _ms(completed["StartTimestamp"]) == T0
    assert _ms(completed["EndTimestamp"]) == T0 + 6


def test_history_without_execution_data(lambda_model: ServiceModel) -> None:
    body = {"Events": [event_to_json(ev, include_data=False) for ev in sample_events()]}
    parsed = _parse(lambda_model, "GetDurableExecutionHistory", body)
    assert parsed == _as_botocore_sees_it(body)
    assert parsed["Events"][0]["ExecutionStartedDetails"]["Input"] == {"Truncated": True}


def test_checkpoint_durable_execution_response(lambda_model: ServiceModel) -> None:
    body = checkpoint_response_to_json(CheckpointResponse("bmV3", sample_operations(), "1:2"))
    parsed = _parse(lambda_model, "CheckpointDurableExecution", body)
    assert parsed == _as_botocore_sees_it(body)
    ops = parsed["NewExecutionState"]["Operations"]
    for op, got in zip(sample_operations(), ops, strict=True):
        assert _ms(got["StartTimestamp"]) == op.start_timestamp
    assert _ms(ops[2]["StepDetails"]["NextAttemptTimestamp"]) == T0 + 60_000
    terminal = _parse(
        lambda_model,
        "CheckpointDurableExecution",
        checkpoint_response_to_json(CheckpointResponse(None, [])),
    )
    assert "CheckpointToken" not in terminal


def test_get_durable_execution_state(lambda_model: ServiceModel) -> None:
    body = state_response_to_json(StateResponse(sample_operations(), "5:10"))
    parsed = _parse(lambda_model, "GetDurableExecutionState", body)
    assert parsed == _as_botocore_sees_it(body)
    assert _ms(parsed["Operations"][3]["WaitDetails"]["ScheduledEndTimestamp"]) == T0 + 5_000


@pytest.mark.parametrize("status", list(ExecutionStatus))
def test_get_durable_execution(lambda_model: ServiceModel, status: ExecutionStatus) -> None:
    body = execution_to_json(sample_execution(status))
    parsed = _parse(lambda_model, "GetDurableExecution", body)
    assert parsed == _as_botocore_sees_it(body)
    assert _ms(parsed["StartTimestamp"]) == T0
    assert parsed["FunctionArn"] == ARN.split("/", 1)[0]


def test_list_durable_executions_by_function(lambda_model: ServiceModel) -> None:
    body = {"DurableExecutions": [execution_summary_to_json(sample_execution())]}
    parsed = _parse(lambda_model, "ListDurableExecutionsByFunction", body)
    assert parsed == _as_botocore_sees_it(body)


def test_milliseconds_over_http_would_break_botocore(lambda_model: ServiceModel) -> None:
    # Why HTTP bodies use seconds (reference §4.0): the envelope's unit crashes the client.
    body = state_response_to_json(StateResponse(sample_operations()[:1]))
    body["Operations"] = [operation_to_json(sample_operations()[0], time_unit="ms")]
    with pytest.raises(ValueError):
        _parse(lambda_model, "GetDurableExecutionState", body)


def _serialize(model: ServiceModel, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    op: OperationModel = model.operation_model(operation)
    validate_parameters(params, op.input_shape)  # raises ParamValidationError
    request: dict[str, Any] = create_serializer("rest-json").serialize_to_request(params, op)
    return request


def test_botocore_checkpoint_request_is_accepted(lambda_model: ServiceModel) -> None:
    updates = sample_updates()
    params = {"DurableExecutionArn": ARN, **checkpoint_request_to_json("dG9rZW4=", updates, "c-1")}
    request = _serialize(lambda_model, "CheckpointDurableExecution", params)
    assert request["url_path"].endswith("/checkpoint")
    body = json.loads(request["body"])
    assert checkpoint_request_from_json(body) == ("dG9rZW4=", updates, "c-1")


def test_every_update_passes_botocore_validation(lambda_model: ServiceModel) -> None:
    shape = lambda_model.shape_for("OperationUpdate")
    for u in sample_updates():
        validate_parameters(update_to_json(u), shape)


def test_botocore_callback_failure_body_is_an_error_object(lambda_model: ServiceModel) -> None:
    error = {"ErrorMessage": "not approved", "ErrorType": "RejectedError", "StackTrace": ["x"]}
    request = _serialize(
        lambda_model,
        "SendDurableExecutionCallbackFailure",
        {"CallbackId": "Y2IxCg==", "Error": error},
    )
    assert error_from_json(json.loads(request["body"])) == ErrorObject(
        message="not approved", type="RejectedError", stack_trace=["x"]
    )
