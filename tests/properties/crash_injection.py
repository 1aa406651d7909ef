"""Crashing invocations at chosen checkpoint calls.

A `CrashPlan` numbers every checkpoint call of an execution, across its invocations, and
names the calls at which the invocation dies: `before` (the request never reaches the
service) or `after` (the service committed it, the handler never hears back).

`CrashingInvoker` runs each invocation with its own `_Gate` in front of the service. At a
planned call the gate dies for good: it refuses that call and every later call of the
same invocation, so no thread the invocation leaves behind can write anything. With
threads, the refusal is an error the SDK cannot retry in place, so the handler ends and
the invocation is recorded as failed. With child processes, the refusal is an order the
child obeys by SIGKILLing itself on the spot (`crash_programs._KillOnOrder`), and the
runtime records the dead process as it records any crash.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from perdure._clock import Clock
from perdure._model import CheckpointResponse, InvocationInput, OperationUpdate, StateResponse
from perdure._runtime.embedded_client import EmbeddedClient
from perdure._runtime.invokers import Outcome, ThreadInvoker
from perdure._runtime.process_invoker import ProcessInvoker
from perdure._runtime.registry import Handler
from perdure.errors import ApiError
from tests.properties.crash_programs import KILL_CODE

When = Literal["before", "after"]
InvokerKind = Literal["thread", "process"]


class SimulatedCrash(ApiError):
    """What a dead in-process invocation's checkpoint calls get: a server fault, which
    the SDK hands back to the runtime as a failed invocation."""

    code = "ServiceException"
    status = 500


class KillOrder(ApiError):
    """The answer that makes a child process kill itself."""

    code = KILL_CODE
    status = 500


@dataclass(frozen=True)
class Crash:
    request_id: str
    call: int
    when: When


@dataclass
class CrashPlan:
    points: dict[int, When]
    calls: int = 0
    fired: list[Crash] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Gate:
    """One invocation's way to the service, under the plan."""

    def __init__(self, inner: EmbeddedClient, plan: CrashPlan, request_id: str, kind: str) -> None:
        self._inner = inner
        self._plan = plan
        self._request_id = request_id
        self._error: type[ApiError] = KillOrder if kind == "process" else SimulatedCrash
        self._dead = False

    def _refuse(self, what: str) -> ApiError:
        return self._error(f"invocation {self._request_id} crashed {what}")

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: Sequence[OperationUpdate],
        client_token: str | None = None,
    ) -> CheckpointResponse:
        plan = self._plan
        with plan.lock:
            if self._dead:
                raise self._refuse("earlier")
            plan.calls += 1
            call = plan.calls
            when = plan.points.get(call)
            if when is not None:
                self._dead = True
                plan.fired.append(Crash(self._request_id, call, when))
        if when == "before":
            raise self._refuse(f"before checkpoint call {call}")
        response = self._inner.checkpoint(
            durable_execution_arn, checkpoint_token, updates, client_token
        )
        if when == "after":
            raise self._refuse(f"after checkpoint call {call} was committed")
        return response

    def get_execution_state(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        marker: str,
        max_items: int = 1000,
    ) -> StateResponse:
        with self._plan.lock:
            if self._dead:
                raise self._refuse("earlier")
        return self._inner.get_execution_state(
            durable_execution_arn, checkpoint_token, marker, max_items
        )


class _CurrentGate:
    """The client a long-lived process invoker is built with: the gate of whichever
    invocation runs now (one at a time: the test runs one execution)."""

    gate: _Gate

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: Sequence[OperationUpdate],
        client_token: str | None = None,
    ) -> CheckpointResponse:
        return self.gate.checkpoint(durable_execution_arn, checkpoint_token, updates, client_token)

    def get_execution_state(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        marker: str,
        max_items: int = 1000,
    ) -> StateResponse:
        return self.gate.get_execution_state(
            durable_execution_arn, checkpoint_token, marker, max_items
        )


class CrashingInvoker:
    """Runs each invocation in a thread or a child process behind a fresh `_Gate`."""

    def __init__(
        self, client: EmbeddedClient, clock: Clock, plan: CrashPlan, kind: InvokerKind
    ) -> None:
        self._client = client
        self._clock = clock
        self._plan = plan
        self._kind = kind
        self._current = _CurrentGate()
        self._processes = ProcessInvoker(self._current) if kind == "process" else None

    def invoke(
        self, function_name: str, target: Handler | str, inp: InvocationInput, request_id: str
    ) -> Outcome:
        gate = _Gate(self._client, self._plan, request_id, self._kind)
        if self._processes is not None:
            self._current.gate = gate
            return self._processes.invoke(function_name, target, inp, request_id)
        # A thread invoker of its own: threads this invocation leaves behind keep
        # holding its gate, which is dead once it crashed.
        return ThreadInvoker(gate, self._clock).invoke(function_name, target, inp, request_id)
