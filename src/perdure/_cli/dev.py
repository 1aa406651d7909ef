"""`perdure dev FILE_OR_MODULE...`: the API, the scheduler and the workers in one process
on the embedded SQLite store, restarted when the code changes.

Reloading restarts a child process rather than re-importing modules in place: a fresh
interpreter is the only way to be sure no stale function, class or module-level value
survives an edit. The supervising process imports no user code; it watches file
modification times and restarts the child. Executions are safe across restarts: their
state is in the database, and the child shuts down gracefully (invocations under way
finish first), so a restart looks to them like any other pause between invocations.

The serving child ends with its supervisor, however that ends: a `kill -9` of the
supervisor must not leave a server holding the port and the database with nobody to
stop it. The child asks the kernel for SIGTERM when its parent dies (Linux) and, on
every platform, watches a lifeline pipe whose only writer is the supervisor; either way
it then stops as on SIGTERM, and exits at once if that takes longer than the grace a
supervisor would have given it.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from perdure._cli import credentials, discovery, durable_options, lambda_options
from perdure._cli.context import CliContext
from perdure._cli.errors import INTERRUPTED, OK, SERVICE, CliError, UsageError
from perdure._cli.serve import bind, require_uvicorn, serve, url_of
from perdure._clock import monotonic, real_sleep
from perdure._config import DEFAULT_ENDPOINT, Isolation, parse_port
from perdure._model.durable_config import DurableConfig
from perdure._runtime import lifeline
from perdure._runtime.lambda_function import NODEJS, LambdaFunction

POLL_SECONDS = 0.5
STOP_GRACE_SECONDS = 10.0
# Each invocation in a child process by default, as in `perdure worker`: a handler that
# crashes its process fails one invocation instead of taking the server down.
DEFAULT_ISOLATION: Isolation = "process"


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser(
        "dev",
        parents=[common],
        help="run API, scheduler and workers in one process, reloading on code changes",
        description="Serve the durable functions in FILE_OR_MODULE... (every "
        "@durable_execution handler, named after its attribute) on the embedded SQLite "
        "store, with the HTTP API, scheduler and workers in one process, and the AWS "
        "Lambda handlers given with --lambda (Python) and --lambda-node (Node.js). "
        "Restarts when a watched file changes; the database is kept.",
    )
    p.add_argument(
        "targets",
        nargs="*",
        metavar="FILE_OR_MODULE",
        help="a .py file, a module name, or either with :function to pick one handler",
    )
    p.add_argument(
        "--db",
        help="SQLite file or postgresql:// URL "
        "(default $PERDURE_DATABASE_URL or .perdure/perdure.db)",
    )
    p.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", help="port to listen on (default $PERDURE_PORT or 9014; 0 = any)")
    credentials.add_arguments(p)
    p.add_argument(
        "--isolation",
        choices=("process", "thread"),
        help="run each invocation in a child process, so a handler that crashes its "
        "process fails only that invocation, or in a thread of the server, which a "
        "debugger can stop in (default $PERDURE_ISOLATION or process)",
    )
    lambda_options.add_arguments(p)
    durable_options.add_arguments(p)
    p.add_argument("--no-reload", action="store_true", help="do not watch files for changes")
    p.add_argument("--supervised", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--lifeline", type=int, help=argparse.SUPPRESS)
    p.set_defaults(run=dev)


def dev(ctx: CliContext) -> int:
    if not ctx.args.targets and not lambda_options.given(ctx.args):
        raise UsageError(
            "name at least one FILE_OR_MODULE, or an AWS handler with --lambda or --lambda-node"
        )
    if ctx.args.supervised:
        return run_here(ctx)  # a failing import exits USER_CODE_ERROR for the supervisor
    if ctx.args.no_reload:
        try:
            return run_here(ctx)
        except discovery.UserCodeError as exc:
            raise CliError(exc.message, SERVICE) from None
    return supervise(ctx)


# -- the serving process ---------------------------------------------------------------


def run_here(
    ctx: CliContext,
    lambdas: Sequence[LambdaFunction] | None = None,
    lambda_configs: Mapping[str, DurableConfig] | None = None,
    title: str = "Perdure dev server",
) -> int:
    """Serve until stopped. `lambdas` (with their `lambda_configs`) are the AWS
    handlers to serve when the caller read them from elsewhere than --lambda and
    --lambda-node (`perdure up`, from a template)."""
    from perdure._app import (
        build_embedded,
        embedded_api,
        embedded_site,
        lambda_handler_access,
        prepare_database,
    )
    from perdure._runtime.lambda_invoker import LambdaInitError

    args = ctx.args
    if args.lifeline is not None:
        _end_with_supervisor(args.lifeline)
    settings = durable_options.settings(args)
    require_uvicorn()
    isolation: Isolation = (
        getattr(args, "isolation", None) or ctx.settings.isolation or DEFAULT_ISOLATION
    )
    db = args.db or ctx.settings.db
    host = args.host or ctx.settings.host
    port = parse_port(args.port, "--port") if args.port is not None else ctx.settings.port
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    creds = credentials.server_credentials(ctx, host, port)
    lambdas = lambda_options.functions(args) if lambdas is None else list(lambdas)
    loaded = discovery.load(getattr(args, "targets", []))
    prepare_database(db)
    sock = bind(host, port)
    url = url_of(sock)
    # Lambda handlers reach the API at its URL, with a key minted for them when the
    # server requires credentials (the auth below accepts it).
    auth, access = (
        lambda_handler_access(url, creds.auth, settings.region) if lambdas else (creds.auth, None)
    )
    try:
        app = build_embedded(
            db,
            loaded.functions,
            invoker=isolation,
            synchronous=ctx.settings.synchronous,
            settings=settings,
            configs={**loaded.configs, **(lambda_configs or {})},
            lambda_functions=lambdas,
            lambda_access=access,
        )
    except LambdaInitError as exc:
        sock.close()
        problem = lambda_options.init_failure(exc)
        if args.supervised:  # the supervisor waits for a change to the code
            raise discovery.UserCodeError(problem.message) from None
        raise problem from None
    except BaseException:
        sock.close()  # an unusable database must not leave the port bound
        raise
    try:
        api = embedded_api(app, auth=auth)
        site = embedded_site(
            app,
            api,
            auth=creds.auth,  # people log in to the dashboard with the user's credentials
            invoker=isolation,
            origins=loaded.origins,
        )
        serve(
            site,
            sock,
            lambda: banner(
                ctx,
                url,
                db,
                loaded,
                creds,
                isolation,
                reloading=args.supervised,
                lambdas=lambdas,
                title=title,
            ),
            api.end_long_polls,
        )
    finally:
        app.close()
    return OK


def banner(
    ctx: CliContext,
    url: str,
    db: str,
    loaded: discovery.Loaded,
    creds: credentials.Credentials,
    isolation: Isolation,
    reloading: bool,
    lambdas: Sequence[LambdaFunction] = (),
    title: str = "Perdure dev server",
) -> None:
    """What is served and commands to try. With a token required, the commands are
    preceded by how to give it to them, but never the token: a banner ends up in
    terminals' scrollback and in logs."""
    from perdure._app import describe_database

    con = ctx.console
    names = sorted([*loaded.functions, *(fn.name for fn in lambdas)])
    origins = {
        **loaded.origins,
        **{
            fn.name: f"AWS {'Node.js ' if fn.family == NODEJS else ''}handler {fn.handler}, "
            f"Lambda-style, {fn.timeout_seconds:g} s timeout"
            for fn in lambdas
        },
    }
    endpoint = "" if url == DEFAULT_ENDPOINT else f" --endpoint {url}"
    first = names[0] if names else "FUNCTION"
    token_line = credentials.token_setup(creds)
    lines = [
        con.style(title, "bold", err=True),
        f"  API        {con.style(url, 'cyan', err=True)}  (Lambda durable-execution API)",
        f"  Dashboard  {con.style(url + '/ui/', 'cyan', err=True)}",
        f"  Access     {credentials.describe(creds)}",
        f"  Database   {describe_database(db)}",
        "  Functions  " + "\n             ".join(f"{n}  ({origins[n]})" for n in names),
        *(
            [
                "  Handlers   "
                + (
                    "each invocation in its own process"
                    if isolation == "process"
                    else "in threads of this server (--isolation thread)"
                )
            ]
            if loaded.functions
            else []
        ),
        *(
            [
                "  Lambda     AWS handlers in warm processes of their own; their SDK "
                "checkpoints to the API above"
            ]
            if lambdas
            else []
        ),
        "",
        "  Try, in another terminal:",
        *([f"    {token_line}"] if token_line else []),
        f"    perdure invoke {first}{endpoint} --input '{{}}'",
        f"    perdure executions list {first}{endpoint}",
        f"    perdure executions history ARN{endpoint}",
        *(
            [
                f"    aws lambda list-durable-executions-by-function --function-name {first} "
                f"--endpoint-url {url} --profile PROFILE  # a profile with access key "
                f"{creds.access_key_id}"
            ]
            if creds.access_key_id
            else []
        ),
        "",
        "  "
        + ("Reloading on code changes. " if reloading else "")
        + "Ctrl-C to stop; executions stay in the database.",
    ]
    con.note("\n".join(lines))


