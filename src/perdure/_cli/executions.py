"""`perdure executions list|get|history|stop|pause|resume|delete`."""

from __future__ import annotations

import argparse
import datetime as _dt
from typing import Any

from perdure._cli.context import CliContext
from perdure._cli.errors import OK, UsageError
from perdure._cli.history import duration_text, open_callbacks, render, show_payload
from perdure.client import ErrorDetails, Execution

# `get` shows one execution, so it can afford longer payloads than a history row.
DETAIL_CHARS = 500
STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED", "PAUSING", "PAUSED")


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser(
        "executions",
        parents=[common],
        help="list, inspect and control executions",
        description="List, inspect and control durable executions.",
    )
    sub = group.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = sub.add_parser("list", parents=[common], help="a function's executions, newest first")
    p.add_argument("function", metavar="FUNCTION")
    p.add_argument(
        "--status",
        dest="statuses",
        action="append",
        type=str.upper,
        choices=STATUSES,
        metavar="STATUS",
        help=f"only these statuses (repeatable): {', '.join(STATUSES)}",
    )
    p.add_argument("--name", help="only the execution with this name")
    p.add_argument("--limit", type=int, default=50, help="at most N executions (default 50)")
    p.set_defaults(run=list_executions)

    p = sub.add_parser("get", parents=[common], help="one execution: status, result, error")
    p.add_argument("arn", metavar="ARN")
    p.set_defaults(run=get_execution)

    p = sub.add_parser("history", parents=[common], help="an execution's events as a table")
    p.add_argument("arn", metavar="ARN")
    p.add_argument("--reverse", action="store_true", help="newest event first")
    p.set_defaults(run=history)

    for action, text in (
        ("stop", "stop a running or paused execution (it ends STOPPED)"),
        ("pause", "hold an execution's invocations until it is resumed"),
        ("resume", "let a paused execution run again"),
        ("delete", "delete an ended execution and its history"),
    ):
        p = sub.add_parser(action, parents=[common], help=text)
        p.add_argument("arn", metavar="ARN")
        if action in ("pause", "resume"):
            p.add_argument("--reason", help="recorded in the history")
        if action == "stop":
            p.add_argument("--error-type", help="ErrorType recorded on the execution")
            p.add_argument("--error-message", help="ErrorMessage recorded on the execution")
        p.set_defaults(run=control, action=action)


# -- reading ---------------------------------------------------------------------------


def when(moment: _dt.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def took(execution: Execution) -> str:
    if execution.duration is None:
        return ""
    return duration_text(execution.duration.total_seconds())


def list_executions(ctx: CliContext) -> int:
    args = ctx.args
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    client = ctx.client()
    found = list(
        client.list(args.function, statuses=args.statuses, name=args.name, limit=args.limit)
    )
    con = ctx.console
    if con.as_json:
        con.json({"DurableExecutions": [dict(ex.wire) for ex in found]})
        return OK
    if not found:
        con.note(f"no executions of {args.function} yet")
        return OK
    con.table(
        ["NAME", "STATUS", "STARTED", "TOOK", "ARN"],
        [[ex.name, con.status(ex.status), when(ex.started_at), took(ex), ex.arn] for ex in found],
    )
    return OK


def describe(ctx: CliContext, execution: Execution) -> None:
    """An execution as labelled fields, with what it waits for when it is running."""
    con = ctx.console
    pairs = [
        ("ARN", execution.arn),
        ("Name", execution.name),
        ("Function", f"{execution.function_name} ({execution.version or '$LATEST'})"),
        ("Status", con.status(execution.status)),
        ("Started", when(execution.started_at)),
    ]
    if execution.ended_at is not None:
        pairs.append(("Ended", f"{when(execution.ended_at)}  (took {took(execution)})"))
    pairs.append(("Input", show_payload(execution.raw_input, DETAIL_CHARS)))
    if execution.status == "SUCCEEDED":
        pairs.append(("Result", show_payload(execution.raw_result, DETAIL_CHARS)))
    if execution.error is not None:
        pairs.append(("Error", con.style(str(execution.error), "red")))
    pause = execution.wire.get("PauseDetails")
    if isinstance(pause, dict) and pause.get("Reason"):
        pairs.append(("Paused", str(pause["Reason"])))
    if not execution.is_terminal:
        for callback_id, name in open_callbacks(ctx.client().history(execution.arn)):
            pairs.append(("Waiting for", f"callback {callback_id}  ({name})"))
    con.fields(pairs)


def get_execution(ctx: CliContext) -> int:
    execution = ctx.client().get(ctx.args.arn)
    if ctx.console.as_json:
        ctx.console.json(dict(execution.wire))
    else:
        describe(ctx, execution)
    return OK


def history(ctx: CliContext) -> int:
    events = ctx.client().history(ctx.args.arn, reverse=ctx.args.reverse)
    if ctx.console.as_json:
        ctx.console.json({"Events": events})
    else:
        render(ctx.console, events)
    return OK


# -- acting ----------------------------------------------------------------------------


def control(ctx: CliContext) -> int:
    args = ctx.args
    client = ctx.client()
    con = ctx.console
    if args.action == "delete":
        client.delete(args.arn)
        if con.as_json:
            con.json({})
        else:
            con.note(f"deleted {args.arn}")
        return OK
    if args.action == "stop":
        error = None
        if args.error_type or args.error_message:
            error = ErrorDetails(type=args.error_type, message=args.error_message)
        execution = client.stop(args.arn, error)
    elif args.action == "pause":
        execution = client.pause(args.arn, args.reason)
    else:
        execution = client.resume(args.arn, args.reason)
    if con.as_json:
        con.json(dict(execution.wire))
    else:
        con.note(f"{args.action}: {execution.name} is {con.status(execution.status, err=True)}")
    return OK
