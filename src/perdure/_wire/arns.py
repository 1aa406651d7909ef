"""Durable execution ARNs: building, parsing, and the function ARN inside them.

Format (reference §5.24, botocore's `DurableExecutionArn` pattern):

    arn:<partition>:lambda:<region>:<12-digit account>:function:<name>:<version>
        /durable-execution/<execution name>/<execution id>

`<version>` is always concrete (`$LATEST`, `$LATEST.PUBLISHED` or a number), because
replays are pinned to the version that started the execution. The execution id is also
the EXECUTION operation's `Id` (reference §5.3), so callers must not reformat it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from perdure._wire.validation import WireFormatError, echo

MAX_ARN_CHARS = 1024

_EXECUTION_ARN_RE = re.compile(
    r"(?P<function_arn>arn:(?P<partition>[a-zA-Z0-9-]+):lambda:(?P<region>[a-zA-Z0-9-]+)"
    r":(?P<account>\d{12}):function:(?P<function_name>[a-zA-Z0-9_-]+)"
    r":(?P<version>\$LATEST(?:\.PUBLISHED)?|[0-9]+))"
    r"/durable-execution/(?P<execution_name>[a-zA-Z0-9_-]+)/(?P<execution_id>[a-zA-Z0-9_-]+)"
)
_FORMAT = (
    "arn:aws:lambda:<region>:<12-digit account>:function:<name>:<$LATEST|$LATEST.PUBLISHED|N>"
    "/durable-execution/<execution name>/<execution id>"
)


class ExecutionArnParts(NamedTuple):
    function_name: str
    version: str
    execution_name: str
    execution_id: str


def execution_arn(
    region: str,
    account: str,
    function_name: str,
    version: str,
    execution_name: str,
    execution_id: str,
    *,
    partition: str = "aws",
) -> str:
    """Compose an execution ARN; raises `WireFormatError` if any part would not parse."""
    arn = (
        f"arn:{partition}:lambda:{region}:{account}:function:{function_name}:{version}"
        f"/durable-execution/{execution_name}/{execution_id}"
    )
    _match(arn)
    return arn


def parse_execution_arn(arn: str) -> ExecutionArnParts:
    """(function_name, version, execution_name, execution_id) of a durable execution ARN."""
    m = _match(arn)
    return ExecutionArnParts(
        m["function_name"], m["version"], m["execution_name"], m["execution_id"]
    )


def function_arn_of(arn: str) -> str:
    """The qualified function ARN an execution ran on: everything up to the version."""
    return _match(arn)["function_arn"]


def _match(arn: object) -> re.Match[str]:
    m = (
        _EXECUTION_ARN_RE.fullmatch(arn)
        if isinstance(arn, str) and len(arn) <= MAX_ARN_CHARS
        else None
    )
    if m is None:
        raise WireFormatError(
            f"Invalid Durable Execution ARN {echo(arn)}: expected {_FORMAT}, "
            f"at most {MAX_ARN_CHARS} characters."
        )
    return m
