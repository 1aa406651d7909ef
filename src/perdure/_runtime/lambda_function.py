"""What a Lambda-style function is, and what Lambda gives its handler besides the event.

A Lambda function here is an AWS handler named as Lambda names it (`module.function`,
`folder/module.function`) plus the settings Lambda keeps beside it: its runtime (Python
or Node.js), the folder its code is in, a timeout and a memory size. From those, and
from where Perdure's API is (`HandlerAccess`), come the two things Lambda hands a
handler besides the event:

- the **environment** of its process (`handler_environment`): Lambda's reserved
  variables (`AWS_LAMBDA_FUNCTION_NAME`, `AWS_REGION`, `_HANDLER`, ...), the endpoint of
  the durable-execution API (`AWS_ENDPOINT_URL_LAMBDA`, which boto3 and AWS's SDKs read)
  and an access key Perdure's server accepts SigV4 signatures from;
- the **context** of each invocation (`invocation_context`): request id, function
  name, version and ARN, memory, log group and stream, and the deadline from which
  `get_remaining_time_in_millis()` counts down.

These are plain data so that every runtime can use them: the Python bootstrap
(`lambda_bootstrap`) builds its context object from the dictionary, and a Lambda
Runtime API server for other languages sends the same values as Lambda's headers
(`Lambda-Runtime-Aws-Request-Id`, `Lambda-Runtime-Deadline-Ms`,
`Lambda-Runtime-Invoked-Function-Arn`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from perdure import _ids
from perdure._wire.arns import function_arn_of, parse_execution_arn

# Lambda's own defaults for what a function does not set.
DEFAULT_MEMORY_MB = 128
DEFAULT_REGION = "us-east-1"
# Lambda's default is 3 s, which suits no durable step that does real work; a Perdure
# default that leaves room for one while still ending a hung invocation within minutes.
DEFAULT_TIMEOUT_SECONDS = 300
MAX_TIMEOUT_SECONDS = 900  # Lambda's ceiling
MIN_MEMORY_MB, MAX_MEMORY_MB = 128, 10240

# Lambda's Python handler setting: a module path (dots, or slashes for folders) and an
# attribute, as awslambdaric splits it on the last dot.
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_HANDLER_RE = re.compile(rf"{_IDENTIFIER}(?:[./]{_IDENTIFIER})*\.{_IDENTIFIER}")
# Lambda's Node.js handler setting: a file path without its extension (folders may hold
# any character but '/'), a dot, and the exported function, dotted when nested
# (`index.handler`, `src/orders/app.handlers.create`), as Lambda's Node.js runtime splits
# it on the first dot of the last path segment.
_JS_IDENTIFIER = r"[A-Za-z_$][A-Za-z0-9_$]*"
_NODE_HANDLER_RE = re.compile(rf"(?:[^/\s]+/)*[^./\s]+\.{_JS_IDENTIFIER}(?:\.{_JS_IDENTIFIER})*")
# Lambda's runtime identifiers: python3.12, nodejs20.x; a bare family name means the
# interpreter found here (the worker's own Python, the `node` on PATH).
PYTHON, NODEJS = "python", "nodejs"
_RUNTIME_RE = re.compile(r"(python)(?:3\.\d+)?|(nodejs)(?:\d+\.x)?")
_FUNCTION_NAME_RE = re.compile(r"[a-zA-Z0-9_-]{1,64}")

# Credentials a handler signs with when the server checks none (a loopback server
# without credentials ignores signatures); boto3 refuses to sign without some.
PLACEHOLDER_ACCESS_KEY = ("PERDURELOCAL", "perdure-local-no-credentials")

# Variables of the worker's environment a handler must not see or be steered by: Perdure's
# own secrets and database, and AWS settings that would override the endpoint, the
# credentials or the region Perdure gives the handler.
_WITHHELD = frozenset(
    {
        "PERDURE_TOKEN",
        "PERDURE_ACCESS_KEY_ID",
        "PERDURE_SECRET_ACCESS_KEY",
        "PERDURE_DATABASE_URL",
        "PERDURE_DB",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    }
)


class HandlerNameError(ValueError):
    """A Lambda handler setting that names no `module.function`."""


def runtime_family(runtime: str) -> str:
    """PYTHON or NODEJS for a Lambda runtime identifier (`python3.13`, `nodejs20.x`, or
    the bare family name); ValueError for any other runtime."""
    match = _RUNTIME_RE.fullmatch(runtime.strip())
    if match is None:
        raise HandlerNameError(
            f"runtime {runtime!r} is not supported: Perdure runs Python (python3.x) and "
            "Node.js (nodejsN.x) handlers"
        )
    return match.group(1) or match.group(2)


def parse_node_handler(handler: str) -> tuple[str, str]:
    """(file path without extension, exported function) of a Node.js handler setting:
    `index.handler` → (`index`, `handler`), `src/app.handlers.create` → (`src/app`,
    `handlers.create`). Raises HandlerNameError for anything else."""
    text = handler.strip()
    if not _NODE_HANDLER_RE.fullmatch(text):
        raise HandlerNameError(
            f"{handler!r} is not a Node.js Lambda handler: give it as file.function (for "
            "example index.handler, or src/orders/app.handler for src/orders/app.mjs), the "
            "file's path relative to the function's folder and without its extension"
        )
    folder, _, last = text.rpartition("/")
    module, _, attribute = last.partition(".")
    return (f"{folder}/{module}" if folder else module), attribute


def parse_handler(handler: str) -> tuple[str, str]:
    """(module, attribute) of a Lambda handler setting: `app.handler` → (`app`,
    `handler`), `src/orders/app.handler` → (`src.orders.app`, `handler`). Raises
    HandlerNameError for anything else, saying what the form is."""
    text = handler.strip()
    if not _HANDLER_RE.fullmatch(text):
        raise HandlerNameError(
            f"{handler!r} is not a Lambda handler: give it as module.function (for "
            "example app.handler, or orders.app.lambda_handler), the module importable "
            "from the current folder or PYTHONPATH"
        )
    module, _, attribute = text.rpartition(".")
    return module.replace("/", "."), attribute


def default_function_name(handler: str) -> str:
    """The function name a handler is served under when none is given: its module's own
    name (`orders.app.handler` → `app`, `checkout.handler` → `checkout`). Lambda
    handlers are mostly called `handler` or `lambda_handler`, so the attribute, which
    names Perdure's own functions, would name them all alike; one function per module
    is Lambda's usual layout. Characters a function name cannot hold become `-`."""
    module, _ = parse_handler(handler)
    name = re.sub(r"[^a-zA-Z0-9_-]", "-", module.rpartition(".")[2])[:64]
    return name


