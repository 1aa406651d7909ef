"""`--lambda [NAME=]module.handler`, `--lambda-node [NAME=]path/file.handler`,
`--lambda-timeout` and `--lambda-memory`: AWS Lambda handlers, Python and Node.js, that
`perdure dev` and `perdure worker` run unchanged, in warm Lambda-style processes whose
own SDK checkpoints to the server over HTTP.

A handler is served under NAME, or by default under its module's own name
(`orders.app.handler` is the function `app`; for Node.js, `orders.handler` is `orders`
and `hello-world/index.handler` is `hello-world`): Lambda handlers are mostly all called
`handler`, so the attribute that names Perdure's own functions would name them alike.
A Node.js handler's path is relative to the current folder, its Lambda task root.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from perdure._cli.context import CliContext
from perdure._cli.errors import SERVICE, CliError, UsageError
from perdure._runtime.lambda_function import (
    DEFAULT_MEMORY_MB,
    DEFAULT_REGION,
    DEFAULT_TIMEOUT_SECONDS,
    MAX_TIMEOUT_SECONDS,
    NODEJS,
    PYTHON,
    HandlerAccess,
    LambdaFunction,
    lambda_function,
    parse_handler,
    parse_node_handler,
)
from perdure._runtime.lambda_invoker import LambdaInitError
from perdure._runtime.lambda_node import NodeNotFoundError, find_node


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
        "--lambda-node",
        dest="lambda_node_handlers",
        action="append",
        default=[],
        metavar="[NAME=]PATH/FILE.FUNCTION",
        help="an AWS Lambda handler written in JavaScript with AWS's durable SDK "
        "(@aws/durable-execution-sdk-js), run unchanged by the `node` on PATH as Lambda's "
        "Node.js runtime runs it (repeatable); FILE is a .js, .mjs or .cjs file, its path "
        "relative to the current folder and without the extension; served as NAME, by "
        "default the file's name (or its folder's, for index)",
    )
    p.add_argument(
        "--lambda-timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help="how long one invocation of a --lambda or --lambda-node handler may run "
        "before its process is killed and the invocation retried (at most "
        f"{MAX_TIMEOUT_SECONDS}; default {DEFAULT_TIMEOUT_SECONDS})",
    )
    p.add_argument(
        "--lambda-memory",
        type=int,
        default=DEFAULT_MEMORY_MB,
        metavar="MB",
        help="the memory size a --lambda or --lambda-node handler's context reports (not "
        f"enforced; default {DEFAULT_MEMORY_MB})",
    )


def given(args: Any) -> bool:
    """Whether any --lambda or --lambda-node handler is given."""
    return bool(args.lambda_handlers or getattr(args, "lambda_node_handlers", []))


def functions(args: Any) -> list[LambdaFunction]:
    """The --lambda and --lambda-node functions, checked: a malformed handler or name, or
    two functions of one name, is a usage error; Node.js handlers without a usable
    `node` on PATH are an error that says how to get one."""
    found: dict[str, LambdaFunction] = {}
    specs = [("--lambda", PYTHON, spec) for spec in args.lambda_handlers]
    specs += [("--lambda-node", NODEJS, spec) for spec in getattr(args, "lambda_node_handlers", [])]
    for option, runtime, spec in specs:
        try:
            fn = lambda_function(
                spec,
                timeout_seconds=args.lambda_timeout,
                memory_mb=args.lambda_memory,
                runtime=runtime,
            )
        except ValueError as exc:
            raise UsageError(f"{option} {spec}: {exc}") from None
        if fn.name in found:
            raise UsageError(
                f"{option} {spec}: the function {fn.name!r} is named twice (also "
                f"{found[fn.name].handler}); name one: {option} OTHER={fn.handler}"
            )
        found[fn.name] = fn
    if any(fn.family == NODEJS for fn in found.values()):
        try:
            find_node()
        except NodeNotFoundError as exc:
            raise CliError(f"--lambda-node: {exc}", SERVICE) from None
    return list(found.values())


def handler_modules(fns: list[LambdaFunction]) -> list[str]:
    """The modules of the Python handlers, for `perdure dev` to watch for changes."""
    return sorted({parse_handler(fn.handler)[0] for fn in fns if fn.family == PYTHON})


_JS_SUFFIXES = (".js", ".mjs", ".cjs", ".json")


def node_watch_paths(fns: list[LambdaFunction]) -> list[Path]:
    """The files whose changes should reload `perdure dev` for its Node.js handlers: the
    JavaScript (and JSON) files of each handler's folder and the folders below it, the
    installed packages under node_modules left out."""
    paths: set[Path] = set()
    for fn in fns:
        if fn.family != NODEJS:
            continue
        module, _ = parse_node_handler(fn.handler)
        folder = (Path(fn.task_root or ".") / module).parent.resolve()
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            if path.suffix in _JS_SUFFIXES and "node_modules" not in path.parts:
                paths.add(path)
    return sorted(paths)


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
    if exc.function.family == NODEJS:
        return _node_init_failure(exc)
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


def _node_init_failure(exc: LambdaInitError) -> CliError:
    error = exc.error
    handler = exc.function.handler
    if error.type == "Runtime.ImportModuleError":
        module, _ = parse_node_handler(handler)
        if f"Cannot find module '{module.rpartition('/')[2]}'" in (error.message or ""):
            return UsageError(
                f"--lambda-node {handler}: no {module}.js, {module}.mjs or {module}.cjs in "
                f"{Path(exc.function.task_root or '.').resolve()} (name the file by its path "
                "from the current folder, without its extension)"
            )
    if error.type in ("Runtime.HandlerNotFound", "Runtime.MalformedHandlerName"):
        return UsageError(f"--lambda-node {handler}: {error.message}")
    detail = "\n".join(error.stack_trace or []).rstrip()
    return CliError(
        f"--lambda-node {handler} cannot start: {error.type}: {error.message}"
        + (f"\n{detail}" if detail else ""),
        SERVICE,
    )
