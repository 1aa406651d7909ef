"""The seed applications (examples/aws-seed-app-js and examples/aws-seed-app-python),
written for AWS with AWS's JavaScript and Python SDKs and a SAM template, run as their
READMEs say: `npm ci` in the JavaScript one's folder (from the npm registry), `perdure
up template.yaml`, `perdure invoke` of the main function with its test event, and
`perdure callback succeed` for the callback it waits for; the result has the fields and
values the application documents."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from perdure.client import DurableClient
from tests.lambda_node.node_setup import require_node
from tests.perdure_processes import ROOT, callback_id, clean_env, free_port, running

JS_APP = ROOT / "examples" / "aws-seed-app-js"
PYTHON_APP = ROOT / "examples" / "aws-seed-app-python"
SDK = JS_APP / "node_modules" / "@aws" / "durable-execution-sdk-js" / "package.json"
# Where each app keeps its sample event.
EVENTS = {
    JS_APP: "workflows/durable-function-example/test-event.json",
    PYTHON_APP: "workflows/durable_function_example/test-event.json",
}


def _npm_ci() -> None:
    require_node()
    npm = shutil.which("npm")
    if npm is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("npm is not on PATH; CI must run the seed application's test")
        pytest.skip("npm is not on PATH")
    assert npm is not None
    with (JS_APP / ".npm-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not SDK.is_file():
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=JS_APP,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"


def _perdure(app: Path, *argv: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "perdure._cli.main", *argv],
        cwd=app,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("app", [JS_APP, PYTHON_APP], ids=["javascript", "python"])
def test_the_seed_app_returns_its_documented_response(tmp_path: Path, app: Path) -> None:
    if app == JS_APP:
        _npm_ci()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    endpoint = ["--endpoint", url]
    log = tmp_path / "up.log"
    command = ["up", "template.yaml", "--port", str(port), "--db", str(tmp_path / "up.db")]
    with running(command, clean_env(), log, "Ctrl-C", cwd=app, start_timeout=60):
        event = "@" + EVENTS[app]
        arn = _perdure(
            app,
            "invoke",
            "DurableFunctionExampleFunction",
            *endpoint,
            "--input",
            event,
            "--async",
        )
        with DurableClient.connect(url) as client:
            callback = callback_id(client, arn, timeout=60)
            _perdure(app, "callback", "succeed", callback, *endpoint, "--result", '"approved"')
            execution = client.wait(arn, timeout=120)
            assert execution.status == "SUCCEEDED", log.read_text()[-5000:]
        result = json.loads(_perdure(app, "executions", "get", arn, *endpoint, "--json"))
        response = json.loads(result["Result"])
        execution_id = arn.rpartition("/")[2]
        assert response["workflowId"] == "durable-demo-001"
        assert response["executionId"] == execution_id
        assert response["processedItems"][0] == {
            "id": "work-item-1",
            "status": "completed",
            "processed": True,
            "processingTime": 50,
            "transformedData": "processed-Process customer data batch A",
        }
        assert len(response["processedItems"]) == response["itemsProcessed"] == 5
        assert response["parallelResults"][0] == {
            "task": 1,
            "type": "validation",
            "result": "completed",
            "itemsValidated": 5,
        }
        assert len(response["parallelResults"]) == 3
        advanced = response["advancedOperations"]
        assert advanced["conditionResult"] == {
            "ready": True,
            "attempts": 3,
            "lastCheck": {"ready": True, "attempt": 3, "note": "System ready after 3 attempts"},
        }
        assert advanced["invokeResult"] == {
            "statusCode": 200,
            "greeting": f"Hello, DurableExecution-{execution_id}!",
        }
        assert advanced["childContextResult"] == {
            "metadata": {
                "version": "1.0.0",
                "processingNode": "child-context",
                "isolated": True,
            },
            "validation": {"valid": True, "configVersion": "2.1.0"},
        }
        assert response["operationCount"] == {
            "steps": 8,
            "parallel": 3,
            "map": 5,
            "wait": 1,
            "waitForCondition": 1,
            "invoke": 1,
            "childContext": 1,
        }
        assert response["successRate"] == 1.0
        # The five-second wait and the polls are in the duration.
        assert response["totalDuration"] >= 5000
        assert response["completedAt"].endswith("Z")
