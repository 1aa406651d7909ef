"""The child side of the process invoker: run one invocation, talking to the parent.

The parent sends the handler's `module:attribute`, the invocation envelope and its own
environment; the child imports the handler, runs it with an SDK client whose calls are
requests over the pipe, and answers `done` (the handler's output) or `raised` (an
exception that escaped it). Anything else (a signal, `os._exit`, a segfault) leaves the
pipe without an answer, and the parent records the exit status.

The other way round, a pipe that breaks means the parent is gone (a worker SIGKILLed):
nobody can use the invocation's outcome any more, so the child exits at once with one
line on stderr, rather than failing its handler and printing a traceback per handler
process into the log of a worker that no longer exists.

Kept apart from the parent side so that a spawned child imports only the SDK and the
wire shapes, not the service.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from perdure._clock import SystemClock
from perdure._model import CheckpointResponse, OperationUpdate, StateResponse
from perdure._runtime import lifeline
from perdure._runtime.invokers import failure_of
from perdure._runtime.registry import load_target
from perdure._sdk.transport.service_client import EmbeddedInvocation
from perdure._wire.checkpoint import checkpoint_response_from_json, state_response_from_json
from perdure._wire.envelope import invocation_input_from_json
from perdure._wire.operations import update_to_json
from perdure.errors import (
    ApiError,
    CheckpointError,
    DurableApiErrorCategory,
    GetExecutionStateError,
)

# The exit status of a child whose parent went away (nobody reads it but the fork server).
PARENT_GONE_STATUS = 75


class Parent:
    """The pipe to the invoking process. Sending or receiving fails only once that
    process has closed its end, i.e. it is gone or has given up on this invocation:
    then this process exits quietly (`parent_gone`), from whichever thread noticed."""

    def __init__(self, conn: multiprocessing.connection.Connection, request_id: str) -> None:
        self._conn = conn
        self._request_id = request_id

    def send(self, text: str) -> None:
        """Send one JSON message."""
        try:
            self._conn.send(text)
        except (OSError, EOFError):
            self.parent_gone()

    def receive(self) -> Any:
        try:
            return json.loads(self._conn.recv())
        except (OSError, EOFError):
            self.parent_gone()

    def close(self) -> None:
        self._conn.close()

    def parent_gone(self) -> NoReturn:
        """Exit now, saying so in one line. `os._exit`: a normal exit would wait for the
        handler's threads, and run exit hooks written for a process that lives on."""
        try:
            sys.stdout.flush()
            sys.stderr.write(
                f"perdure: handler process of invocation {self._request_id} exits: "
                "the process that invoked it is gone\n"
            )
            sys.stderr.flush()
        except (OSError, ValueError):
            pass  # nowhere left to say it
        os._exit(PARENT_GONE_STATUS)


class PipeApiError(ApiError):
    """A refusal from the service, carried across the pipe with its code and status."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code  # type: ignore[misc]
        self.status = status  # type: ignore[misc]


class PipeClient:
    """The SDK's service client inside the child: each call is a request over the pipe.
    A refusal comes back as the service's error; a call that failed on the way (the
    server unreachable from a remote worker) as the SDK's invocation-level error, as
    the HTTP client raises it."""

    def __init__(self, parent: Parent) -> None:
        self._parent = parent

    def _call(self, message: Mapping[str, Any], failed: type[Exception]) -> Any:
        self._parent.send(json.dumps(message))
        reply = self._parent.receive()
        if "error" in reply:
            err = reply["error"]
            raise PipeApiError(err["code"], err["message"], err["status"])
        if "failed" in reply:
            raise failed(reply["failed"], DurableApiErrorCategory.INVOCATION)
        return reply["ok"]

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: Sequence[OperationUpdate],
        client_token: str | None = None,
    ) -> CheckpointResponse:
        body = self._call(
            {
                "op": "checkpoint",
                "arn": durable_execution_arn,
                "token": checkpoint_token,
                "updates": [update_to_json(u) for u in updates],
                "client_token": client_token,
            },
            CheckpointError,
        )
        return checkpoint_response_from_json(body, time_unit="ms")

    def get_execution_state(
        self, durable_execution_arn: str, checkpoint_token: str, marker: str, max_items: int = 1000
    ) -> StateResponse:
        body = self._call(
            {
                "op": "state",
                "arn": durable_execution_arn,
                "token": checkpoint_token,
                "marker": marker,
                "max_items": max_items,
            },
            GetExecutionStateError,
        )
        return state_response_from_json(body, time_unit="ms")


def child_main(conn: multiprocessing.connection.Connection, target: str, payload: str) -> None:
    # Everything inherited from the fork server stays put: a collection that walked it
    # would copy most of the server's memory into this short-lived process.
    gc.freeze()
    # Ctrl-C reaches the whole process group; the parent decides when its invocations
    # stop (it lets them finish), so the child does not take the interrupt itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Nobody can use this invocation's outcome once the parent is gone.
    lifeline.die_with_parent(signal.SIGKILL)
    # The parent marks the child daemonic (so that it never waits for one at exit);
    # the handler may still start processes of its own, as it could in a thread.
    multiprocessing.current_process().daemon = False
    data = json.loads(payload)
    parent = Parent(conn, str(data["request_id"]))
    # A child forked from a long-lived server process would otherwise see the
    # environment of when that server started, not the invoking process's.
    os.environ.clear()
    os.environ.update(data["env"])

    def sink(record: Mapping[str, Any]) -> None:
        parent.send(json.dumps({"op": "log", "record": dict(record)}, default=str))

    event = EmbeddedInvocation(
        input=invocation_input_from_json(data["input"]),
        client=PipeClient(parent),
        clock=SystemClock(),
        log_sink=sink,
        request_id=data["request_id"],
    )
    try:
        raw = load_target(target)(event, None)
        parent.send(json.dumps({"op": "done", "output": raw}))
    except BaseException as exc:
        err = failure_of(exc)
        parent.send(
            json.dumps(
                {
                    "op": "raised",
                    "error": {"message": err.message, "type": err.type, "stack": err.stack_trace},
                }
            )
        )
    parent.close()
