"""A map or parallel with `max_concurrency` and `min_successful` starts the same branches
before it completes on every run, on Perdure as on AWS's SDK 3.0.0.

The batch: five branches, three at a time, done at two successes; branches 1 and 3 fail
their step once and wait to retry, keeping their slots. Branches 0 and 2 succeed at once,
so their two successes may reach the coordinator together. AWS's executor takes events one
at a time and admits branch 3 after the first success, so the result is always branches
0 and 2 SUCCEEDED, 1 and 3 STARTED, and 4 never started. Perdure once applied every queued
event before admitting, and then left branch 3 out whenever both successes had queued up.
"""

from __future__ import annotations

import importlib
import json
import types
from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("aws_durable_execution_sdk_python", reason="the dev extra installs it")

AWS = "aws_durable_execution_sdk_python"
RUNS = 20
EXPECTED = {
    "items": [[0, "SUCCEEDED"], [1, "STARTED"], [2, "SUCCEEDED"], [3, "STARTED"]],
    "reason": "MIN_SUCCESSFUL_REACHED",
}


def _sdk(package: str) -> types.SimpleNamespace:
    def mod(name: str) -> types.ModuleType:
        return importlib.import_module(f"{package}.{name}")

    return types.SimpleNamespace(
        config=mod("config"),
        execution=mod("execution"),
        retries=mod("retries"),
        testing=importlib.import_module(f"{AWS}_testing" if package == AWS else "perdure.testing"),
    )


def _handler(sdk: types.SimpleNamespace, kind: str) -> Callable[..., Any]:
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
    completion = config.CompletionConfig(min_successful=2, tolerated_failure_percentage=50)

    def branch(ctx: Any, index: int) -> Any:
        def work(_: Any) -> dict[str, int]:
            if index in (1, 3):
                raise RuntimeError(f"branch {index} is not ready")
            return {"index": index}

        return ctx.step(work, name=f"work-{index}", config=retry_once)

    def handler(event: Any, context: Any) -> Any:
        if kind == "map":
            result = context.map(
                list(range(5)),
                lambda ctx, item, index, items: branch(ctx, index),
                name="batch",
                config=config.MapConfig(max_concurrency=3, completion_config=completion),
            )
        else:
            result = context.parallel(
                [lambda ctx, i=i: branch(ctx, i) for i in range(5)],
                name="batch",
                config=config.ParallelConfig(max_concurrency=3, completion_config=completion),
            )
        return {
            "items": [[item.index, item.status.value] for item in result.all],
            "reason": result.completion_reason.value,
        }

    decorated: Callable[..., Any] = sdk.execution.durable_execution(handler)
    return decorated


def _outcomes(package: str, kind: str, runs: int) -> list[Any]:
    sdk = _sdk(package)
    handler = _handler(sdk, kind)
    seen = []
    for _ in range(runs):
        with sdk.testing.DurableFunctionTestRunner(handler=handler) as runner:
            result = runner.run(input=None)
        # AWS's runner leaves its scheduler's event loop open; close it (see serdes corpus).
        loop = getattr(getattr(runner, "_scheduler", None), "_loop", None)
        if loop is not None and not loop.is_closed():
            loop.close()
        seen.append((result.status.value, result.result))
    return seen


@pytest.mark.parametrize("kind", ["map", "parallel"])
def test_the_same_branches_start_before_the_batch_completes_on_every_run(kind: str) -> None:
    reference = {(status, json.dumps(json.loads(r))) for status, r in _outcomes(AWS, kind, 2)}
    assert reference == {("SUCCEEDED", json.dumps(EXPECTED))}
    perdure = [
        (status, json.dumps(json.loads(r))) for status, r in _outcomes("perdure", kind, RUNS)
    ]
    assert set(perdure) == reference
