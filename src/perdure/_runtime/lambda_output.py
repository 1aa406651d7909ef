"""What a Lambda-style handler process writes, read as Lambda reads it: every line of its
stdout and stderr is a log record of the invocation under way (a JSON line is the record
itself, as with Lambda's JSON log format), sent to that invocation's execution's log
sink, or to this process's stderr between invocations and when there is no sink.

The runtime inside the process (Python's `lambda_bootstrap`, Node's
`lambda_node_bootstrap.mjs`) writes a marker line after each invocation, so the
invoker can wait until everything the invocation wrote has been read before it reports
the invocation's end. The same pump serves every runtime.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Mapping
from typing import IO, Any

from perdure._model import ErrorObject
from perdure._runtime.lambda_bootstrap import END_MARKER

LogSink = Callable[[Mapping[str, Any]], None]


def log_record(line: str) -> Mapping[str, Any]:
    """A log record from one line of output: a JSON object is the record (Lambda's JSON
    log format, or a handler's own structured line); anything else is its message."""
    if line.startswith("{"):
        try:
            parsed = json.loads(line)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    return {"message": line}


def stderr_line(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def timed_out(request_id: str, seconds: float) -> ErrorObject:
    """The failure of an invocation killed at its deadline, in Lambda's words."""
    return ErrorObject(
        f"RequestId: {request_id} Error: Task timed out after {seconds:.2f} seconds",
        "Sandbox.Timedout",
    )


class OutputPump:
    """Reads a handler process's output on a thread of its own and routes each line to
    the sink of the invocation under way (`attach`), or to `default_output`."""

    def __init__(self, stream: IO[bytes], name: str, default_output: Callable[[str], None]) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._sink: LogSink | None = None
        self._request_id: str | None = None
        self._done = threading.Event()
        self._default_output = default_output
        self._thread = threading.Thread(target=self._read, name=name, daemon=True)
        self._thread.start()

    def attach(self, request_id: str, sink: LogSink | None) -> None:
        """Send what follows to `sink`, until the end marker of `request_id`."""
        with self._lock:
            self._sink, self._request_id = sink, request_id
            self._done.clear()

    def detach(self) -> None:
        with self._lock:
            self._sink, self._request_id = None, None

    def wait_end(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the end marker of the attached invocation (or
        the end of the output)."""
        self._done.wait(timeout)

    def _read(self) -> None:
        with self._stream as stream:
            for raw in stream:
                self._route(raw)
        self._done.set()

    def _route(self, raw: bytes) -> None:
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if line.startswith(END_MARKER):
            with self._lock:
                if line[len(END_MARKER) :] == self._request_id:
                    self._done.set()
            return
        with self._lock:
            sink = self._sink
        if sink is not None:
            sink(log_record(line))
        else:
            self._default_output(line)
