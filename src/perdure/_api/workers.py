"""The worker protocol: how `perdure worker` processes get invocations to run and report
how they ended. These routes are Perdure's own (`/perdure/v1/...`); the handlers those
workers run talk to the service over the Lambda API like any other client.

* `POST /perdure/v1/invocations/claim` — long-poll for up to `MaxInvocations` due
  invocations of the worker's `Functions`, each leased to `WorkerId` for
  `LeaseSeconds`. `DurableConfigs` (optional) maps each function to its Lambda-shaped
  `DurableConfig` (`ExecutionTimeout`, `RetentionPeriodInDays`); the server records
  it and starts that function's executions with it. 200 `{"Invocations": [{RequestId,
  FunctionName, DurableExecutionArn, Event}]}` where `Event` is the Lambda invocation
  envelope (epoch *milliseconds*, as a Lambda handler receives it), or 204 when nothing
  became due within `WaitSeconds` (bounded by the server).
* `POST /perdure/v1/invocations/{RequestId}/heartbeat` — extend the lease. 409
  `ResourceConflictException` once the invocation is no longer this one's to run.
* `POST /perdure/v1/invocations/{RequestId}/complete` — record the handler's `Output`
  (its return value) or an `Error` (it crashed or raised). 409 if the invocation was
  already given up on: a worker that lost its lease cannot overwrite what happened since.

A worker that stops heartbeating loses its invocation when the lease expires: the
scheduler records it as failed (`Runtime.LeaseExpired`) and queues it again, and the
invocation's checkpoint token stops working, so the old worker can never write again.
"""

from __future__ import annotations

import re
from typing import Any

from perdure._api.context import ApiContext
from perdure._api.http import Request, Response, json_body
from perdure._model.durable_config import DurableConfig
from perdure._service import invocations, queries
from perdure._service.function_configs import register_configs
from perdure._service.invocations import ClaimedInvocation
from perdure._wire.arns import MAX_ARN_CHARS, parse_execution_arn
from perdure._wire.durable_config import durable_config_from_json
from perdure._wire.envelope import invocation_input_to_json, invocation_output_from_json
from perdure._wire.operations import error_from_json
from perdure._wire.validation import WireFormatError, check_str, opt_int, opt_str, required
from perdure.errors import ResourceConflictError

PREFIX = "/perdure/v1/invocations"
MAX_FUNCTIONS = 100
MAX_BATCH = 100
MAX_LEASE_SECONDS = 12 * 60 * 60
DEFAULT_LEASE_SECONDS = 30
MAX_WAIT_SECONDS = 20
FUNCTION_NAME_RE = re.compile(r"[a-zA-Z0-9_-]{1,64}")
WORKER_ID_RE = re.compile(r"[\x21-\x7E]{1,256}")
REQUEST_ID_RE = re.compile(r"[a-zA-Z0-9-]{1,64}")


def _worker_id(body: dict[str, Any]) -> str:
    return check_str(
        required(body, "WorkerId", "", "a name for this worker process, e.g. host:pid"),
        "WorkerId",
        pattern=WORKER_ID_RE,
        hint="1 to 256 printable ASCII characters without spaces",
    )


def _lease_ms(body: dict[str, Any]) -> int:
    seconds = opt_int(body, "LeaseSeconds", "", lo=1, hi=MAX_LEASE_SECONDS)
    return (DEFAULT_LEASE_SECONDS if seconds is None else seconds) * 1000


def _functions(body: dict[str, Any]) -> list[str]:
    raw = required(body, "Functions", "", "the names of the functions this worker runs")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_FUNCTIONS:
        raise WireFormatError(f"Functions must be an array of 1 to {MAX_FUNCTIONS} names.")
    return [
        check_str(
            name,
            f"Functions[{i}]",
            pattern=FUNCTION_NAME_RE,
            hint="1-64 characters from a-z, A-Z, 0-9, '-' and '_'",
        )
        for i, name in enumerate(raw)
    ]


