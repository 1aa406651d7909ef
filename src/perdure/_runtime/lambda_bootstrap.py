"""The runtime inside a Lambda-style handler process: Perdure's stand-in for Lambda's
Python runtime interface client.

`lambda_invoker` starts it as its own program, loaded by file path, so that it imports
nothing but the standard library: the handler's process holds the handler's code and
its SDK (AWS's, unmodified) and none of Perdure. Like Lambda's runtime it first
imports the handler (the *init* phase), reports whether that worked, and then runs
invocations one after another for as long as the invoker keeps it (a warm
environment):

    invoker → runtime   {"event": {...}, "context": {...}}                 one JSON line
    runtime → invoker   {"op": "ready"} | {"op": "init_error", "error": {...}}
                        {"op": "result", "result": ...} | {"op": "error", "error": {...}}

Errors are shaped as Lambda's runtime shapes them (`errorType`, `errorMessage`,
`stackTrace`), with its types for what goes wrong before the handler runs
(`Runtime.MalformedHandlerName`, `Runtime.ImportModuleError`,
`Runtime.UserCodeSyntaxError`, `Runtime.HandlerNotFound`) and for a return value
that is not JSON (`Runtime.MarshalError`).

Output goes where Lambda sends it, to the log: the invoker reads this process's
stdout (stderr is the same pipe). Python logging is set up as on Lambda: records go
to stdout as text lines (`[LEVEL]\\ttime\\trequest id\\tmessage`) or, with
`AWS_LAMBDA_LOG_FORMAT=JSON`, as one JSON object per record with the record's extra
fields. After each invocation a marker line tells the invoker that everything the
invocation wrote has been read.

The process ends when the invoker closes its end of the control pipe, and at once
when the invoker's process is gone (a lifeline pipe nobody writes to reaches
end-of-file), so a killed worker leaves no handler running.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from typing import IO, Any

# The line that ends an invocation's output; the request id follows it.
END_MARKER = "\x1eperdure-invocation-end "

# LogRecord attributes that are the record's own, not `extra=` fields.
_RECORD_FIELDS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "aws_request_id"}
)


class LambdaContext:
    """The context object a Python handler receives on Lambda: the same attributes,
    and `get_remaining_time_in_millis()` counting down to the invocation's deadline."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.aws_request_id: str = str(data["aws_request_id"])
        self.function_name: str = str(data["function_name"])
        self.function_version: str = str(data["function_version"])
        self.invoked_function_arn: str = str(data["invoked_function_arn"])
        self.memory_limit_in_mb: str = str(data["memory_limit_in_mb"])
        self.log_group_name: str = str(data["log_group_name"])
        self.log_stream_name: str = str(data["log_stream_name"])
        self.tenant_id: str | None = data.get("tenant_id")
        self.client_context: Any = None
        self.identity: Any = None
        self._deadline_ms = int(data["deadline_ms"])

    def get_remaining_time_in_millis(self) -> int:
        now_ms = time.time_ns() // 1_000_000  # the handler's wall clock
        return max(self._deadline_ms - now_ms, 0)

    def log(self, msg: str) -> None:
        sys.stdout.write(msg)
        sys.stdout.flush()

    def __repr__(self) -> str:
        return (
            f"LambdaContext(aws_request_id={self.aws_request_id!r}, "
            f"function_name={self.function_name!r}, "
            f"invoked_function_arn={self.invoked_function_arn!r})"
        )


class _RequestId(logging.Filter):
    """Stamps each record with the request id of the invocation under way."""

    current = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _RequestId.current
        return True


