"""The OpenAPI 3.0 description of the HTTP API, built as data and served at
`/openapi.json`.

It follows botocore's `lambda` model for the durable-execution operations (members,
locations, bounds; reference §4.1-§4.5) so that a generic client or a fuzzer
(schemathesis, in tests/api) can exercise every route. Timestamps in bodies are epoch
seconds; query timestamps are ISO-8601. The ARN path parameter is one percent-encoded
segment.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from perdure._api.openapi_shapes import (
    TIMESTAMP,
    enum,
    integer,
    obj,
    ref,
    schemas,
    string,
)
from perdure._model import ExecutionStatus

_EXECUTION = "/2025-12-01/durable-executions/{DurableExecutionArn}"
_CALLBACK = "/2025-12-01/durable-execution-callbacks/{CallbackId}"


def _param(name: str, where: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path", "schema": schema}


_ARN = _param(
    "DurableExecutionArn",
    "path",
    string(
        1,
        1024,
        description="The execution ARN as ONE path segment, percent-encoded ('/' as %2F).",
    ),
)
_CALLBACK_ID = _param("CallbackId", "path", string(1, 1024))
_FUNCTION = _param("FunctionName", "path", string(1, 256, pattern=r"^[a-zA-Z0-9_:$.-]+$"))
_MARKER = _param("Marker", "query", string(1, 1024))
_MAX_ITEMS = _param("MaxItems", "query", integer(0, 1000))
_INCLUDE = _param("IncludeExecutionData", "query", {"type": "boolean"})
_REVERSE = _param("ReverseOrder", "query", {"type": "boolean"})
# Perdure's own (AWS's clients never send it): hold the answer until the execution ends.
_WAIT = {
    **_param("WaitSeconds", "query", {"type": "number", "minimum": 0, "maximum": 20}),
    "description": "Perdure only: answer once the execution has ended, or after this "
    "many seconds, whichever is first.",
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _op(
    operation_id: str,
    params: list[dict[str, Any]],
    ok: int,
    ok_schema: dict[str, Any] | None,
    errors: tuple[int, ...] = (400, 404, 409, 413, 429, 500),
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    ok_response: dict[str, Any] = {"description": "Success"}
    if ok_schema is not None:
        ok_response["content"] = _json(ok_schema)
    responses: dict[str, Any] = {str(ok): ok_response}
    for status in errors:
        responses[str(status)] = {
            "description": "AWS error; the code is in the X-Amzn-ErrorType header",
            "content": _json(ref("AwsError")),
        }
    out: dict[str, Any] = {
        "operationId": operation_id,
        "parameters": params,
        "responses": responses,
    }
    if body is not None:
        out["requestBody"] = body
    return out


def _body(schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"required": required, "content": _json(schema)}


def _paths() -> dict[str, Any]:
    empty = obj({})
    checkpoint_body = obj(
        {
            "CheckpointToken": string(1, 2048),
            "Updates": {"type": "array", "items": ref("OperationUpdate")},
            "ClientToken": string(1, 64),
        },
        ("CheckpointToken",),
    )
    page = obj({"Operations": {"type": "array", "items": ref("Operation")}, "NextMarker": string()})
    checkpoint_out = obj({"CheckpointToken": string(), "NewExecutionState": page})
    history = obj({"Events": {"type": "array", "items": ref("Event")}, "NextMarker": string()})
    listing = obj(
        {
            "DurableExecutions": {"type": "array", "items": ref("ExecutionSummary")},
            "NextMarker": string(),
        }
    )
    client_token = string(1, 64)
    raw_body = {
        "required": False,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
    invoke_params = [
        _FUNCTION,
        _param("Qualifier", "query", string(1, 128)),
        _param(
            "X-Amz-Invocation-Type",
            "header",
            {"type": "string", "enum": ["RequestResponse", "Event", "DryRun"]},
        ),
        _param("X-Amz-Durable-Execution-Name", "header", string(1, 64, pattern="^[a-zA-Z0-9-_]+$")),
        _param("X-Amz-Tenant-Id", "header", string(1, 256)),
    ]
    return {
        "/2015-03-31/functions/{FunctionName}/invocations": {
            "post": _op(
                "Invoke",
                invoke_params,
                200,
                {},
                (202, 204, 400, 404, 409, 413, 500),
                _body({}),
            )
        },
        _EXECUTION + "/checkpoint": {
            "post": _op(
                "CheckpointDurableExecution",
                [_ARN],
                200,
                checkpoint_out,
                body=_body(checkpoint_body, required=True),
            )
        },
        _EXECUTION + "/state": {
            "get": _op(
                "GetDurableExecutionState",
                [
                    _ARN,
                    _param("CheckpointToken", "query", string(1, 2048), True),
                    _MARKER,
                    _MAX_ITEMS,
                ],
                200,
                page,
            )
        },
        _EXECUTION: {
            "get": _op("GetDurableExecution", [_ARN, _INCLUDE, _WAIT], 200, ref("Execution")),
            "delete": _op(
                "DeleteDurableExecution",
                [_ARN],
                202,
                obj({"DeletionRequestTimestamp": TIMESTAMP}, ("DeletionRequestTimestamp",)),
            ),
        },
        _EXECUTION + "/history": {
            "get": _op(
                "GetDurableExecutionHistory",
                [_ARN, _INCLUDE, _MAX_ITEMS, _MARKER, _REVERSE],
                200,
                history,
            )
        },
        "/2025-12-01/functions/{FunctionName}/durable-executions": {
            "get": _op(
                "ListDurableExecutionsByFunction",
                [
                    _FUNCTION,
                    _param("Qualifier", "query", string(1, 128)),
                    _param("DurableExecutionName", "query", string(1, 64)),
                    _param(
                        "Statuses",
                        "query",
                        {"type": "array", "items": enum(ExecutionStatus), "maxItems": 10},
                    ),
                    _param("StartedAfter", "query", string(format="date-time")),
                    _param("StartedBefore", "query", string(format="date-time")),
                    _REVERSE,
                    _MARKER,
                    _MAX_ITEMS,
                ],
                200,
                listing,
            )
        },
        _EXECUTION + "/stop": {
            "post": _op(
                "StopDurableExecution",
                [_ARN],
                200,
                obj({"StopTimestamp": TIMESTAMP}, ("StopTimestamp",)),
                body=_body(ref("ErrorObject")),
            )
        },
        _EXECUTION + "/pause": {
            "post": _op(
                "PauseDurableExecution",
                [_ARN],
                202,
                empty,
                body=_body(
                    obj(
                        {
                            "ClientToken": client_token,
                            "Reason": string(0, 1024),
                            "ExecutionTimeoutPaused": {"type": "boolean"},
                        }
                    )
                ),
            )
        },
        _EXECUTION + "/resume": {
            "post": _op(
                "ResumeDurableExecution",
                [_ARN],
                202,
                empty,
                body=_body(obj({"ClientToken": client_token, "Reason": string(0, 1024)})),
            )
        },
        _CALLBACK + "/succeed": {
            "post": _op(
                "SendDurableExecutionCallbackSuccess", [_CALLBACK_ID], 200, empty, body=raw_body
            )
        },
        _CALLBACK + "/fail": {
            "post": _op(
                "SendDurableExecutionCallbackFailure",
                [_CALLBACK_ID],
                200,
                empty,
                body=_body(ref("ErrorObject")),
            )
        },
        _CALLBACK + "/heartbeat": {
            "post": _op("SendDurableExecutionCallbackHeartbeat", [_CALLBACK_ID], 200, empty)
        },
        "/health": {
            "get": _op(
                "Health",
                [],
                200,
                obj({"status": string(), "store": string()}, ("status",)),
                (503,),
            )
        },
        "/metrics": {
            "get": {
                "operationId": "Metrics",
                "responses": {
                    "200": {
                        "description": "Prometheus text exposition format 0.0.4",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
    }


def _worker_paths() -> dict[str, Any]:
    """Perdure's own worker protocol (`workers.py`)."""
    prefix = "/perdure/v1/invocations"
    worker_id = string(1, 256, pattern=r"^[\x21-\x7E]+$")
    lease = integer(1, 12 * 60 * 60)
    request_id = _param("RequestId", "path", string(1, 64, pattern="^[a-zA-Z0-9-]+$"))
    arn = string(1, 1024)
    claim_body = obj(
        {
            "WorkerId": worker_id,
            "Functions": {
                "type": "array",
                "items": string(1, 64, pattern="^[a-zA-Z0-9_-]+$"),
                "minItems": 1,
                "maxItems": 100,
            },
            "LeaseSeconds": lease,
            "WaitSeconds": integer(0, 20),
            "MaxInvocations": integer(1, 100),
        },
        ("WorkerId", "Functions"),
    )
    claimed = obj(
        {
            "RequestId": string(),
            "FunctionName": string(),
            "DurableExecutionArn": string(),
            "Event": {"type": "object", "description": "The Lambda invocation envelope"},
        },
        ("RequestId", "FunctionName", "DurableExecutionArn", "Event"),
    )
    output = obj(
        {
            "Status": {"type": "string", "enum": ["SUCCEEDED", "FAILED", "PENDING"]},
            "Result": string(),
            "Error": ref("ErrorObject"),
        },
        ("Status",),
    )
    return {
        prefix + "/claim": {
            "post": _op(
                "ClaimInvocations",
                [],
                200,
                obj({"Invocations": {"type": "array", "items": claimed}}, ("Invocations",)),
                (204, 400, 413, 500),
                _body(claim_body, required=True),
            )
        },
        prefix + "/{RequestId}/heartbeat": {
            "post": _op(
                "HeartbeatInvocation",
                [request_id],
                200,
                obj({"LeaseExpiresTimestamp": TIMESTAMP}, ("LeaseExpiresTimestamp",)),
                (400, 404, 409, 413, 500),
                _body(
                    obj(
                        {"DurableExecutionArn": arn, "WorkerId": worker_id, "LeaseSeconds": lease},
                        ("DurableExecutionArn", "WorkerId"),
                    ),
                    required=True,
                ),
            )
        },
        prefix + "/{RequestId}/complete": {
            "post": _op(
                "CompleteInvocation",
                [request_id],
                200,
                obj({}),
                (400, 404, 409, 413, 500),
                _body(
                    obj(
                        {
                            "DurableExecutionArn": arn,
                            "WorkerId": worker_id,
                            "Output": output,
                            "Error": ref("ErrorObject"),
                        },
                        ("DurableExecutionArn",),
                    ),
                    required=True,
                ),
            )
        },
    }


@cache
def _document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Perdure durable-execution API",
            "version": "2025-12-01",
            "description": (
                "AWS Lambda's durable-execution REST API (and Invoke), served by Perdure. "
                "Errors carry their code in the X-Amzn-ErrorType header."
            ),
        },
        "paths": {**_paths(), **_worker_paths()},
        "components": {"schemas": schemas()},
    }


def openapi_document() -> dict[str, Any]:
    """The document (shared; do not mutate)."""
    return _document()
