"""Ways to run one invocation of a handler.

`ThreadInvoker` calls the handler in this process. `ProcessInvoker` runs it in a fresh
child process that talks back to this one over a pipe, so a handler that kills its own
process (`os._exit`, a segfault) ends only that invocation: it is recorded as failed with
`Runtime.ExitError` and retried, as a crashed Lambda invocation is.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.connection
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from perdure._clock import Clock
from perdure._model import ErrorObject, InvocationInput, InvocationOutput
from perdure._runtime.embedded_client import EmbeddedClient
from perdure._runtime.registry import Handler, load_target
from perdure._sdk.client import EmbeddedInvocation, LogSink
from perdure._wire.checkpoint import (
    checkpoint_response_from_json,
    checkpoint_response_to_json,
    state_response_from_json,
)
from perdure._wire.envelope import invocation_output_from_json
from perdure._wire.operations import update_from_json, update_to_json
from perdure.errors import ApiError, qualified_name


@dataclass(frozen=True)
class Outcome:
    output: InvocationOutput | None
    failure: ErrorObject | None


class Invoker(Protocol):
    def invoke(
        self,
        function_name: str,
        target: Handler | str,
        inp: InvocationInput,
        request_id: str,
    ) -> Outcome: ...


def failure_of(exc: BaseException) -> ErrorObject:
    return ErrorObject(
        message=str(exc),
        type=qualified_name(type(exc)),
        stack_trace=traceback.format_exception(exc),
    )


def outcome_of(raw: Any) -> Outcome:
    try:
        return Outcome(invocation_output_from_json(raw), None)
    except (ValueError, TypeError, ApiError) as exc:
        return Outcome(
            None,
            ErrorObject(
                message=f"The handler returned an invalid output: {exc}",
                type="InvalidInvocationOutput",
            ),
        )


class ThreadInvoker:
    def __init__(
        self,
        client: EmbeddedClient,
        clock: Clock,
        log_sink: Callable[[str], LogSink | None] | None = None,
    ) -> None:
        self._client = client
        self._clock = clock
        self._log_sink = log_sink

    def invoke(
        self, function_name: str, target: Handler | str, inp: InvocationInput, request_id: str
    ) -> Outcome:
        handler = load_target(target) if isinstance(target, str) else target
        sink = self._log_sink(inp.durable_execution_arn) if self._log_sink else None
        event = EmbeddedInvocation(
            input=inp, client=self._client, clock=self._clock, log_sink=sink, request_id=request_id
        )
        try:
            raw = handler(event, None)
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            return Outcome(None, failure_of(exc))
        return outcome_of(raw)


# -- child-process invocation ---------------------------------------------------------


class _PipeClient:
    """The SDK's client inside the child: each call is a request over the pipe."""

    def __init__(self, conn: multiprocessing.connection.Connection) -> None:
        self._conn = conn

    def _call(self, message: Mapping[str, Any]) -> Any:
        self._conn.send(json.dumps(message))
        reply = json.loads(self._conn.recv())
        if "error" in reply:
            err = reply["error"]
            exc = ApiError(err["message"])
            exc.code = err["code"]  # type: ignore[misc]
            exc.status = err["status"]  # type: ignore[misc]
            raise exc
        return reply["ok"]

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: Sequence[Any],
        client_token: str | None = None,
    ) -> Any:
        body = self._call(
            {
                "op": "checkpoint",
                "arn": durable_execution_arn,
                "token": checkpoint_token,
                "updates": [update_to_json(u) for u in updates],
            }
        )
        return checkpoint_response_from_json(body, time_unit="ms")

    def get_execution_state(
        self, durable_execution_arn: str, checkpoint_token: str, marker: str, max_items: int = 1000
    ) -> Any:
        body = self._call(
            {
                "op": "state",
                "arn": durable_execution_arn,
                "token": checkpoint_token,
                "marker": marker,
                "max_items": max_items,
            }
        )
        return state_response_from_json(body, time_unit="ms")


