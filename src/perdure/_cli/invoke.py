"""`perdure invoke FUNCTION`: start an execution and, unless `--async`, wait for it with
a live status line on a terminal, then print its result.

The wait is a poll of GetDurableExecution (plus the newest history event for the status
line), not a held HTTP request, so it shows progress, survives the server's 15-minute
synchronous-invoke limit, and Ctrl-C leaves the execution running.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from perdure._cli.console import Console, encodable, truncate
from perdure._cli.context import CliContext, read_json_arg
from perdure._cli.errors import EXECUTION_FAILED, INTERRUPTED, OK, TIMED_OUT, UsageError
from perdure._cli.history import duration_text, open_callbacks, summarize
from perdure.client import Progress

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser(
        "invoke",
        parents=[common],
        help="start an execution (and wait for its result)",
        description="Start a durable execution of FUNCTION. Without --async, wait for it to "
        "end and print its result: exit 0 if it SUCCEEDED, 1 if it FAILED, TIMED_OUT or was "
        "STOPPED.",
    )
    p.add_argument("function", metavar="FUNCTION")
    p.add_argument(
        "--input", metavar="JSON|@FILE", help="the input event: JSON text, @file or @- (stdin)"
    )
    p.add_argument("--name", help="execution name; the same name and input start it only once")
    p.add_argument("--qualifier", help="version or alias to record (default $LATEST)")
    p.add_argument(
        "--async", dest="run_async", action="store_true", help="print the ARN and return at once"
    )
    p.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="stop waiting after SECONDS (exit 4; the execution goes on)",
    )
    p.set_defaults(run=invoke)


class StatusLine:
    """One line on stderr, redrawn in place: spinner, status, elapsed time, latest event.

    The line is cut to the terminal's width, so a callback's id, which people copy to
    answer it, is also printed whole on a line of its own when it first appears."""

    def __init__(self, console: Console, name: str) -> None:
        self._console = console
        self._name = name
        self._frame = 0
        self._drawn = False
        self._announced: set[str] = set()

    def update(self, progress: Progress) -> None:
        con = self._console
        for callback_id, name in open_callbacks(list(reversed(progress.recent_events))):
            if callback_id not in self._announced:
                self._announced.add(callback_id)
                self.clear()
                con.note(f"waiting for callback {callback_id} ({name})")
        latest = doing(progress)
        spin = SPINNER[self._frame % len(SPINNER)]
        self._frame += 1
        head = (
            f"{con.style(spin, 'cyan', err=True)} {self._name} "
            f"{con.status(progress.execution.status, err=True)} "
            f"{_elapsed(progress.elapsed)}"
        )
        room = max(10, con.terminal_width() - len(self._name) - 30)
        line = f"\r\033[K{head}  {con.style(truncate(latest, room), 'dim', err=True)}"
        con.err.write(encodable(con.err, line))
        con.err.flush()
        self._drawn = True

    def clear(self) -> None:
        if self._drawn:
            self._console.err.write("\r\033[K")
            self._console.err.flush()
            self._drawn = False


def doing(progress: Progress) -> str:
    """What the execution is doing or waiting for, from its newest events: an open
    callback (with the id to complete it), else the newest operation event."""
    waiting = open_callbacks(list(reversed(progress.recent_events)))
    if waiting:
        callback_id, name = waiting[-1]
        return f"waiting for callback {callback_id} ({name})"
    event = progress.latest_operation_event or {}
    text = str(event.get("EventType", ""))
    if event.get("Name") and text != "ExecutionStarted":
        text += f" {event['Name']}"
    detail = summarize(event) if event else ""
    return f"{text}  {detail}" if detail else text


def _elapsed(seconds: float) -> str:
    return f"{int(seconds)}s" if seconds < 60 else duration_text(seconds)


def invoke(ctx: CliContext) -> int:
    args = ctx.args
    con = ctx.console
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    payload = read_json_arg(args.input, "--input") if args.input is not None else None
    client = ctx.client()
    arn = client.start_raw(args.function, payload, name=args.name, qualifier=args.qualifier)
    if args.run_async:
        if con.as_json:
            con.json({"DurableExecutionArn": arn})
        else:
            con.print(arn)
            if con.interactive:
                con.note(con.style(f"follow it: perdure executions get '{arn}'", "dim", err=True))
        return OK

    line = (
        StatusLine(con, args.name or args.function) if con.interactive and not con.as_json else None
    )
    try:
        execution = client.wait(
            arn, timeout=args.timeout, on_progress=line.update if line else None
        )
    except TimeoutError as exc:
        if line:
            line.clear()
        con.error(f"{exc}. Follow it with: perdure executions get '{arn}'")
        return TIMED_OUT
    except KeyboardInterrupt:
        if line:
            line.clear()
        con.note(f"stopped waiting; the execution goes on: perdure executions get '{arn}'")
        return INTERRUPTED
    if line:
        line.clear()

    if con.as_json:
        con.json(dict(execution.wire))
    else:
        took = duration_text(execution.duration.total_seconds()) if execution.duration else "?"
        con.note(f"{con.status(execution.status, err=True)} in {took}  {execution.arn}")
        if execution.status == "SUCCEEDED":
            con.print(pretty(execution.raw_result))
        elif execution.error is not None:
            con.error(str(execution.error))
    return OK if execution.status == "SUCCEEDED" else EXECUTION_FAILED


def pretty(raw: str | None) -> str:
    """A result payload for people: indented JSON, or the text itself if not JSON."""
    if raw is None or raw == "":
        return "null"
    try:
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except ValueError:
        return raw
