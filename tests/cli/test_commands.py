"""Every CLI command, in-process against a served API: human output, `--json`, exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from perdure._cli.main import main
from perdure.client import DurableClient, Execution
from tests.api.server import Served
from tests.cli.conftest import RunCli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _wait_for_callback_id(served: Served, arn: str) -> str:
    with DurableClient.connect(served.base_url) as client:
        for _ in range(200):
            for event in client.history(arn):
                if event["EventType"] == "CallbackStarted":
                    return str(event["CallbackStartedDetails"]["CallbackId"])
            served.app.dispatcher.wait_idle(0.05)
    raise AssertionError("no callback started")


def _wait(served: Served, arn: str) -> Execution:
    with DurableClient.connect(served.base_url) as client:
        return client.wait(arn, timeout=10)


# -- invoke ------------------------------------------------------------------------------


def test_invoke_waits_and_prints_the_result(cli: RunCli) -> None:
    run = cli("invoke", "greet", "--input", '{"name": "Ada"}')
    assert run.code == 0, run.err
    assert json.loads(run.out) == "Hello, Ada!"
    assert "SUCCEEDED" in run.err and "arn:aws:lambda" in run.err


def test_invoke_json_prints_the_execution_document(cli: RunCli) -> None:
    run = cli("invoke", "greet", "--json")
    assert run.code == 0
    doc = run.json()
    assert doc["Status"] == "SUCCEEDED"
    assert json.loads(doc["Result"]) == "Hello, world!"


def test_a_failed_execution_exits_1_with_its_error(cli: RunCli) -> None:
    run = cli("invoke", "fails")
    assert run.code == 1
    assert "card declined" in run.err
    assert run.out == ""


def test_invoke_async_prints_only_the_arn(cli: RunCli) -> None:
    run = cli("invoke", "waits-a-day", "--async")
    assert run.code == 0
    assert run.out.strip().startswith("arn:aws:lambda:")
    assert len(run.out.strip().splitlines()) == 1
    as_json = cli("invoke", "waits-a-day", "--async", "--json").json()
    assert as_json["DurableExecutionArn"].startswith("arn:aws:lambda:")


def test_invoke_with_a_name_starts_the_execution_once(cli: RunCli) -> None:
    first = cli("invoke", "waits-a-day", "--async", "--name", "once-only", "--input", "{}")
    again = cli("invoke", "waits-a-day", "--async", "--name", "once-only", "--input", "{}")
    assert first.out == again.out
    conflict = cli("invoke", "waits-a-day", "--async", "--name", "once-only", "--input", "[1]")
    assert conflict.code == 3
    assert "already exists" in conflict.err


def test_invoke_reads_input_from_a_file(cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "input.json"
    path.write_text('{"name": "file"}')
    run = cli("invoke", "greet", "--input", f"@{path}")
    assert run.code == 0
    assert json.loads(run.out) == "Hello, file!"


@pytest.mark.parametrize(
    ("value", "message"),
    [("{not json", "not valid JSON"), ("@/no/such/file.json", "cannot read")],
)
def test_bad_input_is_a_usage_error(cli: RunCli, value: str, message: str) -> None:
    run = cli("invoke", "greet", "--input", value)
    assert run.code == 2
    assert message in run.err
    assert "Traceback" not in run.err


def test_invoke_timeout_exits_4_and_leaves_the_execution_running(cli: RunCli) -> None:
    run = cli("invoke", "waits-a-day", "--timeout", "0.2")
    assert run.code == 4
    assert "still RUNNING" in run.err
    assert "perdure executions get" in run.err


def test_an_unknown_function_is_a_service_refusal(cli: RunCli) -> None:
    run = cli("invoke", "no-such-function")
    assert run.code == 3
    assert "Function not found: no-such-function" in run.err


def test_an_unreachable_server_says_how_to_fix_it() -> None:
    err = io.StringIO()
    code = main(
        ["invoke", "greet", "--endpoint", "http://127.0.0.1:9"], stdout=io.StringIO(), stderr=err
    )
    assert code == 3
    assert "cannot reach http://127.0.0.1:9" in err.getvalue()
    assert "perdure dev" in err.getvalue()


def test_usage_errors_exit_2() -> None:
    err = io.StringIO()
    assert main([], stdout=io.StringIO(), stderr=err) == 2
    assert main(["executions", "frobnicate"], stdout=io.StringIO(), stderr=err) == 2
    assert main(["invoke", "f", "--endpoint", "ftp://x"], stdout=io.StringIO(), stderr=err) == 2


def test_global_options_work_before_the_command(cli: RunCli, served: Served) -> None:
    run = cli("--endpoint", served.base_url, "--json", "invoke", "greet", endpoint=False)
    assert run.code == 0
    assert run.json()["Status"] == "SUCCEEDED"


def test_the_endpoint_comes_from_the_environment(
    cli: RunCli, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERDURE_ENDPOINT", served.base_url)
    assert cli("invoke", "greet", endpoint=False).code == 0
    monkeypatch.setenv("PERDURE_PORT", "not-a-port")
    run = cli("invoke", "greet", endpoint=False)
    assert run.code == 2
    assert "PERDURE_PORT" in run.err


# -- executions --------------------------------------------------------------------------


def test_executions_list_get_and_history(cli: RunCli) -> None:
    arn = cli("invoke", "greet", "--json", "--input", '{"name": "list"}').json()[
        "DurableExecutionArn"
    ]

    listed = cli("executions", "list", "greet", "--limit", "5")
    assert listed.code == 0
    assert listed.out.splitlines()[0].split() == ["NAME", "STATUS", "STARTED", "TOOK", "ARN"]
    assert arn in listed.out
    docs = cli("executions", "list", "greet", "--status", "succeeded", "--json").json()
    assert all(d["Status"] == "SUCCEEDED" for d in docs["DurableExecutions"])
    assert arn in {d["DurableExecutionArn"] for d in docs["DurableExecutions"]}

    got = cli("executions", "get", arn)
    assert got.code == 0
    assert "SUCCEEDED" in got.out and '"Hello, list!"' in got.out
    assert cli("executions", "get", arn, "--json").json()["DurableExecutionArn"] == arn

    history = cli("executions", "history", arn)
    assert history.code == 0
    lines = history.out.splitlines()
    assert lines[0].split() == ["ID", "TIME", "TYPE", "NAME", "DETAIL"]
    assert "ExecutionStarted" in lines[1] and 'Input={"name": "list"}' in lines[1]
    assert any("StepSucceeded" in ln and 'Result="Hello, list!"' in ln for ln in lines)
    assert "ExecutionSucceeded" in lines[-1]

    newest_first = cli("executions", "history", arn, "--reverse", "--json").json()["Events"]
    assert newest_first[0]["EventType"] == "ExecutionSucceeded"


def test_history_shows_errors_durations_and_callback_ids(cli: RunCli, served: Served) -> None:
    failed = cli("invoke", "fails", "--json").json()["DurableExecutionArn"]
    out = cli("executions", "history", failed).out
    assert "Error=tests.cli.handlers.Declined: card declined" in out

    waiting = cli("invoke", "waits-a-day", "--async").out.strip()
    served.app.dispatcher.wait_idle(5)
    assert "Duration=24h" in cli("executions", "history", waiting).out

    pending = cli("invoke", "awaits-callback", "--async").out.strip()
    callback_id = _wait_for_callback_id(served, pending)
    out = cli("executions", "history", pending).out
    assert f"CallbackId={callback_id}" in out and "Timeout=1h" in out
    # `get` tells what a running execution waits for.
    assert f"callback {callback_id}" in cli("executions", "get", pending).out


def test_an_unknown_execution_is_not_found(cli: RunCli) -> None:
    arn = "arn:aws:lambda:us-east-1:000000000000:function:greet:$LATEST/durable-execution/x/y"
    run = cli("executions", "get", arn)
    assert run.code == 3
    assert "does not exist" in run.err


def test_stop_pause_resume_and_delete(cli: RunCli, served: Served) -> None:
    arn = cli("invoke", "waits-a-day", "--async").out.strip()
    served.app.dispatcher.wait_idle(5)

    paused = cli("executions", "pause", arn, "--reason", "maintenance", "--json")
    assert paused.code == 0
    assert paused.json()["Status"] in ("PAUSING", "PAUSED")
    resumed = cli("executions", "resume", arn)
    assert resumed.code == 0 and "RUNNING" in resumed.err

    refused = cli("executions", "delete", arn)
    assert refused.code == 3  # only an ended execution can be deleted

    stopped = cli("executions", "stop", arn, "--error-type", "Cancelled", "--json")
    assert stopped.code == 0
    assert stopped.json()["Status"] == "STOPPED"
    assert stopped.json()["Error"]["ErrorType"] == "Cancelled"

    deleted = cli("executions", "delete", arn)
    assert deleted.code == 0
    assert cli("executions", "get", arn).code == 3


# -- callbacks ---------------------------------------------------------------------------


def test_callback_succeed_completes_the_execution(cli: RunCli, served: Served) -> None:
    arn = cli("invoke", "awaits-callback", "--async").out.strip()
    callback_id = _wait_for_callback_id(served, arn)
    assert cli("callback", "heartbeat", callback_id).code == 0
    run = cli("callback", "succeed", callback_id, "--result", '"yes"', "--json")
    assert run.code == 0 and run.json() == {}
    done = _wait(served, arn)
    assert done.status == "SUCCEEDED"
    assert done.result == 'approved: "yes"'


def test_callback_fail_fails_the_execution(cli: RunCli, served: Served) -> None:
    arn = cli("invoke", "awaits-callback", "--async").out.strip()
    callback_id = _wait_for_callback_id(served, arn)
    run = cli("callback", "fail", callback_id, "--type", "Rejected", "--message", "no")
    assert run.code == 0
    done = _wait(served, arn)
    assert done.status == "FAILED"
    assert done.error is not None and "no" in str(done.error)


def test_an_unknown_callback_is_refused(cli: RunCli) -> None:
    run = cli("callback", "succeed", "no-such-callback")
    assert run.code == 3
    assert "does not exist" in run.err


# -- db ----------------------------------------------------------------------------------


def test_db_migrate_creates_and_then_reports_up_to_date(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "perdure.db"
    out, err = io.StringIO(), io.StringIO()
    assert main(["db", "migrate", "--db", str(db), "--json"], stdout=out, stderr=err) == 0
    doc = json.loads(out.getvalue())
    assert doc["Applied"] and doc["Applied"] == doc["Schema"]
    err = io.StringIO()
    assert main(["db", "migrate", "--db", str(db)], stdout=io.StringIO(), stderr=err) == 0
    assert "up to date" in err.getvalue()


def test_db_migrate_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database" * 100)
    err = io.StringIO()
    assert main(["db", "migrate", "--db", str(path)], stdout=io.StringIO(), stderr=err) == 3
    message = err.getvalue()
    assert "is not a database" in message and "point --db at another file" in message
    assert "Traceback" not in message


@pytest.mark.parametrize("command", ["server", "dev"])
@pytest.mark.parametrize("kind", ["directory", "not a database"])
def test_dev_and_server_refuse_an_unusable_database_in_one_line(
    tmp_path: Path, command: str, kind: str
) -> None:
    db = tmp_path / "db"
    if kind == "directory":
        db.mkdir()
    else:
        db.write_text("these are notes, not a database\n" * 50)
    argv = [command, "--db", str(db), "--port", "0"]
    if command == "dev":
        argv[1:1] = [str(EXAMPLES / "order" / "order_workflow.py"), "--no-reload"]
    err = io.StringIO()
    assert main(argv, stdout=io.StringIO(), stderr=err) == 3
    message = err.getvalue()
    assert message.count("\n") == 1 and "Traceback" not in message
    assert f"cannot use the SQLite database '{db}'" in message
    assert ("directory" if kind == "directory" else "not a database") in message
