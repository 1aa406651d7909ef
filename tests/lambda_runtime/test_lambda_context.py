"""What a Lambda handler gets besides the event, as Lambda gives it: the context object,
the environment of its process (the API's endpoint, an access key the server accepts,
none of Perdure's secrets), a warm process reused between invocations, and requests
that the server verifies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from perdure._api.auth import AuthConfig
from perdure._service import queries
from tests.lambda_runtime.support import function, serving


def _report(served: Any, function_name: str) -> dict[str, Any]:
    arn = served.start(function_name, {"x": 1})
    served.wait_for_end(arn)
    execution = queries.get_execution(served.app.ctx, arn)
    assert execution.status.value == "SUCCEEDED", execution.error
    report: dict[str, Any] = json.loads(execution.result or "")
    return report | {"arn": arn}


def test_the_handler_gets_a_lambda_context_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERDURE_TOKEN", "not-for-handlers")
    monkeypatch.setenv("PERDURE_SECRET_ACCESS_KEY", "not-for-handlers-either")
    with serving(tmp_path, [function("reporter", "context_report", timeout=30)]) as served:
        report = _report(served, "reporter")
        url = served.url
    arn: str = report["arn"]
    assert report["event_keys"] == [
        "CheckpointToken",
        "DurableExecutionArn",
        "InitialExecutionState",
        "UpdatedOperationIds",
    ]
    assert report["function_name"] == "reporter"
    assert report["function_version"] == "$LATEST"
    assert arn.startswith(report["invoked_function_arn"] + "/durable-execution/")
    assert report["invoked_function_arn"].endswith(":function:reporter:$LATEST")
    assert report["memory_limit_in_mb"] == "128"
    assert report["log_group_name"] == "/aws/lambda/reporter"
    assert report["log_stream_name"].count("/") == 3 and "[$LATEST]" in report["log_stream_name"]
    assert 0 < report["remaining_ms"] <= 30_000
    assert len(report["aws_request_id"]) == 36
    assert report["env"] == {
        "AWS_ENDPOINT_URL_LAMBDA": url,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": "reporter",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "_HANDLER": "tests.lambda_runtime.aws_handlers.context_report",
        "PERDURE_TOKEN": None,
        "PERDURE_SECRET_ACCESS_KEY": None,
    }
    assert report["has_access_key"]


def test_a_warm_process_serves_the_next_invocation(tmp_path: Path) -> None:
    with serving(tmp_path, [function("reporter", "context_report")]) as served:
        first, second = _report(served, "reporter"), _report(served, "reporter")
    assert first["pid"] == second["pid"]
    assert first["log_stream_name"] == second["log_stream_name"]
    assert first["aws_request_id"] != second["aws_request_id"]


def test_handlers_checkpoint_with_a_key_minted_for_them_when_the_server_requires_credentials(
    tmp_path: Path,
) -> None:
    auth = AuthConfig(tokens=frozenset({"a-token-handlers-never-see"}), required=True)
    with serving(tmp_path, [function("greeter", "greeter")], auth=auth) as served:
        assert served.access.access_key_id.startswith("PDLAMBDA")
        arn = served.start("greeter", {"name": "Ann"})
        served.wait_for_end(arn)
        execution = queries.get_execution(served.app.ctx, arn)
    assert execution.status.value == "SUCCEEDED", execution.error
    assert json.loads(execution.result or "") == "thank you, Ann"


def test_the_server_verifies_the_signature_of_the_handlers_requests(tmp_path: Path) -> None:
    auth = AuthConfig(access_keys={"AKIDGOOD": "the-real-secret"}, required=True)
    wrong = ("AKIDGOOD", "not-the-secret")
    with serving(tmp_path, [function("greeter", "greeter")], auth=auth, access_key=wrong) as served:
        arn = served.start("greeter", {"name": "Ann"})
        served.wait_for_end(arn)
        execution = queries.get_execution(served.app.ctx, arn)
    # The SDK's checkpoint was refused, and a 4xx is not retryable: the execution fails.
    assert execution.status.value == "FAILED"
    assert execution.error is not None
    assert "InvalidSignatureException" in (execution.error.message or "")
