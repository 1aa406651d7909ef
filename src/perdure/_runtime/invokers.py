"""Ways to run one invocation of a handler.

`ThreadInvoker` calls the handler in this process. `ProcessInvoker` runs it in a fresh
child process that talks back to this one over a pipe, so a handler that kills its own
process (`os._exit`, a segfault) ends only that invocation: it is recorded as failed with
`Runtime.ExitError` and retried, as a crashed Lambda invocation is.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from perdure._clock import Clock
from perdure._model import ErrorObject, InvocationInput, InvocationOutput
from perdure._runtime.registry import Handler, load_target
from perdure._sdk.transport.service_client import DurableServiceClient, EmbeddedInvocation, LogSink
from perdure._wire.envelope import invocation_output_from_json
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
    """Calls the handler on the calling thread with an EmbeddedInvocation whose client is
    `client`: a direct one in-process, an HTTP one in a remote worker."""

    def __init__(
        self,
        client: DurableServiceClient,
        clock: Clock,
        log_sink: Callable[[str], LogSink | None] | None = None,
    ) -> None:
        self._client = client
        self._clock = clock
        self._log_sink = log_sink

    def invoke(
        self, function_name: str, target: Handler | str, inp: InvocationInput, request_id: str
    ) -> Outcome:
        sink = self._log_sink(inp.durable_execution_arn) if self._log_sink else None
        event = EmbeddedInvocation(
            input=inp, client=self._client, clock=self._clock, log_sink=sink, request_id=request_id
        )
        try:
            # Importing the handler is part of the invocation: an import error is a
            # failed invocation, recorded and retried like any other.
            handler = load_target(target) if isinstance(target, str) else target
            raw = handler(event, None)
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            return Outcome(None, failure_of(exc))
        return outcome_of(raw)