def default_node_function_name(handler: str) -> str:
    """The function name a Node.js handler is served under when none is given: its
    file's name (`orders.handler` → `orders`), or for Node's `index` its folder's
    (`functions/hello-world/index.handler` → `hello-world`)."""
    path, _ = parse_node_handler(handler)
    folder, _, module = path.rpartition("/")
    if module == "index" and folder:
        module = folder.rpartition("/")[2]
    return re.sub(r"[^a-zA-Z0-9_-]", "-", module)[:64] or "index"


def check_function_name(name: str) -> str:
    if not _FUNCTION_NAME_RE.fullmatch(name):
        raise HandlerNameError(
            f"{name!r} is not a valid function name (1-64 characters from a-z, A-Z, 0-9, "
            "'-' and '_')"
        )
    return name


@dataclass(frozen=True)
class LambdaFunction:
    """A function whose handler is an AWS Lambda handler, and Lambda's settings for it."""

    name: str
    handler: str
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB
    version: str = "$LATEST"
    # Extra variables for the handler's environment (a template's `Environment`).
    environment: Mapping[str, str] = field(default_factory=dict)
    # Lambda's runtime identifier (a template's `Runtime`): python3.x or nodejsN.x.
    runtime: str = PYTHON
    # The folder the handler's path is relative to, Lambda's task root (a template's
    # `CodeUri`); None for the current folder. Node.js handlers are loaded from it.
    task_root: str | None = None

    def __post_init__(self) -> None:
        check_function_name(self.name)
        if runtime_family(self.runtime) == NODEJS:
            parse_node_handler(self.handler)
        else:
            parse_handler(self.handler)
        if not 0 < self.timeout_seconds <= MAX_TIMEOUT_SECONDS:
            raise ValueError(
                f"function {self.name}: the timeout must be more than 0 and at most "
                f"{MAX_TIMEOUT_SECONDS} seconds (Lambda's limit), got {self.timeout_seconds}"
            )
        if not MIN_MEMORY_MB <= self.memory_mb <= MAX_MEMORY_MB:
            raise ValueError(
                f"function {self.name}: the memory size must be {MIN_MEMORY_MB} to "
                f"{MAX_MEMORY_MB} MB, got {self.memory_mb}"
            )

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.name}"

    @property
    def family(self) -> str:
        """PYTHON or NODEJS: which runtime runs the handler."""
        return runtime_family(self.runtime)


