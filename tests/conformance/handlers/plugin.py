"""Handlers for the ``plugin`` suite (10-x): instrumentation hooks, judged by their logs.

The plugins are in ``_plugin_hooks`` (one per record shape); ``_plugin_support`` says why
they log through ``logging`` rather than ``print``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from perdure import DurableContext, ParallelBranch, StepContext, durable_execution
from perdure.config import Duration, ParallelConfig, StepConfig
from tests.conformance.handlers._plugin_hooks import (
    BranchFunctionHooks,
    ChangeDump,
    ChangeHooks,
    ContextDump,
    FaultyPlugin,
    HealthyPlugin,
    InvocationDump,
    InvocationEndPerInvocation,
    InvocationHooks,
    ParentLinkage,
    ReplayFlags,
    StepAttemptDump,
    StepAttemptHooks,
    StepOperationDump,
    StepOperationHooks,
    TerminalPayloads,
    UpdatedOnInvoke,
    WaitOperationHooks,
    WaitReplayFlags,
)
from tests.conformance.handlers._plugin_support import factory
from tests.conformance.handlers._support import fixed_retry

# -- handler bodies ---------------------------------------------------------------------


def _greet(context: DurableContext, name: Any, step_name: str | None = None) -> str:
    def greet(step_context: StepContext) -> str:
        step_context.logger.info(f"Greeting step running for: {name}")
        return f"Hello, {name}!"

    return context.step(greet, name=step_name)


def _fails_once(message: str, result: str) -> Callable[[StepContext], str]:
    def body(step_context: StepContext) -> str:
        if step_context.attempt == 1:
            raise RuntimeError(f"{message} (attempt {step_context.attempt})")
        return result

    return body


def _always_fails(message: str) -> Callable[[StepContext], str]:
    def body(step_context: StepContext) -> str:
        raise RuntimeError(message)

    return body


def _wait_two_seconds(context: DurableContext) -> None:
    context.wait(Duration.from_seconds(2))


@durable_execution(plugins=[factory(InvocationHooks)])
def handler_10_1(event: Any, context: DurableContext) -> str:
    """10-1: invocation hooks around a one-step handler."""
    return _greet(context, event)


@durable_execution(plugins=[factory(StepOperationHooks)])
def handler_10_2(event: Any, context: DurableContext) -> str:
    """10-2: one operation-start and one SUCCEEDED operation-end for the step."""
    return _greet(context, event)


@durable_execution(plugins=[factory(StepAttemptHooks)])
def handler_10_3(event: Any, context: DurableContext) -> str:
    """10-3: attempt hooks for a step that fails once, then succeeds."""
    body = _fails_once("unreliable", "Operation succeeded")
    return context.step(body, config=StepConfig(retry_strategy=fixed_retry(3)))


@durable_execution(plugins=[factory(FaultyPlugin)])
def handler_10_4(event: Any, context: DurableContext) -> str:
    """10-4: every hook raises; the execution does not notice."""
    return _greet(context, event)


@durable_execution(
    plugins=[factory(InvocationHooks, "CONFPLUGIN-A"), factory(InvocationHooks, "CONFPLUGIN-B")]
)
def handler_10_5(event: Any, context: DurableContext) -> str:
    """10-5: two plugins both get the invocation hooks."""
    return _greet(context, event)


@durable_execution(plugins=[factory(InvocationHooks)])
def handler_10_6(event: Any, context: DurableContext) -> None:
    """10-6: is_first_invocation is true once, false on the replay after the wait."""
    _wait_two_seconds(context)


@durable_execution(plugins=[factory(InvocationHooks)])
def handler_10_7(event: Any, context: DurableContext) -> str:
    """10-7: a failing step (no retries) fails the execution; invocation-end is FAILED."""
    return context.step(
        _always_fails("always fails"), config=StepConfig(retry_strategy=fixed_retry(1))
    )


@durable_execution(plugins=[factory(ChangeHooks)])
def handler_10_8(event: Any, context: DurableContext) -> str:
    """10-8: the step's SUCCEEDED change is in the updated delta and the full map."""
    return _greet(context, event)


@durable_execution(plugins=[factory(UpdatedOnInvoke)])
def handler_10_9(event: Any, context: DurableContext) -> None:
    """10-9: the fired wait is reported as updated on the next invocation-start."""
    _wait_two_seconds(context)


@durable_execution(plugins=[factory(WaitOperationHooks)])
def handler_10_10(event: Any, context: DurableContext) -> None:
    """10-10: operation hooks for a wait carry the WAIT type."""
    _wait_two_seconds(context)