def _end_with_supervisor(fd: int) -> None:
    """Stop this serving process when the supervisor is gone (see the module's doc)."""
    # If the kernel will send the SIGTERM, a second one from here could arrive after
    # the graceful stop has begun and cut it short; it will not if the supervisor was
    # already gone when this asked (the lifeline is then at end-of-file already).
    kernel_sends = lifeline.die_with_parent(signal.SIGTERM) and not lifeline.at_end(fd)

    def stop() -> None:
        logging.getLogger("perdure.dev").warning("the supervising process is gone; stopping")
        if not kernel_sends:
            os.kill(os.getpid(), signal.SIGTERM)
        real_sleep(STOP_GRACE_SECONDS)
        os._exit(SERVICE)

    lifeline.watch(fd, stop)


# -- the supervising process -----------------------------------------------------------


def _mtimes(paths: list[Path]) -> dict[Path, float]:
    out: dict[Path, float] = {}
    for path in paths:
        try:
            out[path] = path.stat().st_mtime
        except OSError:
            continue
    return out


def _changed(before: dict[Path, float], after: dict[Path, float]) -> list[Path]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def _stop(child: subprocess.Popen[bytes]) -> int:
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)  # SIGTERM: a second SIGINT would force uvicorn
        try:
            child.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return child.returncode


