"""The component schemas of the OpenAPI document (`openapi.py`): the shapes of botocore's
`lambda` model that request and response bodies use (reference §4.3), with the bounds the
service enforces, and the small builders both modules write them with."""

from __future__ import annotations

from typing import Any

from perdure._model import (
    EventType,
    ExecutionStatus,
    OperationAction,
    OperationStatus,
    OperationType,
)

MAX_SECONDS = 31_622_400


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def string(min_len: int | None = None, max_len: int | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string", **extra}
    if min_len is not None:
        out["minLength"] = min_len
    if max_len is not None:
        out["maxLength"] = max_len
    return out


def integer(lo: int, hi: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": lo, "maximum": hi}


def obj(props: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = list(required)
    return out


def enum(values: Any) -> dict[str, Any]:
    return {"type": "string", "enum": [v.value for v in values]}


TIMESTAMP = {"type": "number", "description": "epoch seconds"}
PAYLOAD = string(max_len=6_291_456)


def schemas() -> dict[str, Any]:
    error_object = obj(
        {
            "ErrorMessage": string(),
            "ErrorType": string(),
            "ErrorData": string(),
            "StackTrace": {"type": "array", "items": string()},
        }
    )
    update = obj(
        {
            "Id": string(1, 64, pattern="^[a-zA-Z0-9-_]+$"),
            "ParentId": string(1, 64, pattern="^[a-zA-Z0-9-_]+$"),
            "Name": string(1, 256),
            "Type": enum(OperationType),
            "SubType": string(1, 32),
            "Action": enum(OperationAction),
            "Payload": PAYLOAD,
            "Error": ref("ErrorObject"),
            "ContextOptions": obj({"ReplayChildren": {"type": "boolean"}}),
            "StepOptions": obj({"NextAttemptDelaySeconds": integer(1, MAX_SECONDS)}),
            "WaitOptions": obj({"WaitSeconds": integer(1, MAX_SECONDS)}),
            "CallbackOptions": obj(
                {
                    "TimeoutSeconds": integer(0, 99_999_999),
                    "HeartbeatTimeoutSeconds": integer(0, 99_999_999),
                }
            ),
            "ChainedInvokeOptions": obj(
                {"FunctionName": string(1, 256), "TenantId": string(1, 256)}, ("FunctionName",)
            ),
        },
        ("Id", "Type", "Action"),
    )
    details = {"type": "object", "additionalProperties": True}
    operation = obj(
        {
            "Id": string(),
            "ParentId": string(),
            "Name": string(),
            "Type": enum(OperationType),
            "SubType": string(),
            "StartTimestamp": TIMESTAMP,
            "EndTimestamp": TIMESTAMP,
            "Status": enum(OperationStatus),
            "ExecutionDetails": details,
            "ContextDetails": details,
            "StepDetails": details,
            "WaitDetails": details,
            "CallbackDetails": details,
            "ChainedInvokeDetails": details,
        },
        ("Id", "Type", "StartTimestamp", "Status"),
    )
    event = {
        **obj(
            {
                "EventType": enum(EventType),
                "EventId": {"type": "integer", "minimum": 1},
                "EventTimestamp": TIMESTAMP,
                "Id": string(),
                "Name": string(),
                "ParentId": string(),
                "SubType": string(),
            },
            ("EventType", "EventId", "EventTimestamp"),
        ),
        "additionalProperties": True,
    }
    summary = obj(
        {
            "DurableExecutionArn": string(),
            "DurableExecutionName": string(),
            "FunctionArn": string(),
            "Status": enum(ExecutionStatus),
            "StartTimestamp": TIMESTAMP,
            "EndTimestamp": TIMESTAMP,
        },
        ("DurableExecutionArn", "DurableExecutionName", "FunctionArn", "Status", "StartTimestamp"),
    )
    execution = obj(
        {
            **summary["properties"],
            "InputPayload": string(),
            "Result": string(),
            "Error": ref("ErrorObject"),
            "Version": string(),
            "ExecutionDataIncluded": {"type": "boolean"},
            "DurableConfig": obj(
                {
                    "ExecutionTimeout": {"type": "integer"},
                    "RetentionPeriodInDays": {"type": "integer"},
                }
            ),
            "PauseDetails": obj(
                {
                    "PauseRequestTimestamp": TIMESTAMP,
                    "Reason": string(),
                    "ExecutionTimeoutPaused": {"type": "boolean"},
                }
            ),
        },
        tuple(summary["required"]),
    )
    aws_error = obj({"Type": string(), "message": string(), "Message": string()}, ("Type",))
    return {
        "ErrorObject": error_object,
        "OperationUpdate": update,
        "Operation": operation,
        "Event": event,
        "ExecutionSummary": summary,
        "Execution": execution,
        "AwsError": aws_error,
    }
