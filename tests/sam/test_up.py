"""`perdure up template.yaml` as a user runs it: a real process serving the functions of
a SAM template, written with AWS's Python SDK, one invoking the other by the ARN the
template gives it; driven from outside with `perdure invoke` and the API."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from perdure.client import DurableClient
from tests.lambda_node.node_setup import install_handlers
from tests.perdure_processes import clean_env, free_port, run_perdure, running, wait_for_output

TEMPLATE = Path(__file__).parent / "python_app" / "template.yaml"


def test_up_serves_a_template_whose_function_invokes_another_by_its_arn(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "up.log"
    command = ["up", str(TEMPLATE), "--port", str(port), "--db", str(tmp_path / "up.db")]
    # From another folder: the functions' code is found from the template's CodeUri.
    with running(command, clean_env(), log, "Ctrl-C", cwd=tmp_path, start_timeout=60):
        banner = log.read_text()
        assert "Ignored (no part in running the functions): Uploads (AWS::S3::Bucket), " in (banner)
        assert "greeter  (AWS handler greeter.handler, Lambda-style, 60 s timeout)" in banner
        run = run_perdure(
            "invoke", "CallerFunction", "--endpoint", url, "--input", '{"name": "Ada"}'
        )
        assert run.returncode == 0, run.stderr + log.read_text()[-3000:]
        result = json.loads(run.stdout)
        assert result == {
            "greeting": "Hello, Ada!",  # GREETING from Globals
            "greeter": "greeter",
            "summary": "greeter in us-east-1",
            "memory": "256",
        }
        with DurableClient.connect(url) as client:
            [caller] = client.list("CallerFunction")
            [greeter] = client.list("greeter")
            assert caller.status == greeter.status == "SUCCEEDED"
            invoked = [
                e for e in client.history(caller.arn) if e["EventType"] == "ChainedInvokeStarted"
            ]
            assert [e["Name"] for e in invoked] == ["greet"]


def test_up_names_the_resource_and_property_of_a_template_it_cannot_serve(
    tmp_path: Path,
) -> None:
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      Runtime: ruby3.3\n      Handler: app.handler\n"
    )
    run = run_perdure("up", str(tmp_path / "template.yaml"), "--no-reload")
    assert run.returncode == 2
    assert (
        f"{tmp_path / 'template.yaml'}: resource Fn (AWS::Serverless::Function) property "
        "Runtime: runtime 'ruby3.3' is not supported" in run.stderr
    )


def test_up_restarts_when_the_template_changes(tmp_path: Path) -> None:
    app = tmp_path / "app"
    shutil.copytree(TEMPLATE.parent, app, ignore=shutil.ignore_patterns("__pycache__"))
    template = app / "template.yaml"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "up.log"
    command = ["up", str(template), "--port", str(port), "--db", str(tmp_path / "up.db")]
    with running(command, clean_env(), log, "Ctrl-C", cwd=tmp_path, start_timeout=60):
        with DurableClient.connect(url) as client:
            assert client.invoke("greeter", {"name": "Ada"}, timeout=30) == "Hello, Ada!"
        template.write_text(template.read_text().replace("GREETING: Hello", "GREETING: Hi"))
        wait_for_output(log, "Ctrl-C", 60, times=2)
        assert "template.yaml changed; restarting" in log.read_text()
        with DurableClient.connect(url) as client:
            assert client.invoke("greeter", {"name": "Ada"}, timeout=30) == "Hi, Ada!"


def test_up_serves_python_and_node_functions_that_invoke_each_other(tmp_path: Path) -> None:
    install_handlers()  # AWS's JavaScript SDK for the Node.js function, with npm ci
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "up.log"
    template = Path(__file__).parent / "mixed_app" / "template.yaml"
    command = ["up", str(template), "--port", str(port), "--db", str(tmp_path / "up.db")]
    command.append("--no-reload")
    with running(command, clean_env(), log, "Ctrl-C", cwd=tmp_path, start_timeout=60):
        assert "NodeGreeter  (AWS Node.js handler greeter.handler" in log.read_text()
        with DurableClient.connect(url) as client:
            result = client.invoke("Caller", {"name": "Ada"}, timeout=60)
        assert result == {
            "greeting": "thank you, Ada",
            "greeter": "NodeGreeter",
            "summary": "arn:aws:lambda:us-east-1:000000000000:function:NodeGreeter",
            "memory": "512",
        }
