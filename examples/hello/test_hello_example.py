"""The basic handlers on the local runner: `hello`'s two steps around its durable wait
(virtual time: the 5 s take none), and `greet`'s one step. The demo that
`./scripts/demo` runs is run too, in real time, as a reader would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hello_workflow import COOL_OFF_SECONDS, greet, hello

from perdure.testing import DurableTestRunner


def test_hello_greets_the_user_after_its_cool_off() -> None:
    with DurableTestRunner(hello) as runner:
        result = runner.run(input={"userId": "u-42"})
    assert result.status == "SUCCEEDED"
    assert result.result == {"success": True, "message": "Hello, Ada!"}
    kinds = [(e["EventType"], e.get("Name")) for e in result.history]
    assert [k for k in kinds if k[0] in {"StepStarted", "WaitStarted", "WaitSucceeded"}] == [
        ("StepStarted", "fetch_user"),
        ("WaitStarted", "cool-off"),
        ("WaitSucceeded", "cool-off"),
        ("StepStarted", "say_hello"),
    ]
    (wait,) = [e for e in result.history if e["EventType"] == "WaitStarted"]
    assert wait["WaitStartedDetails"]["Duration"] == COOL_OFF_SECONDS


def test_the_replay_after_the_wait_does_not_fetch_the_user_again() -> None:
    with DurableTestRunner(hello) as runner:
        result = runner.run(input={"userId": "u-42"})
    invocations = [e for e in result.history if e["EventType"] == "InvocationCompleted"]
    assert len(invocations) == 2
    fetched = [m for m in result.logs if "fetching user" in str(m.get("message", ""))]
    assert len(fetched) == 1


def test_greet_answers_in_one_step() -> None:
    with DurableTestRunner(greet) as runner:
        result = runner.run(input={"name": "Grace"})
    assert result.result == "Hello, Grace!"
    assert [e["EventType"] for e in result.history] == [
        "ExecutionStarted",
        "StepStarted",
        "StepSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]


def test_the_demo_runs_the_workflow_end_to_end_in_real_time(tmp_path: Path) -> None:
    demo = Path(__file__).with_name("hello_workflow.py")
    done = subprocess.run(
        [sys.executable, str(demo)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'status: SUCCEEDED   result: {"success": true, "message": "Hello, Ada!"}' in done.stdout
    assert "WaitSucceeded" in done.stdout and "cool-off" in done.stdout
