"""Random durable programs for the crash property, and the handler that runs them.

A program is plain JSON (nested lists), so it travels as the execution's input and a
child process can run it as well as a thread. Every step body appends `key attempt` to a
journal file named in the input, so the test can count how often each body really ran,
whichever process ran it.

Operations: a step (at-least-once), an at-most-once step, a step that fails its first
attempt and is retried, one that fails for good (caught), a wait, a callback (answered
by the test), and child contexts, maps and parallels of any of these.
"""

from __future__ import annotations

import dataclasses
import os
import signal
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from perdure import DurableContext, StepConfig, durable_execution
from perdure._model import CheckpointResponse, OperationUpdate, StateResponse
from perdure._sdk.transport.service_client import DurableServiceClient, EmbeddedInvocation
from perdure.config import Duration, MapConfig, ParallelConfig, StepSemantics
from perdure.errors import ApiError, StepError
from perdure.retries import RetryPresets

Program = list[Any]

# The code a crash plan answers a child's checkpoint with to make the child kill itself.
KILL_CODE = "PerdurePropertyKill"
# Up to three crashes delay an execution by at most 10 s of its virtual time (invocation
# retry backoffs of 1 + 2 + 4 s, an interrupted at-most-once step's 1 s retry each).
# Waits and step retries outside maps and parallels outlast that, so a crashed
# invocation's retry still finds them pending and suspends on them as the uncrashed run
# did (inside a map or parallel, history_comparison.py explains why it does not matter).
MIN_WAIT_SECONDS = 60
FLAKY_RETRY_SECONDS = 30

_leaf = st.one_of(
    st.tuples(st.just("step"), st.integers(0, 99)),
    st.tuples(st.just("once"), st.integers(0, 99)),
    st.tuples(st.just("flaky"), st.integers(0, 99)),
    st.tuples(st.just("raise"), st.integers(0, 99)),
    st.tuples(st.just("wait"), st.integers(MIN_WAIT_SECONDS, 3600)),
    st.tuples(st.just("callback")),
)
_concurrency = st.one_of(st.none(), st.integers(1, 3))


def _nested(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    bodies = st.lists(inner, min_size=1, max_size=3)
    return st.one_of(
        st.tuples(st.just("child"), bodies),
        st.tuples(st.just("map"), st.integers(0, 3), _concurrency, bodies),
        st.tuples(st.just("parallel"), st.lists(bodies, min_size=1, max_size=3), _concurrency),
    )


def _as_json(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_as_json(v) for v in value]
    return value


programs: st.SearchStrategy[Program] = st.lists(
    st.recursive(_leaf, _nested, max_leaves=8), min_size=1, max_size=5
).map(_as_json)


def _journal(path: str, key: str, attempt: int) -> None:
    """One line per body run; O_APPEND keeps lines whole across threads and processes."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{key} {attempt}\n".encode())
    finally:
        os.close(fd)


_ONCE = StepConfig(
    step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
    retry_strategy=RetryPresets.fixed(Duration(1)),
)
_FLAKY = StepConfig(retry_strategy=RetryPresets.fixed(Duration(FLAKY_RETRY_SECONDS)))
_NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())


class _Interpreter:
    def __init__(self, journal: str) -> None:
        self._journal = journal

    def run(self, program: Sequence[Any], ctx: DurableContext, path: str) -> list[Any]:
        return [self._op(op, ctx, f"{path}.{i}") for i, op in enumerate(program)]

    def _body(self, key: str, value: int, fail_first: bool, always_fail: bool) -> Any:
        def body(sc: Any) -> int:
            _journal(self._journal, key, sc.attempt)
            if always_fail or (fail_first and sc.attempt == 1):
                raise ValueError(f"{key} failed on attempt {sc.attempt}")
            return value

        return body

    def _op(self, op: Sequence[Any], ctx: DurableContext, key: str) -> Any:
        kind = op[0]
        if kind == "step":
            return ctx.step(self._body(key, op[1], False, False), name=key)
        if kind == "once":
            return ctx.step(self._body(key, op[1], False, False), name=key, config=_ONCE)
        if kind == "flaky":
            return ctx.step(self._body(key, op[1], True, False), name=key, config=_FLAKY)
        if kind == "raise":
            try:
                return ctx.step(self._body(key, op[1], False, True), name=key, config=_NO_RETRY)
            except StepError as exc:
                return f"caught {exc.error_type}: {exc}"
        if kind == "wait":
            ctx.wait(Duration(op[1]), name=key)
            return None
        if kind == "callback":
            return ctx.create_callback(name=key).result()
        if kind == "child":
            return ctx.run_in_child_context(lambda c: self.run(op[1], c, key), name=key)
        if kind == "map":
            body = op[3]
            return ctx.map(
                list(range(op[1])),
                lambda c, item, idx, items: self.run(body, c, f"{key}.{idx}"),
                name=key,
                config=MapConfig(max_concurrency=op[2]),
            ).get_results()
        if kind == "parallel":
            branches = [
                (lambda c, b=b, body=body: self.run(body, c, f"{key}.{b}"))
                for b, body in enumerate(op[1])
            ]
            config = ParallelConfig(max_concurrency=op[2])
            return ctx.parallel(branches, name=key, config=config).get_results()
        raise ValueError(f"unknown program operation {kind!r}")


@durable_execution
def program_handler(event: dict[str, Any], context: DurableContext) -> list[Any]:
    return _Interpreter(event["journal"]).run(event["program"], context, "r")


class _KillOnOrder:
    """The child's client: passes every call through, and when the parent answers a
    checkpoint with the kill order, the process dies on the spot (SIGKILL: no handler,
    no cleanup, no other thread runs another instruction)."""

    def __init__(self, inner: DurableServiceClient) -> None:
        self._inner = inner

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: Sequence[OperationUpdate],
        client_token: str | None = None,
    ) -> CheckpointResponse:
        try:
            return self._inner.checkpoint(
                durable_execution_arn, checkpoint_token, updates, client_token
            )
        except ApiError as exc:
            if exc.code == KILL_CODE:
                os.kill(os.getpid(), signal.SIGKILL)
            raise

    def get_execution_state(
        self, durable_execution_arn: str, checkpoint_token: str, marker: str, max_items: int = 1000
    ) -> StateResponse:
        return self._inner.get_execution_state(
            durable_execution_arn, checkpoint_token, marker, max_items
        )


def process_handler(event: EmbeddedInvocation, lambda_context: Any) -> Any:
    """The entry point a child process imports (`module:attribute`)."""
    killable = dataclasses.replace(event, client=_KillOnOrder(event.client))
    return program_handler(killable, lambda_context)