def lambda_function(
    spec: str,
    *,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    memory_mb: int = DEFAULT_MEMORY_MB,
    runtime: str = PYTHON,
) -> LambdaFunction:
    """A LambdaFunction from a command line's `[NAME=]module.function` (for Node.js,
    `[NAME=]path/file.function`)."""
    name, sep, handler = spec.partition("=")
    if not sep:
        handler = spec
        node = runtime_family(runtime) == NODEJS
        name = default_node_function_name(spec) if node else default_function_name(spec)
    return LambdaFunction(
        name=check_function_name(name.strip()),
        handler=handler.strip(),
        timeout_seconds=timeout_seconds,
        memory_mb=memory_mb,
        runtime=runtime,
    )


@dataclass(frozen=True)
class HandlerAccess:
    """Where a handler's SDK reaches Perdure's durable-execution API, and the access
    key it signs its requests with (one the server accepts, or the placeholder when the
    server checks none). Secrets stay out of `repr`."""

    endpoint: str
    access_key_id: str = PLACEHOLDER_ACCESS_KEY[0]
    secret_access_key: str = field(default=PLACEHOLDER_ACCESS_KEY[1], repr=False)
    region: str = DEFAULT_REGION


def minted_access_key() -> tuple[str, str]:
    """A fresh access key (id, secret) for a server to accept from the handlers it runs
    itself, so they need no key of the user's."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    key_id = "PDLAMBDA" + _ids.random_string(12, alphabet)
    secret = _ids.random_string(40, alphabet + alphabet.lower() + "0189+/")
    return key_id, secret


def log_stream_name(version: str, now: dt.datetime) -> str:
    """A log stream name shaped as Lambda's (`2025/01/31/[$LATEST]<32 hex>`): one per
    handler process, as Lambda has one per execution environment."""
    return f"{now:%Y/%m/%d}/[{version}]{_ids.random_string(32, '0123456789abcdef')}"


def handler_environment(
    fn: LambdaFunction,
    access: HandlerAccess,
    *,
    log_stream: str,
    inherited: Mapping[str, str],
) -> dict[str, str]:
    """The environment of a process that runs `fn`'s handler: the worker's own
    (`inherited`, so PATH, PYTHONPATH and the like carry over) without Perdure's secrets
    and the AWS settings that would redirect the SDK, then the function's variables,
    then Lambda's reserved ones, which a function may not override."""
    env = {k: v for k, v in inherited.items() if k not in _WITHHELD}
    env.update(fn.environment)
    env.update(
        {
            "AWS_ENDPOINT_URL_LAMBDA": access.endpoint,
            "AWS_ACCESS_KEY_ID": access.access_key_id,
            "AWS_SECRET_ACCESS_KEY": access.secret_access_key,
            "AWS_REGION": access.region,
            # botocore reads the region from this one, Lambda sets both.
            "AWS_DEFAULT_REGION": access.region,
            "AWS_LAMBDA_FUNCTION_NAME": fn.name,
            "AWS_LAMBDA_FUNCTION_VERSION": fn.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": fn.log_group_name,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "_HANDLER": fn.handler,
            # Output reaches the log as it is written, and is not lost with a crash.
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.setdefault("TZ", ":UTC")
    env.setdefault("AWS_LAMBDA_LOG_FORMAT", "Text")
    return env


def invocation_context(
    fn: LambdaFunction,
    *,
    durable_execution_arn: str,
    request_id: str,
    deadline_ms: int,
    log_stream: str,
) -> dict[str, Any]:
    """The Lambda context of one invocation, as data: what Python's context object
    holds, and what the Runtime API's headers carry. The invoked ARN is the function's,
    qualified with the version the execution runs on (taken from the execution ARN, as
    the service invokes that version)."""
    try:
        invoked = function_arn_of(durable_execution_arn)
        version = parse_execution_arn(durable_execution_arn).version
    except ValueError:
        invoked, version = "", fn.version
    return {
        "aws_request_id": request_id,
        "function_name": fn.name,
        "function_version": version,
        "invoked_function_arn": invoked,
        "memory_limit_in_mb": str(fn.memory_mb),
        "log_group_name": fn.log_group_name,
        "log_stream_name": log_stream,
        "deadline_ms": deadline_ms,
    }