@durable_execution(plugins=[factory(ParentLinkage)])
def handler_10_11(event: Any, context: DurableContext) -> str:
    """10-11: the step's end names the child context as parent; the context has none."""
    return context.run_in_child_context(lambda child: _greet(child, event))


@durable_execution(plugins=[factory(BranchFunctionHooks)])
def handler_10_12(event: Any, context: DurableContext) -> list[Any]:
    """10-12: fn-start/-end per parallel branch, branches one at a time."""
    branches = [lambda _ctx: "task-1", lambda _ctx: "task-2"]
    config = ParallelConfig(max_concurrency=1)
    return context.parallel(branches, name="parallel", config=config).get_results()


@durable_execution(plugins=[factory(ReplayFlags)])
def handler_10_13(event: Any, context: DurableContext) -> str:
    """10-13: a pending retry is reported as replayed; terminal steps are not."""
    context.step(lambda _: "task-a")
    body = _fails_once("step B", "Operation succeeded")
    return context.step(body, config=StepConfig(retry_strategy=fixed_retry(3)))


@durable_execution(plugins=[factory(TerminalPayloads)])
def handler_10_14(event: Any, context: DurableContext) -> str:
    """10-14: operation-end carries the serialized result, or the error message."""
    context.step(lambda _: "task-a")
    return context.step(_always_fails("boom"), config=StepConfig(retry_strategy=fixed_retry(1)))


@durable_execution(plugins=[factory(StepAttemptHooks)])
def handler_10_15(event: Any, context: DurableContext) -> str:
    """10-15: two failing attempts, then the terminal FAILED operation-end."""
    body = _always_fails("always fails")
    return context.step(body, config=StepConfig(retry_strategy=fixed_retry(2)))


@durable_execution(plugins=[factory(InvocationEndPerInvocation)])
def handler_10_16(event: Any, context: DurableContext) -> None:
    """10-16: the suspending first invocation ends non-terminal, the replay SUCCEEDED."""
    _wait_two_seconds(context)


@durable_execution(plugins=[factory(FaultyPlugin), factory(HealthyPlugin)])
def handler_10_17(event: Any, context: DurableContext) -> str:
    """10-17: a faulty plugin first never keeps the healthy one from its hooks."""
    return _greet(context, event)


def _named_wait(name: str, seconds: int, result: str) -> Any:
    def branch(ctx: DurableContext) -> str:
        ctx.wait(Duration.from_seconds(seconds), name=name)
        return result

    return branch


@durable_execution(plugins=[factory(WaitReplayFlags)])
def handler_10_18(event: Any, context: DurableContext) -> list[Any]:
    """10-18: the still-pending "long" wait re-fires operation-start as a replay."""
    branches = [_named_wait("short", 2, "short-done"), _named_wait("long", 8, "long-done")]
    config = ParallelConfig(max_concurrency=2)
    return context.parallel(branches, name="waits", config=config).get_results()


@durable_execution(plugins=[factory(InvocationDump)])
def handler_10_19(event: Any, context: DurableContext) -> str:
    """10-19: dumps of the invocation infos across a wait."""
    _wait_two_seconds(context)
    return f"done-{event}"


@durable_execution(plugins=[factory(StepOperationDump)])
def handler_10_20(event: Any, context: DurableContext) -> str:
    """10-20: dumps of the operation infos of step "greet"."""
    return context.step(lambda _: "task-a", name="greet")


@durable_execution(plugins=[factory(StepAttemptDump)])
def handler_10_21(event: Any, context: DurableContext) -> str:
    """10-21: dumps of the attempt infos of step "flaky" (fails once)."""
    body = _fails_once("flaky", "ok")
    return context.step(body, name="flaky", config=StepConfig(retry_strategy=fixed_retry(3)))


@durable_execution(plugins=[factory(ChangeDump)])
def handler_10_22(event: Any, context: DurableContext) -> str:
    """10-22: dumps of the change items for step "greet"."""
    return context.step(lambda _: "task-a", name="greet")


def _branch_a(ctx: DurableContext) -> str:
    ctx.step(lambda _: "x", name="inner")
    ctx.wait(Duration.from_seconds(2))
    return "a-done"


@durable_execution(plugins=[factory(ContextDump)])
def handler_10_23(event: Any, context: DurableContext) -> list[Any]:
    """10-23: context subType tokens and the children-replay indicator."""
    branches: list[Callable[[DurableContext], str] | ParallelBranch[str]] = [
        ParallelBranch(_branch_a, name="branch-a"),
        ParallelBranch(lambda _: "b-done", name="branch-b"),
    ]
    config = ParallelConfig(max_concurrency=1)
    return context.parallel(branches, name="ctx", config=config).get_results()
