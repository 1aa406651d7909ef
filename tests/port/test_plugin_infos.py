"""Plugins see the same hook infos on Perdure as on AWS's SDK 3.0.0.

One handler (a step that fails once and retries, a wait, a child context and a virtual
one) runs on each SDK's test runner with a plugin that records every hook's info, reduced
to what does not depend on the clock or on thread timing: which fields are set, the
statuses, replay flags, attempts, outcomes and the operation maps' contents.
"""

from __future__ import annotations

import importlib
import threading
import types
from collections import Counter
from typing import Any

import pytest

pytest.importorskip("aws_durable_execution_sdk_python", reason="the dev extra installs it")

AWS = "aws_durable_execution_sdk_python"


def _sdk(package: str) -> types.SimpleNamespace:
    def mod(name: str) -> types.ModuleType:
        return importlib.import_module(f"{package}.{name}")

    return types.SimpleNamespace(
        config=mod("config"),
        execution=mod("execution"),
        plugin=mod("plugin"),
        retries=mod("retries"),
        testing=importlib.import_module(f"{AWS}_testing" if package == AWS else "perdure.testing"),
    )


def _token(value: Any) -> Any:
    return getattr(value, "value", value)


def _operation(info: Any) -> tuple[Any, ...]:
    execution = _token(info.operation_type) == "EXECUTION"
    return (
        None if execution else info.name,  # each runner names executions its own way
        _token(info.operation_type),
        info.sub_type and str(_token(info.sub_type)),
        _token(info.status),
        info.is_replayed,
        info.start_time is None,
        info.end_time is None,
        info.result,
        info.error.message if info.error is not None else None,
        info.attempt,
        getattr(info, "is_replay_children", None),
        _token(getattr(info, "outcome", None)),
    )


def _operations(infos: Any) -> list[tuple[Any, ...]]:
    return sorted((_operation(i) for i in infos.values()), key=repr)


def _recorder(sdk: types.SimpleNamespace, seen: list[tuple[Any, ...]]) -> Any:
    lock = threading.Lock()
    base = sdk.plugin.DurableInstrumentationPlugin

    class Recorder(base):  # type: ignore[misc, valid-type]
        def _add(self, *record: Any) -> None:
            with lock:
                seen.append(record)

        def on_invocation_start(self, info: Any) -> None:
            updated = _operations(info.updated_operations)
            self._add(
                "invocation-start", info.is_first_invocation, _operations(info.operations), updated
            )

        def on_invocation_end(self, info: Any) -> None:
            error = info.error.message if info.error is not None else None
            record = (_token(info.status), info.execution_result, error)
            self._add(
                "invocation-end", info.is_first_invocation, _operations(info.operations), record
            )

        def on_operation_start(self, info: Any) -> None:
            self._add("operation-start", _operation(info))

        def on_operation_end(self, info: Any) -> None:
            self._add("operation-end", _operation(info))

        def on_user_function_start(self, info: Any) -> None:
            self._add("user-function-start", _operation(info))

        def on_user_function_end(self, info: Any) -> None:
            self._add("user-function-end", _operation(info))

    class Factory:
        def create_plugin(self, info: Any) -> Any:
            return Recorder()

    return Factory()


def _handler(sdk: types.SimpleNamespace, seen: list[tuple[Any, ...]]) -> Any:
    config, retries = sdk.config, sdk.retries
    retry_once = config.StepConfig(
        retry_strategy=retries.create_retry_strategy(
            retries.RetryStrategyConfig(
                max_attempts=2,
                initial_delay=config.Duration.from_seconds(1),
                max_delay=config.Duration.from_seconds(1),
            )
        )
    )
    tries = Counter[str]()

    def flaky(_: Any) -> str:
        tries["flaky"] += 1
        if tries["flaky"] == 1:
            raise RuntimeError("not yet")
        return "ok"

    def child(ctx: Any) -> str:
        return str(ctx.step(lambda _: "inner", name="inner"))

    def handler(event: Any, context: Any) -> Any:
        first = context.step(flaky, name="flaky", config=retry_once)
        context.wait(config.Duration.from_seconds(1), name="pause")
        second = context.run_in_child_context(child, name="child")
        third = context.run_in_child_context(
            child, name="virtual", config=config.ChildConfig(is_virtual=True)
        )
        return [first, second, third]

    return sdk.execution.durable_execution(handler, plugins=[_recorder(sdk, seen)])


def _hooks(package: str) -> Counter[Any]:
    sdk = _sdk(package)
    seen: list[tuple[Any, ...]] = []
    with sdk.testing.DurableFunctionTestRunner(handler=_handler(sdk, seen)) as runner:
        result = runner.run(input=None)
    # AWS's runner leaves its scheduler's event loop open; close it (see serdes corpus).
    loop = getattr(getattr(runner, "_scheduler", None), "_loop", None)
    if loop is not None and not loop.is_closed():
        loop.close()
    assert _token(result.status) == "SUCCEEDED"
    return Counter(repr(record) for record in seen)


def test_every_hook_reports_the_same_infos_as_on_awss_sdk() -> None:
    reference, perdure = _hooks(AWS), _hooks("perdure")
    assert perdure == reference, (
        f"only on AWS: {sorted((reference - perdure).elements())}\n"
        f"only on Perdure: {sorted((perdure - reference).elements())}"
    )