def supervise(
    ctx: CliContext,
    watched_elsewhere: Callable[[], list[Path]] | None = None,
) -> int:
    """Run this command again as a child with --supervised, restarting it when a
    watched file changes: the code of its targets and handlers, and what
    `watched_elsewhere` names (`perdure up`'s template and its functions' folders)."""
    con = ctx.console
    # The modules of --lambda handlers are watched as module targets are, the files of
    # --lambda-node handlers' folders beside them.
    if watched_elsewhere is not None:
        watched = watched_elsewhere
    else:
        lambdas = lambda_options.functions(ctx.args)
        targets: list[str] = [*ctx.args.targets, *lambda_options.handler_modules(lambdas)]

        def watched() -> list[Path]:
            return [*discovery.watch_paths(targets), *lambda_options.node_watch_paths(lambdas)]

    # The child's end of the lifeline; this process holds the only write end, so the
    # child reads end-of-file the moment this process is gone.
    child_end, our_end = os.pipe()
    command = [sys.executable, "-m", "perdure._cli.main", *ctx.argv, "--supervised"]
    command += ["--lifeline", str(child_end)]
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    child: subprocess.Popen[bytes] | None = None
    try:
        seen = _mtimes(watched())
        while True:
            child = subprocess.Popen(command, pass_fds=(child_end,))
            code, changed = _watch(child, seen)
            if changed:
                shown = ", ".join(str(p.name) for p in changed[:3])
                con.note(con.style(f"\n{shown} changed; restarting…", "yellow", err=True))
                _stop(child)
                seen = _mtimes(watched())
                continue
            if code != discovery.USER_CODE_ERROR:
                return code
            con.note(con.style("waiting for a change to the code…", "yellow", err=True))
            seen = _wait_for_change(watched, seen)
    except KeyboardInterrupt:
        if child is not None:
            _stop(child)
        return OK if child is not None else INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
        os.close(child_end)
        os.close(our_end)


def _watch(child: subprocess.Popen[bytes], seen: dict[Path, float]) -> tuple[int, list[Path]]:
    """Wait until the child exits (its code, []) or a watched file changes (-1, files)."""
    targets_paths = list(seen)
    last_scan = monotonic()
    while True:
        code = child.poll()
        if code is not None:
            return code, []
        real_sleep(0.1)
        if monotonic() - last_scan < POLL_SECONDS:
            continue
        last_scan = monotonic()
        changed = _changed(seen, _mtimes(targets_paths))
        if changed:
            return -1, changed


def _wait_for_change(
    watched: Callable[[], list[Path]], seen: dict[Path, float]
) -> dict[Path, float]:
    while True:
        real_sleep(POLL_SECONDS)
        now = _mtimes(watched())
        if _changed(seen, now):
            return now