def _configs(body: dict[str, Any], functions: list[str]) -> dict[str, DurableConfig]:
    raw = body.get("DurableConfigs")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise WireFormatError("DurableConfigs must be an object mapping function names to configs.")
    unknown = sorted(set(raw) - set(functions))
    if unknown:
        raise WireFormatError(
            f"DurableConfigs names functions not in Functions: {unknown[:5]}; describe only "
            "the functions this worker claims."
        )
    return {
        name: durable_config_from_json(doc, f"DurableConfigs.{name}") for name, doc in raw.items()
    }


def _request_id(req: Request) -> str:
    return check_str(
        req.params["RequestId"],
        "RequestId",
        pattern=REQUEST_ID_RE,
        hint="the RequestId the claim answered with",
    )


def _arn(body: dict[str, Any]) -> str:
    arn = check_str(
        required(body, "DurableExecutionArn", "", "the ARN the claim answered with"),
        "DurableExecutionArn",
        min_len=1,
        max_len=MAX_ARN_CHARS,
    )
    parse_execution_arn(arn)
    return arn


def _render(claimed: ClaimedInvocation) -> dict[str, Any]:
    return {
        "RequestId": claimed.request_id,
        "FunctionName": claimed.function_name,
        "DurableExecutionArn": claimed.arn,
        "Event": invocation_input_to_json(claimed.input),
    }


async def claim(api: ApiContext, req: Request) -> Response:
    body = json_body(req)
    worker = _worker_id(body)
    functions = _functions(body)
    configs = _configs(body, functions)
    lease_ms = _lease_ms(body)
    wait = opt_int(body, "WaitSeconds", "", lo=0, hi=MAX_WAIT_SECONDS) or 0
    limit = opt_int(body, "MaxInvocations", "", lo=1, hi=MAX_BATCH) or 1
    # Recorded by the first attempt, on the thread it runs on anyway: one hand-off to
    # a thread per claim, not two.
    unrecorded = [configs] if configs else []

    def attempt() -> list[ClaimedInvocation] | None:
        if unrecorded:
            register_configs(api.ctx, unrecorded[0])
            unrecorded.clear()
        return invocations.claim_due(api.ctx, functions, worker, lease_ms, limit) or None

    assert api.waiter is not None
    claimed = await api.waiter.poll(attempt, min(float(wait), api.max_claim_wait))
    if not claimed:
        return Response(204)
    return Response.json(200, {"Invocations": [_render(c) for c in claimed]})


def heartbeat(api: ApiContext, req: Request) -> Response:
    request_id = _request_id(req)
    body = json_body(req)
    arn = _arn(body)
    worker = _worker_id(body)
    expires = invocations.heartbeat(api.ctx, arn, request_id, worker, _lease_ms(body))
    if expires is None:
        queries.get_execution(api.ctx, arn)  # 404 when there is no such execution
        raise ResourceConflictError(
            f"Invocation {request_id} is no longer running: its lease expired or it ended. "
            "Stop working on it; its checkpoint token is no longer accepted."
        )
    return Response.json(200, {"LeaseExpiresTimestamp": expires / 1000})


def complete(api: ApiContext, req: Request) -> Response:
    request_id = _request_id(req)
    body = json_body(req)
    arn = _arn(body)
    raw_output = body.get("Output")
    raw_error = body.get("Error")
    if (raw_output is None) == (raw_error is None):
        raise WireFormatError(
            "Send exactly one of Output (what the handler returned) and Error (how it failed)."
        )
    output = None if raw_output is None else invocation_output_from_json(raw_output)
    failure = None if raw_error is None else error_from_json(raw_error, path="Error")
    opt_str(body, "WorkerId", "", pattern=WORKER_ID_RE)
    if not invocations.finish_invocation(api.ctx, arn, request_id, output, failure):
        raise ResourceConflictError(
            f"Invocation {request_id} is no longer running: its lease expired and it was "
            "recorded as failed, or its outcome was already recorded."
        )
    return Response.json(200, {})
