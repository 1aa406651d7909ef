"""What the dashboard's forms do: each reads its fields, calls one `_service` use case
and sends the browser back to a page with a notice (post, redirect, get), so reloading
that page never sends the form again.

A refusal from the service (an execution that has ended, a callback already answered,
JSON that is not JSON) reaches the person as the service words it, on an error page
with the status the API would answer.
"""

from __future__ import annotations

from perdure._dashboard.requests import BadRequest, Request, url
from perdure._model import ErrorObject
from perdure._service import callbacks, delete, pause, queries, start, stop
from perdure._service.context import ServiceContext
from perdure._wire.json_text import parse_strict

MAX_PAYLOAD_CHARS = 1_048_576 * 2  # the service holds payloads to their own limits
MAX_ARN_CHARS = 2048


def _arn(req: Request) -> str:
    arn = req.field("arn", max_len=MAX_ARN_CHARS)
    if arn is None:
        raise BadRequest("The form names no execution.")
    return arn


def _json(text: str | None, what: str) -> str | None:
    """`text` if it is one JSON document (None when empty), else a refusal naming
    `what`."""
    if text is None or not text.strip():
        return None
    parse_strict(text, what)  # raises InvalidParameterValueError with the reason
    return text


def _detail(arn: str, done: str) -> str:
    return url("/ui/execution", arn=arn, done=done)


def execution_action(ctx: ServiceContext, action: str, req: Request) -> str:
    """Run `action` on the form's execution; the URL to send the browser to."""
    arn = _arn(req)
    if action == "stop":
        before = queries.get_execution(ctx, arn).status
        after = stop.stop_execution(ctx, arn, None).status
        return _detail(arn, "stopped" if after != before else "unchanged")
    if action == "pause":
        pause.pause(ctx, arn, "Paused from the dashboard")
        return _detail(arn, "paused")
    if action == "resume":
        pause.resume(ctx, arn, "Resumed from the dashboard")
        return _detail(arn, "resumed")
    if action == "delete":
        execution = queries.get_execution(ctx, arn)
        delete.delete_execution(ctx, arn)
        return url("/ui/executions", function=execution.function_name, done="deleted")
    if action == "rerun":
        execution = queries.get_execution(ctx, arn)
        started = start.start_execution(ctx, execution.function_name, execution.input_payload)
        return _detail(started.arn, "rerun")
    raise BadRequest(f"There is no action {action[:40]!r}.")


def callback_action(ctx: ServiceContext, action: str, req: Request) -> str:
    """Answer the form's callback; the URL to send the browser to."""
    callback_id = req.field("callback_id", max_len=1024)
    if callback_id is None:
        raise BadRequest("The form names no callback.")
    arn = req.field("arn", max_len=MAX_ARN_CHARS)
    if action == "succeed":
        result = _json(req.field("result", max_len=MAX_PAYLOAD_CHARS), "The result")
        callbacks.send_success(ctx, callback_id, None if result is None else result.encode("utf-8"))
        done = "succeeded"
    elif action == "fail":
        error = ErrorObject(
            type=req.field("error_type", max_len=256) or "Rejected",
            message=req.field("error_message", max_len=4096),
        )
        callbacks.send_failure(ctx, callback_id, error)
        done = "failed"
    elif action == "heartbeat":
        callbacks.send_heartbeat(ctx, callback_id)
        done = "heartbeat"
    else:
        raise BadRequest(f"There is no callback action {action[:40]!r}.")
    return _detail(arn, done) if arn else url("/ui/executions", done=done)


def start_action(ctx: ServiceContext, req: Request) -> str:
    """Start the form's function with its JSON input; the URL of the new execution."""
    function = req.field("function", max_len=64)
    if function is None:
        raise BadRequest("Choose a function to start.")
    payload = _json(req.field("input", max_len=MAX_PAYLOAD_CHARS), "The input")
    name = req.field("name", max_len=64)
    started = start.start_execution(ctx, function, payload, name=name)
    return _detail(started.arn, "started")
