"""`--lambda [NAME=]module.handler`, `--lambda-timeout` and `--lambda-memory`: AWS
Lambda handlers that `perdure dev` and `perdure worker` run unchanged, in warm
Lambda-style processes whose own SDK checkpoints to the server over HTTP.

A handler is served under NAME, or by default under its module's own name
(`orders.app.handler` is the function `app`): Lambda handlers are mostly all called
`handler`, so the attribute that names Perdure's own functions would name them alike.
"""

from __future__ import annotations

import argparse
from typing import Any

from perdure._cli.context import CliContext
from perdure._cli.errors import SERVICE, CliError, UsageError
from perdure._runtime.lambda_function import (
    DEFAULT_MEMORY_MB,
    DEFAULT_REGION,
    DEFAULT_TIMEOUT_SECONDS,
    MAX_TIMEOUT_SECONDS,
    HandlerAccess,
    LambdaFunction,
    lambda_function,
    parse_handler,
)
from perdure._runtime.lambda_invoker import LambdaInitError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lambda",
        dest="lambda_handlers",
        action="append",
        default=[],
        metavar="[NAME=]MODULE.FUNCTION",
        help="an AWS Lambda handler written with AWS's durable SDK, run unchanged as "
        "Lambda runs it (repeatable); served as NAME, by default its module's name",
    )
    p.add_argument(
        "--lambda-timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help="how long one invocation of a --lambda handler may run before its process "
        f"is killed and the invocation retried (at most {MAX_TIMEOUT_SECONDS}; default "
        f"{DEFAULT_TIMEOUT_SECONDS})",
    )
    p.add_argument(
        "--lambda-memory",
        type=int,
        default=DEFAULT_MEMORY_MB,
        metavar="MB",
        help="the memory size a --lambda handler's context reports (not enforced; "
        f"default {DEFAULT_MEMORY_MB})",
    )


def functions(args: Any) -> list[LambdaFunction]:
    """The --lambda functions, checked: a malformed handler or name, or two functions of
    one name, is a usage error."""
    found: dict[str, LambdaFunction] = {}
    for spec in args.lambda_handlers:
        try:
            fn = lambda_function(
                spec, timeout_seconds=args.lambda_timeout, memory_mb=args.lambda_memory
            )
        except ValueError as exc:
            raise UsageError(f"--lambda {spec}: {exc}") from None
        if fn.name in found:
            raise UsageError(
                f"--lambda {spec}: the function {fn.name!r} is named twice (also "
                f"{found[fn.name].handler}); name one: --lambda OTHER={fn.handler}"
            )
        found[fn.name] = fn
    return list(found.values())


def handler_modules(fns: list[LambdaFunction]) -> list[str]:
    """The modules of the handlers, for `perdure dev` to watch for changes."""
    return sorted({parse_handler(fn.handler)[0] for fn in fns})


def worker_access(ctx: CliContext, fns: list[LambdaFunction]) -> HandlerAccess | None:
    """How a worker's Lambda handlers reach the server: at the worker's endpoint, with
    the access key in PERDURE_ACCESS_KEY_ID and PERDURE_SECRET_ACCESS_KEY (one the
    server accepts). Without one, a placeholder key, which only a server that checks
    no credentials lets through: a worker holding a bearer token is talking to one that
    does, and its handlers cannot present a bearer token, so that is refused here."""
    if not fns:
        return None
    key_id, secret = ctx.settings.access_key_id, ctx.settings.secret_access_key
    if key_id and secret:
        return HandlerAccess(ctx.endpoint, key_id, secret, DEFAULT_REGION)
    if key_id or secret:
        raise UsageError(
            "--lambda handlers sign their requests with an access key: set both "
            "PERDURE_ACCESS_KEY_ID and PERDURE_SECRET_ACCESS_KEY"
        )
    if ctx.token:
        raise UsageError(
            "--lambda handlers sign their requests with SigV4, as AWS's SDK does, and "
            "cannot present the bearer token this worker has: set PERDURE_ACCESS_KEY_ID "
            "and PERDURE_SECRET_ACCESS_KEY to an access key the server accepts"
        )
    return HandlerAccess(ctx.endpoint, region=DEFAULT_REGION)


def init_failure(exc: LambdaInitError) -> CliError:
    """A handler that could not start, as the command's error: naming no module or
    function that exists is a usage error; a module that raised is the code's fault."""
    error = exc.error
    parts = parse_handler(exc.function.handler)[0].split(".")
    packages = {".".join(parts[: i + 1]) for i in range(len(parts))}
    missing_module = error.type == "Runtime.ImportModuleError" and any(
        f"No module named '{name}'" in (error.message or "") for name in packages
    )
    if missing_module:
        return UsageError(
            f"--lambda {exc.function.handler}: {error.message} (run from the folder the "
            "module is in, or put that folder on PYTHONPATH)"
        )
    if error.type == "Runtime.HandlerNotFound":
        return UsageError(f"--lambda {exc.function.handler}: {error.message}")
    detail = "".join(error.stack_trace or []).rstrip()
    return CliError(
        f"--lambda {exc.function.handler} cannot start: {error.type}: {error.message}"
        + (f"\n{detail}" if detail else ""),
        SERVICE,
    )
