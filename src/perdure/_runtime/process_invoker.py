"""Running an invocation in a fresh child process.

The child imports the handler by `module:attribute`, runs it, and talks to the service
through this process over a pipe: checkpoint and state requests go up, answers and log
records come back. If the child dies (`os._exit`, a signal, a segfault), the invocation is
recorded as failed with `Runtime.ExitError`, exactly as a crashed Lambda invocation is,
and the service retries it.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.connection
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from perdure._clock import SystemClock
from perdure._model import (
    CheckpointResponse,
    ErrorObject,
    InvocationInput,
    Operation,
    OperationUpdate,
    StateResponse,
)
from perdure._runtime.embedded_client import EmbeddedClient
from perdure._runtime.invokers import Outcome, failure_of, outcome_of
from perdure._runtime.registry import Handler, load_target
from perdure._sdk.client import EmbeddedInvocation, LogSink
from perdure._wire.checkpoint import checkpoint_response_from_json, state_response_from_json
from perdure._wire.envelope import invocation_input_from_json, invocation_input_to_json
from perdure._wire.operations import operation_to_json, update_from_json, update_to_json
from perdure.errors import ApiError


def _ops_json(ops: Sequence[Operation]) -> list[dict[str, Any]]:
    return [operation_to_json(op, time_unit="ms") for op in ops]


class PipeApiError(ApiError):
    """A refusal from the service, carried across the pipe with its code and status."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code  # type: ignore[misc]
        self.status = status  # type: ignore[misc]


class _PipeClient:
    """The SDK's service client inside the child: each call is a request over the pipe."""

    def __init__(self, conn: multiprocessing.connection.Connection) -> None:
        self._conn = conn

    def _call(self, message: Mapping[str, Any]) -> Any:
        self._conn.send(json.dumps(message))
        reply = json.loads(self._conn.recv())
        if "error" in reply:
            err = reply["error"]
            raise PipeApiError(err["code"], err["message"], err["status"])
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
            }
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
            }
        )
        return state_response_from_json(body, time_unit="ms")


def _child_main(conn: multiprocessing.connection.Connection, target: str, payload: str) -> None:
    data = json.loads(payload)

    def sink(record: Mapping[str, Any]) -> None:
        conn.send(json.dumps({"op": "log", "record": dict(record)}, default=str))

    event = EmbeddedInvocation(
        input=invocation_input_from_json(data["input"]),
        client=_PipeClient(conn),
        clock=SystemClock(),
        log_sink=sink,
        request_id=data["request_id"],
    )
    try:
        raw = load_target(target)(event, None)
        conn.send(json.dumps({"op": "done", "output": raw}))
    except BaseException as exc:
        err = failure_of(exc)
        conn.send(
            json.dumps(
                {
                    "op": "raised",
                    "error": {"message": err.message, "type": err.type, "stack": err.stack_trace},
                }
            )
        )
    conn.close()


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
                break  # the child died
            kind = message["op"]
            if kind == "log":
                if sink is not None:
                    sink(message["record"])
            elif kind == "done":
                outcome = outcome_of(message["output"])
            elif kind == "raised":
                e = message["error"]
                outcome = Outcome(None, ErrorObject(e["message"], e["type"], None, e["stack"]))
            else:
                parent.send(json.dumps(self._serve(message)))
        proc.join()
        parent.close()
        if outcome is not None:
            return outcome
        return Outcome(
            None,
            ErrorObject(
                message=f"RequestId: {request_id} Error: Runtime exited with error: "
                f"exit status {proc.exitcode}",
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
                body: dict[str, Any] = {
                    "NewExecutionState": {"Operations": _ops_json(resp.operations)}
                }
                if resp.checkpoint_token is not None:
                    body["CheckpointToken"] = resp.checkpoint_token
                return {"ok": body}
            state = self._client.get_execution_state(
                message["arn"], message["token"], message["marker"], message["max_items"]
            )
            page: dict[str, Any] = {"Operations": _ops_json(state.operations)}
            if state.next_marker:
                page["NextMarker"] = state.next_marker
            return {"ok": page}
        except ApiError as exc:
            return {"error": {"code": exc.code, "message": exc.message, "status": exc.status}}
