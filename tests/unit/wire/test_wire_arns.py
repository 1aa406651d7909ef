from __future__ import annotations

import pytest

from perdure._wire.arns import execution_arn, function_arn_of, parse_execution_arn
from perdure.errors import InvalidParameterValueError
from tests.unit.wire.wire_samples import ARN, FUNCTION_ARN


def test_build_parse_and_function_arn() -> None:
    arn = execution_arn("us-east-1", "123456789012", "my-fn", "$LATEST", "my-exec", "0a1b2c3d-4e5f")
    assert arn == ARN
    assert parse_execution_arn(arn) == ("my-fn", "$LATEST", "my-exec", "0a1b2c3d-4e5f")
    parts = parse_execution_arn(arn)
    assert parts.execution_id == "0a1b2c3d-4e5f" and parts.version == "$LATEST"
    assert function_arn_of(arn) == FUNCTION_ARN


@pytest.mark.parametrize("version", ["$LATEST", "$LATEST.PUBLISHED", "1", "42"])
def test_versions(version: str) -> None:
    arn = execution_arn("eu-west-1", "000000000000", "f_1", version, "n", "i")
    assert parse_execution_arn(arn).version == version
    assert function_arn_of(arn) == f"arn:aws:lambda:eu-west-1:000000000000:function:f_1:{version}"


def test_other_partitions() -> None:
    arn = execution_arn("cn-north-1", "123456789012", "f", "1", "n", "i", partition="aws-cn")
    assert arn.startswith("arn:aws-cn:lambda:cn-north-1:")
    assert parse_execution_arn(arn) == ("f", "1", "n", "i")


@pytest.mark.parametrize(
    "arn",
    [
        "",
        "not an arn",
        ARN.replace("123456789012", "1234"),  # account must be 12 digits
        ARN.replace(":$LATEST/", "/"),  # version is mandatory
        ARN.replace(":$LATEST/", ":latest/"),
        ARN.replace("durable-execution", "durable-executions"),
        ARN + "/extra",
        ARN.replace("my-exec", "my exec"),
        ARN.replace("0a1b2c3d-4e5f", "x" * 1100),  # over 1024 characters
    ],
)
def test_invalid_arns_are_rejected(arn: str) -> None:
    with pytest.raises(InvalidParameterValueError, match=r"^Invalid Durable Execution ARN"):
        parse_execution_arn(arn)
    with pytest.raises(InvalidParameterValueError):
        function_arn_of(arn)


def test_non_string_and_bad_parts() -> None:
    with pytest.raises(InvalidParameterValueError, match="Invalid Durable Execution ARN 5"):
        parse_execution_arn(5)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterValueError, match="expected arn:aws:lambda:<region>"):
        execution_arn("us-east-1", "123456789012", "my fn", "1", "n", "i")