def _timestamp(created: float) -> str:
    moment = dt.datetime.fromtimestamp(created, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return (
            f"[{record.levelname}]\t{_timestamp(record.created)}\t"
            f"{getattr(record, 'aws_request_id', '')}\t{text}"
        )


class _JsonFormatter(logging.Formatter):
    """One JSON object per record, as Lambda's JSON log format writes it."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "timestamp": _timestamp(record.created),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
        }
        request_id = getattr(record, "aws_request_id", "")
        if request_id:
            out["requestId"] = request_id
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                out[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            out["errorType"] = type(exc).__name__
            out["errorMessage"] = str(exc)
            out["stackTrace"] = traceback.format_tb(exc.__traceback__)
        return json.dumps(out, default=str)


def _configure_logging() -> None:
    json_format = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "Text").upper() == "JSON"
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(_RequestId())
    handler.setFormatter(_JsonFormatter() if json_format else _TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    # As on Lambda: JSON logs default to INFO (or AWS_LAMBDA_LOG_LEVEL); text logs keep
    # Python's default, WARNING, unless the handler sets a level.
    if json_format:
        level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "INFO").upper()
        root.setLevel(logging.getLevelName(level) if level != "TRACE" else logging.DEBUG)


def _error(
    exc: BaseException, error_type: str | None = None, message: str | None = None
) -> dict[str, Any]:
    return {
        "errorType": error_type or type(exc).__name__,
        "errorMessage": message if message is not None else str(exc),
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


class InitError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error["errorMessage"])
        self.error = error


def load_handler(setting: str) -> Callable[..., Any]:
    """Import the handler as Lambda's runtime does, or raise InitError in its words."""
    module_name, dot, attribute = setting.strip().rpartition(".")
    if not dot or not module_name or not attribute:
        raise InitError(
            {
                "errorType": "Runtime.MalformedHandlerName",
                "errorMessage": f"Bad handler '{setting}': not enough values to unpack "
                "(expected module.function)",
                "stackTrace": [],
            }
        )
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as exc:
        raise InitError(
            _error(
                exc, "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}"
            )
        ) from None
    except Exception as exc:
        raise InitError(
            _error(
                exc, "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
            )
        ) from None
    handler = getattr(module, attribute, None)
    if handler is None:
        raise InitError(
            {
                "errorType": "Runtime.HandlerNotFound",
                "errorMessage": f"Handler '{attribute}' missing on module '{module_name}'",
                "stackTrace": [],
            }
        )
    if not callable(handler):
        raise InitError(
            {
                "errorType": "Runtime.HandlerNotFound",
                "errorMessage": f"Handler '{attribute}' on module '{module_name}' is not "
                f"callable (it is {type(handler).__name__})",
                "stackTrace": [],
            }
        )
    return handler  # type: ignore[no-any-return]


def _watch_lifeline(fd: int) -> None:
    """End this process once the invoker's process is gone: it holds the only write end
    of `fd` and never writes, so a read returns end-of-file exactly then."""

    def wait() -> None:
        try:
            while os.read(fd, 1):
                pass
        except OSError:
            pass
        os._exit(1)

    threading.Thread(target=wait, name="perdure-lifeline", daemon=True).start()


def _send(outbox: IO[str], message: Mapping[str, Any]) -> None:
    outbox.write(json.dumps(message) + "\n")
    outbox.flush()


def _end_output(request_id: str) -> None:
    for stream in (sys.stderr, sys.stdout):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        sys.stdout.write(f"{END_MARKER}{request_id}\n")
        sys.stdout.flush()
    except (OSError, ValueError):
        pass


def _run_one(handler: Callable[..., Any], request: Mapping[str, Any]) -> str:
    """Run one invocation; the reply line for the invoker."""
    context = LambdaContext(request["context"])
    _RequestId.current = context.aws_request_id
    try:
        result = handler(request["event"], context)
    except Exception as exc:
        error = _error(exc)
        error["requestId"] = context.aws_request_id
        traceback.print_exc()  # Lambda logs an unhandled error too
        return json.dumps({"op": "error", "error": error})
    try:
        return json.dumps({"op": "result", "result": result}, allow_nan=False)
    except (TypeError, ValueError) as exc:
        error = _error(exc, "Runtime.MarshalError", f"Unable to marshal response: {exc}")
        return json.dumps({"op": "error", "error": error})


def main(argv: list[str]) -> int:
    setting, inbox_fd, outbox_fd, lifeline_fd = argv[0], *(int(a) for a in argv[1:4])
    for fd in (inbox_fd, outbox_fd, lifeline_fd):
        os.set_inheritable(fd, False)  # the handler's own child processes get none
    _watch_lifeline(lifeline_fd)
    inbox = os.fdopen(inbox_fd, "r", encoding="utf-8")
    outbox = os.fdopen(outbox_fd, "w", encoding="utf-8")
    _configure_logging()
    try:
        handler = load_handler(setting)
    except InitError as exc:
        _send(outbox, {"op": "init_error", "error": exc.error})
        return 1
    _send(outbox, {"op": "ready"})
    for line in inbox:
        request = json.loads(line)
        reply = _run_one(handler, request)
        _end_output(str(request["context"]["aws_request_id"]))
        outbox.write(reply + "\n")
        outbox.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
