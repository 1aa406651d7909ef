"""Instrumentation plugins through the handler wrapper: which hooks run, in what order,
on which thread, what a faulty plugin can (not) break, how factories are discovered, and
that a handler without plugins never builds a plugin host."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from perdure import DurableContext, Duration, StepConfig, durable_execution
from perdure._model import InvocationInput, OperationType
from perdure._sdk.plugins import PluginHost
from perdure._sdk.state import ExecutionState
from perdure._sdk.transport.service_client import EmbeddedInvocation
from perdure.plugin import (
    DurableInstrumentationPlugin,
    InvocationEndInfo,
    InvocationStartInfo,
    InvocationStatus,
    OperationChangeInfo,
    OperationEndInfo,
    OperationStartInfo,
    PropagationInput,
    PropagationMetadata,
    UserFunctionEndInfo,
    UserFunctionOutcome,
    UserFunctionStartInfo,
)
from perdure.plugin_discovery import PLUGIN_ENVIRONMENT_VARIABLE
from perdure.retries import RetryPresets
from tests.unit.sdk_core._recording import ARN, RecordingService


class Recorder(DurableInstrumentationPlugin):
    """Records (hook, detail, thread name) for every hook."""

    def __init__(self, log: list[tuple[str, Any, str]]) -> None:
        self.log = log

    def _add(self, hook: str, detail: Any) -> None:
        self.log.append((hook, detail, threading.current_thread().name))

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        self._add("invocation_start", info.is_first_invocation)

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        self._add("invocation_end", info.status)

    def on_operation_start(self, info: OperationStartInfo) -> None:
        self._add("operation_start", (info.name, info.is_replayed))

    def on_operation_end(self, info: OperationEndInfo) -> None:
        self._add("operation_end", (info.name, info.status.value if info.status else None))

    def on_operation_change(self, info: OperationChangeInfo) -> None:
        self._add(
            "operation_change", sorted(op.name or "" for op in info.updated_operations.values())
        )

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        self._add("user_function_start", (info.name, info.attempt))

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        self._add("user_function_end", (info.name, info.outcome))


class RecorderFactory:
    def __init__(self) -> None:
        self.log: list[tuple[str, Any, str]] = []
        self.created: list[InvocationStartInfo] = []

    def create_plugin(self, info: InvocationStartInfo, /) -> DurableInstrumentationPlugin:
        self.created.append(info)
        return Recorder(self.log)

    def hooks(self, *skip: str) -> list[tuple[str, Any]]:
        return [(hook, detail) for hook, detail, _ in self.log if hook not in skip]


def _invocation(svc: RecordingService, updated: list[str] | None = None) -> EmbeddedInvocation:
    inp = InvocationInput(ARN, "token", list(svc.ops.values()), updated_operation_ids=updated or [])
    return EmbeddedInvocation(inp, svc, svc.clock, request_id="req-1")


# -- hook order ----------------------------------------------------------------------------


def test_one_step_runs_every_hook_in_order_and_never_on_the_checkpoint_thread() -> None:
    factory = RecorderFactory()

    @durable_execution(plugins=[factory])
    def handler(event: Any, ctx: DurableContext) -> Any:
        return ctx.step(lambda _: "hi", name="greet")

    assert RecordingService().run(handler) == {"Status": "SUCCEEDED", "Result": '"hi"'}
    assert factory.hooks("operation_change") == [
        ("invocation_start", True),
        ("operation_start", ("greet", False)),
        ("user_function_start", ("greet", 1)),
        ("user_function_end", ("greet", UserFunctionOutcome.SUCCEEDED)),
        ("operation_end", ("greet", "SUCCEEDED")),
        ("invocation_end", InvocationStatus.SUCCEEDED),
    ]
    changes = [detail for hook, detail, _ in factory.log if hook == "operation_change"]
    assert changes and all(names == ["greet"] for names in changes)
    assert not any(thread == "perdure-checkpoint" for _, _, thread in factory.log)
    change_threads = {t for hook, _, t in factory.log if hook == "operation_change"}
    assert change_threads == {"perdure-plugin-changes"}


def test_factory_runs_once_per_invocation_and_replay_is_classified() -> None:
    factory = RecorderFactory()

    @durable_execution(plugins=[factory])
    def handler(event: Any, ctx: DurableContext) -> Any:
        ctx.step(lambda _: 1, name="a")
        ctx.wait(Duration(1), name="pause")
        return "done"

    svc = RecordingService()
    assert handler(_invocation(svc), None) == {"Status": "PENDING"}
    first = factory.hooks("operation_change")
    assert ("operation_start", ("pause", False)) in first
    assert first[-1] == ("invocation_end", InvocationStatus.PENDING)
    factory.log.clear()
    svc.fire_timers()
    wait_id = next(k for k, op in svc.ops.items() if op.operation_type is OperationType.WAIT)
    step_id = next(k for k, op in svc.ops.items() if op.operation_type is OperationType.STEP)
    # As the service does, the ids list the wait (timer) and the step the last invocation wrote.
    result = handler(_invocation(svc, [wait_id, step_id]), None)
    assert result == {"Status": "SUCCEEDED", "Result": '"done"'}
    assert len(factory.created) == 2
    assert set(factory.created[1].updated_operations) == {wait_id, step_id}
    assert factory.hooks("operation_change") == [
        ("invocation_start", False),
        ("operation_end", ("pause", "SUCCEEDED")),  # the service's update, not the step's
        ("invocation_end", InvocationStatus.SUCCEEDED),
    ]


def test_a_pending_operation_is_started_again_as_a_replay() -> None:
    factory = RecorderFactory()
    calls: list[int] = []

    def flaky(step_ctx: Any) -> str:
        calls.append(step_ctx.attempt)
        if step_ctx.attempt == 1:
            raise RuntimeError("once")
        return "ok"

    @durable_execution(plugins=[factory])
    def handler(event: Any, ctx: DurableContext) -> Any:
        config = StepConfig(retry_strategy=RetryPresets.default())
        return ctx.step(flaky, name="flaky", config=config)

    svc = RecordingService()
    assert svc.run(handler) == {"Status": "PENDING"}
    assert ("operation_end", ("flaky", "FAILED")) not in factory.hooks()
    factory.log.clear()
    svc.fire_timers()
    assert svc.run(handler)["Status"] == "SUCCEEDED"
    hooks = factory.hooks("operation_change")
    assert hooks[:2] == [("invocation_start", False), ("operation_start", ("flaky", True))]
    assert ("operation_start", ("flaky", False)) not in hooks
    assert ("user_function_start", ("flaky", 2)) in hooks
    assert hooks.count(("operation_end", ("flaky", "SUCCEEDED"))) == 1


def test_a_suspending_child_body_ends_incomplete() -> None:
    factory = RecorderFactory()

    @durable_execution(plugins=[factory])
    def handler(event: Any, ctx: DurableContext) -> Any:
        return ctx.run_in_child_context(lambda c: c.wait(Duration(1)), name="child")

    assert RecordingService().run(handler) == {"Status": "PENDING"}
    assert ("user_function_end", ("child", UserFunctionOutcome.INCOMPLETE)) in factory.hooks()


# -- isolation -------------------------------------------------------------------------------


class Faulty(DurableInstrumentationPlugin):
    """Every hook raises."""

    def _boom(self, info: Any) -> None:
        raise RuntimeError(f"faulty plugin got {type(info).__name__}")

    on_invocation_start = on_invocation_end = _boom
    on_operation_start = on_operation_end = on_operation_change = _boom
    on_user_function_start = on_user_function_end = _boom


class FaultyFactory:
    def create_plugin(self, info: InvocationStartInfo, /) -> DurableInstrumentationPlugin:
        return Faulty()


class BrokenFactory:
    def __init__(self, result: Any = None, error: bool = False) -> None:
        self.result, self.error = result, error

    def create_plugin(self, info: InvocationStartInfo, /) -> Any:
        if self.error:
            raise RuntimeError("factory failed")
        return self.result


def test_a_faulty_plugin_or_factory_never_blocks_a_healthy_plugin() -> None:
    healthy = RecorderFactory()
    factories = [FaultyFactory(), BrokenFactory(error=True), BrokenFactory(object()), healthy]

    @durable_execution(plugins=factories)
    def handler(event: Any, ctx: DurableContext) -> Any:
        return ctx.step(lambda _: "hi", name="greet")

    assert RecordingService().run(handler) == {"Status": "SUCCEEDED", "Result": '"hi"'}
    hooks = [hook for hook, _ in healthy.hooks("operation_change")]
    assert hooks == [
        "invocation_start",
        "operation_start",
        "user_function_start",
        "user_function_end",
        "operation_end",
        "invocation_end",
    ]


def test_invocation_end_reports_failure() -> None:
    factory = RecorderFactory()

    @durable_execution(plugins=[factory])
    def handler(event: Any, ctx: DurableContext) -> Any:
        raise ValueError("bad input")

    assert RecordingService().run(handler)["Status"] == "FAILED"
    assert factory.hooks()[-1] == ("invocation_end", InvocationStatus.FAILED)


# -- no plugins: no host -------------------------------------------------------------------


def test_without_plugins_no_host_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PLUGIN_ENVIRONMENT_VARIABLE, raising=False)
    seen: list[Any] = []
    original = ExecutionState.create_checkpoint

    def spy(self: ExecutionState, *args: Any, **kwargs: Any) -> None:
        seen.append(self.plugins)
        original(self, *args, **kwargs)

    monkeypatch.setattr(ExecutionState, "create_checkpoint", spy)

    @durable_execution
    def plain(event: Any, ctx: DurableContext) -> Any:
        return ctx.step(lambda _: 1)

    @durable_execution(plugins=[BrokenFactory(error=True)])
    def only_broken(event: Any, ctx: DurableContext) -> Any:
        return ctx.step(lambda _: 1)

    assert RecordingService().run(plain)["Status"] == "SUCCEEDED"
    assert RecordingService().run(only_broken)["Status"] == "SUCCEEDED"
    assert seen and all(host is None for host in seen)


def test_plugin_host_create_without_factories_is_none() -> None:
    svc = RecordingService()
    state = ExecutionState(ARN, "t", svc, svc.clock, list(svc.ops.values()))
    inp = InvocationInput(ARN, "t", list(svc.ops.values()))
    assert PluginHost.create((), state, inp, "r", True, dict) is None


# -- propagation -----------------------------------------------------------------------------


class Propagator(DurableInstrumentationPlugin):
    def __init__(self, value: str | None, asked: list[PropagationInput]) -> None:
        self.value, self.asked = value, asked

    def provide_propagation_metadata(self, info: PropagationInput) -> PropagationMetadata | None:
        self.asked.append(info)
        return PropagationMetadata(self.value)


class PropagatorFactory:
    def __init__(self, value: str | None, asked: list[PropagationInput]) -> None:
        self.value, self.asked = value, asked

    def create_plugin(self, info: InvocationStartInfo, /) -> DurableInstrumentationPlugin:
        return Propagator(self.value, self.asked)


def test_first_non_blank_trace_id_rides_on_a_new_invoke_start_only() -> None:
    asked: list[PropagationInput] = []
    factories = [
        PropagatorFactory("  ", asked),
        PropagatorFactory("Root=1-abc", asked),
        PropagatorFactory("Root=1-other", asked),
    ]

    @durable_execution(plugins=factories)
    def handler(event: Any, ctx: DurableContext) -> Any:
        return ctx.invoke("target-fn", {"x": 1}, name="call")

    svc = RecordingService()
    assert svc.run(handler) == {"Status": "PENDING"}
    start = next(u for b in svc.batches for u in b if u.chained_invoke_options is not None)
    assert start.chained_invoke_options is not None
    assert start.chained_invoke_options.x_amzn_trace_id == "Root=1-abc"
    assert {a.target_function_name for a in asked} == {"target-fn"}
    assert len(asked) == 3
    svc.run(handler)  # replay: the invoke is recorded, nobody is asked again
    assert len(asked) == 3
