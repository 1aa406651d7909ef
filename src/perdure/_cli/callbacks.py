"""`perdure callback succeed|fail|heartbeat ID`: what an outside system does to finish a
`wait_for_callback` or `create_callback`, from the shell."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from perdure._cli.context import CliContext
from perdure._cli.errors import OK, UsageError
from perdure.client import ErrorDetails


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser(
        "callback",
        parents=[common],
        help="complete or heartbeat a callback",
        description="Complete or heartbeat a callback an execution is waiting for. The "
        "callback id is in the CallbackStarted event (perdure executions history ARN).",
    )
    sub = group.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = sub.add_parser("succeed", parents=[common], help="complete a callback with a result")
    p.add_argument("callback_id", metavar="ID")
    p.add_argument(
        "--result",
        metavar="TEXT|@FILE",
        help="the result payload, sent unchanged (usually JSON, e.g. '\"approved\"'); "
        "@file or @- reads it",
    )
    p.set_defaults(run=succeed)

    p = sub.add_parser("fail", parents=[common], help="fail a callback with an error")
    p.add_argument("callback_id", metavar="ID")
    p.add_argument("--type", dest="error_type", help="ErrorType, e.g. Rejected")
    p.add_argument("--message", dest="error_message", help="ErrorMessage")
    p.add_argument("--data", dest="error_data", help="ErrorData (free text, often JSON)")
    p.set_defaults(run=fail)

    p = sub.add_parser("heartbeat", parents=[common], help="tell the execution work goes on")
    p.add_argument("callback_id", metavar="ID")
    p.set_defaults(run=heartbeat)


def _result(value: str | None) -> bytes | None:
    if value is None:
        return None
    if not value.startswith("@"):
        return value.encode("utf-8")
    source = value[1:]
    try:
        return sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        raise UsageError(f"--result: cannot read {source}: {exc.strerror or exc}") from None


def _done(ctx: CliContext, text: str) -> int:
    if ctx.console.as_json:
        ctx.console.json({})
    else:
        ctx.console.note(text)
    return OK


def succeed(ctx: CliContext) -> int:
    ctx.client().send_callback_success(ctx.args.callback_id, _result(ctx.args.result))
    return _done(ctx, f"callback {ctx.args.callback_id} succeeded")


def fail(ctx: CliContext) -> int:
    args = ctx.args
    error = ErrorDetails(type=args.error_type, message=args.error_message, data=args.error_data)
    ctx.client().send_callback_failure(args.callback_id, error)
    return _done(ctx, f"callback {args.callback_id} failed")


def heartbeat(ctx: CliContext) -> int:
    ctx.client().send_callback_heartbeat(ctx.args.callback_id)
    return _done(ctx, f"callback {ctx.args.callback_id} heartbeat sent")
