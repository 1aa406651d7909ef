"""Route functions for one durable execution and for listing a function's executions.

Each is parse → one `_service` call → render, with the shapes of `perdure._wire`. Bodies
carry epoch seconds (botocore reads numbers as seconds), never milliseconds.
"""

from __future__ import annotations

import math
from typing import Any

from perdure._api.context import ApiContext
from perdure._api.functions import function_name_and_version
from perdure._api.http import (
    Request,
    Response,
    json_body,
    optional_json,
    q_bool,
    q_int,
    q_list,
    q_str,
    q_time,
)
from perdure._clock import monotonic
from perdure._engine.pause import PAUSED_STATUSES
from perdure._service import checkpoint as checkpoint_use_case
from perdure._service import delete, pause, queries, stop
from perdure._service.listing import ExecutionQuery, list_page
from perdure._wire.arns import parse_execution_arn
from perdure._wire.checkpoint import (
    CLIENT_TOKEN_RE,
    MAX_CLIENT_TOKEN_CHARS,
    checkpoint_request_from_json,
    checkpoint_response_to_json,
    state_response_to_json,
)
from perdure._wire.executions import (
    deletion_document,
    execution_document,
    executions_page_document,
    history_document,
    list_offset,
    list_statuses,
    stop_document,
)
from perdure._wire.operations import error_from_json
from perdure._wire.validation import opt_bool, opt_str
from perdure.errors import InvalidParameterValueError, ResourceNotFoundError

# The longest GetDurableExecution's WaitSeconds may hold a request (as a worker's claim).
MAX_WAIT_SECONDS = 20.0


def _arn(req: Request) -> str:
    arn = req.params["DurableExecutionArn"]
    parse_execution_arn(arn)  # 400 with the expected format when malformed
    return arn


def _page_max(api: ApiContext) -> int:
    return api.ctx.settings.limits.page_max_items


def _marker(req: Request) -> str | None:
    return q_str(req, "Marker", max_len=1024)


def _client_token(body: dict[str, Any]) -> None:
    opt_str(
        body,
        "ClientToken",
        "",
        min_len=1,
        max_len=MAX_CLIENT_TOKEN_CHARS,
        pattern=CLIENT_TOKEN_RE,
        hint="printable ASCII without spaces",
    )


# -- data plane: the handler's calls -----------------------------------------------------


def checkpoint(api: ApiContext, req: Request) -> Response:
    arn = _arn(req)
    token, updates, client_token = checkpoint_request_from_json(json_body(req))
    started = monotonic()
    resp = checkpoint_use_case.checkpoint(api.ctx, arn, token, updates, client_token)
    api.metrics.checkpoint(monotonic() - started)
    return Response.json(200, checkpoint_response_to_json(resp))


def get_state(api: ApiContext, req: Request) -> Response:
    arn = _arn(req)
    token = q_str(req, "CheckpointToken", required=True, max_len=2048)
    assert token is not None
    max_items = q_int(req, "MaxItems", lo=0, hi=_page_max(api))
    resp = checkpoint_use_case.get_state(api.ctx, arn, token, _marker(req), max_items)
    return Response.json(200, state_response_to_json(resp))


# -- control plane -----------------------------------------------------------------------


async def get_execution(api: ApiContext, req: Request) -> Response:
    """GetDurableExecution, with Perdure's long-poll: `WaitSeconds` (never sent by AWS's
    clients, so their requests are answered at once as Lambda answers them) holds the
    answer until the execution has ended or that many seconds have passed, so a caller
    waiting for a result learns it the moment it is committed, in one request."""
    arn = _arn(req)
    include = q_bool(req, "IncludeExecutionData", True)
    wait = _wait_seconds(req)
    if wait:
        assert api.waiter is not None
        execution = await api.waiter.wait_ended(arn, wait)
    else:
        execution = await api.threads.run(queries.get_execution, api.ctx, arn)
    if execution.status in PAUSED_STATUSES:
        paused = await api.threads.run(pause.current_pause, api.ctx, execution)
    else:
        paused = None
    return Response.json(200, execution_document(execution, paused, include_data=include))


def _wait_seconds(req: Request) -> float | None:
    raw = q_str(req, "WaitSeconds", min_len=0, max_len=32)
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not 0 <= seconds <= MAX_WAIT_SECONDS:  # NaN fails this too
        raise InvalidParameterValueError(
            f"WaitSeconds must be a number of seconds from 0 to {MAX_WAIT_SECONDS:g}, got {raw!r}."
        )
    return seconds


def get_history(api: ApiContext, req: Request) -> Response:
    arn = _arn(req)
    include = q_bool(req, "IncludeExecutionData", True)
    events, marker = queries.get_history(
        api.ctx,
        arn,
        marker=_marker(req),
        max_items=q_int(req, "MaxItems", lo=0, hi=_page_max(api)),
        reverse=q_bool(req, "ReverseOrder", False),
    )
    return Response.json(200, history_document(events, marker, include_data=include))


def list_by_function(api: ApiContext, req: Request) -> Response:
    name, version = function_name_and_version(req.params["FunctionName"], req)
    if not api.ctx.function_exists(name):
        raise ResourceNotFoundError(f"Function not found: {name}")
    statuses = list_statuses(q_list(req, "Statuses", max_items=10))
    offset = list_offset(_marker(req))
    query = ExecutionQuery(
        function_name=name,
        name=q_str(req, "DurableExecutionName", max_len=64),
        version=version,
        statuses=statuses,
        started_after=q_time(req, "StartedAfter"),
        started_before=q_time(req, "StartedBefore"),
        # The model documents ReverseOrder=true as oldest first; newest first by default.
        oldest_first=q_bool(req, "ReverseOrder", False),
        offset=offset,
        limit=q_int(req, "MaxItems", lo=0, hi=_page_max(api))
        or api.ctx.settings.limits.page_default_items,
    )
    rows, next_offset = list_page(api.ctx, query)
    return Response.json(200, executions_page_document(rows, next_offset))


def stop_execution(api: ApiContext, req: Request) -> Response:
    arn = _arn(req)
    body = optional_json(req)
    error = None if body is None else error_from_json(body, path="Error")
    execution = stop.stop_execution(api.ctx, arn, error)
    return Response.json(200, stop_document(execution, api.ctx.now()))


def pause_execution(api: ApiContext, req: Request) -> Response:
    arn = _arn(req)
    body = json_body(req)
    _client_token(body)
    reason = opt_str(body, "Reason", "", max_len=1024)
    timeout_paused = opt_bool(body, "ExecutionTimeoutPaused", "")
    pause.pause(api.ctx, arn, reason, True if timeout_paused is None else timeout_paused)
    return Response.json(202, {})


def resume_execution(api: ApiContext, req: Request) -> Response:
    arn = _arn(req)
    body = json_body(req)
    _client_token(body)
    pause.resume(api.ctx, arn, opt_str(body, "Reason", "", max_len=1024))
    return Response.json(202, {})


def delete_execution(api: ApiContext, req: Request) -> Response:
    arn = _arn(req)
    when = delete.delete_execution(api.ctx, arn)
    return Response.json(202, deletion_document(when))