def _child_main(conn: multiprocessing.connection.Connection, target: str, payload: str) -> None:
    from perdure._clock import SystemClock
    from perdure._wire.envelope import invocation_input_from_json

    data = json.loads(payload)
    inp = invocation_input_from_json(data["input"])

    def sink(record: Mapping[str, Any]) -> None:
        conn.send(json.dumps({"op": "log", "record": dict(record)}, default=str))

    event = EmbeddedInvocation(
        input=inp,
        client=_PipeClient(conn),
        clock=SystemClock(),
        log_sink=sink,
        request_id=data["request_id"],
    )
    try:
        raw = load_target(target)(event, None)
        conn.send(json.dumps({"op": "done", "output": raw}))
    except BaseException as exc:
        conn.send(json.dumps({"op": "raised", "error": _error_json(failure_of(exc))}))
    conn.close()


def _error_json(e: ErrorObject) -> dict[str, Any]:
    return {"message": e.message, "type": e.type, "stack_trace": e.stack_trace}


class ProcessInvoker:
    def __init__(
        self,
        client: EmbeddedClient,
        log_sink: Callable[[str], LogSink | None] | None = None,
    ) -> None:
        self._client = client
        self._log_sink = log_sink
        self._mp = multiprocessing.get_context("spawn")

    def invoke(
        self, function_name: str, target: Handler | str, inp: InvocationInput, request_id: str
    ) -> Outcome:
        if not isinstance(target, str):
            raise TypeError(
                "The process invoker needs the handler as 'module:attribute' so the child "
                f"process can import it; function {function_name!r} was registered as an object"
            )
        from perdure._wire.envelope import invocation_input_to_json

        parent, child = self._mp.Pipe()
        payload = json.dumps({"input": invocation_input_to_json(inp), "request_id": request_id})
        proc = self._mp.Process(target=_child_main, args=(child, target, payload), daemon=True)
        proc.start()
        child.close()
        sink = self._log_sink(inp.durable_execution_arn) if self._log_sink else None
        outcome: Outcome | None = None
        while outcome is None:
            try:
                message = json.loads(parent.recv())
            except (EOFError, OSError):
                break
            kind = message["op"]
            if kind == "log":
                if sink is not None:
                    sink(message["record"])
            elif kind == "done":
                outcome = outcome_of(message["output"])
            elif kind == "raised":
                e = message["error"]
                outcome = Outcome(
                    None, ErrorObject(e["message"], e["type"], None, e["stack_trace"])
                )
            else:
                parent.send(json.dumps(self._serve(message)))
        proc.join()
        parent.close()
        if outcome is not None:
            return outcome
        code = proc.exitcode
        return Outcome(
            None,
            ErrorObject(
                message=f"RequestId: {request_id} Error: Runtime exited with error: "
                f"exit status {code}",
                type="Runtime.ExitError",
            ),
        )

    def _serve(self, message: Mapping[str, Any]) -> dict[str, Any]:
        try:
            if message["op"] == "checkpoint":
                resp = self._client.checkpoint(
                    message["arn"],
                    message["token"],
                    [update_from_json(u) for u in message["updates"]],
                )
                return {"ok": _ms(checkpoint_response_to_json(resp), resp)}
            state = self._client.get_execution_state(
                message["arn"], message["token"], message["marker"], message["max_items"]
            )
            return {"ok": _ms_state(state)}
        except ApiError as exc:
            return {"error": {"code": exc.code, "message": exc.message, "status": exc.status}}


def _ms(_body: dict[str, Any], resp: Any) -> dict[str, Any]:
    from perdure._wire.operations import operation_to_json

    out: dict[str, Any] = {
        "NewExecutionState": {
            "Operations": [operation_to_json(op, time_unit="ms") for op in resp.operations]
        }
    }
    if resp.checkpoint_token is not None:
        out["CheckpointToken"] = resp.checkpoint_token
    return out


def _ms_state(resp: Any) -> dict[str, Any]:
    from perdure._wire.operations import operation_to_json

    out: dict[str, Any] = {
        "Operations": [operation_to_json(op, time_unit="ms") for op in resp.operations]
    }
    if resp.next_marker:
        out["NextMarker"] = resp.next_marker
    return out
