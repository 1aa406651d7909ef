"""`perdure server` (the HTTP API and the scheduler on a database; handlers run in
workers) and `perdure worker MODULE...` (runs handlers for a server)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from perdure._cli import credentials, discovery, durable_options, lambda_options
from perdure._cli.context import CliContext
from perdure._cli.errors import OK, SERVICE, CliError, UsageError
from perdure._cli.serve import bind, require_uvicorn, serve, url_of
from perdure._config import parse_port


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser(
        "server",
        parents=[common],
        help="serve the API and scheduler on a database (handlers run in workers)",
        description="Serve the HTTP API and run the scheduler (timers, timeouts, leases) "
        "on the database. Handlers run in `perdure worker` processes, which may be on "
        "other machines. Listening beyond loopback requires credentials: a bearer "
        "token (PERDURE_TOKEN or --token) that workers and perdure commands present, "
        "and/or an AWS access key (PERDURE_ACCESS_KEY_ID and PERDURE_SECRET_ACCESS_KEY) "
        "that boto3 and the AWS CLI sign requests with. Prefer the environment to "
        "--token: a command line is visible to other users in `ps`.",
    )
    p.add_argument(
        "--db",
        help="SQLite file or postgresql:// URL "
        "(default $PERDURE_DATABASE_URL or .perdure/perdure.db)",
    )
    p.add_argument("--host", help="interface to listen on (default $PERDURE_HOST or 127.0.0.1)")
    p.add_argument("--port", help="port to listen on (default $PERDURE_PORT or 9014; 0 = any)")
    credentials.add_arguments(p)
    durable_options.add_arguments(p)
    p.set_defaults(run=server)

    p = commands.add_parser(
        "worker",
        parents=[common],
        help="run the durable functions of modules for a server",
        description="Claim and run invocations of the durable functions in MODULE... "
        "(module names or .py files), and of AWS Lambda handlers given with --lambda "
        "(Python) and --lambda-node (Node.js), "
        "for the server at --endpoint, until SIGTERM or Ctrl-C (it drains the "
        "invocations under way first). Lambda handlers sign their requests with the "
        "access key in PERDURE_ACCESS_KEY_ID and PERDURE_SECRET_ACCESS_KEY.",
    )
    p.add_argument("modules", nargs="*", metavar="MODULE")
    p.add_argument("--concurrency", type=int, default=8, help="invocations at once (default 8)")
    p.add_argument(
        "--isolation",
        choices=("process", "thread"),
        help="run each invocation in a child process, so a handler that crashes its "
        "process fails only that invocation, or in a thread of the worker "
        "(default $PERDURE_ISOLATION or process)",
    )
    lambda_options.add_arguments(p)
    durable_options.add_arguments(p)
    p.set_defaults(run=worker)


def server(ctx: CliContext) -> int:
    from perdure._app import build_server, describe_database, prepare_database

    args = ctx.args
    settings = durable_options.settings(args)
    require_uvicorn()
    db = args.db or ctx.settings.db
    host = args.host or ctx.settings.host
    port = parse_port(args.port, "--port") if args.port is not None else ctx.settings.port
    creds = credentials.server_credentials(ctx, host, port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    prepare_database(db)
    sock = bind(host, port)
    try:
        app = build_server(
            db,
            synchronous=ctx.settings.synchronous,
            auth=creds.auth,
            settings=settings,
        )
    except BaseException:
        sock.close()  # an unusable database must not leave the port bound
        raise
    con = ctx.console
    url = url_of(sock)

    def announce() -> None:
        con.note(
            f"{con.style('Perdure server', 'bold', err=True)}\n"
            f"  API       {con.style(url, 'cyan', err=True)}  ({credentials.describe(creds)})\n"
            f"  Dashboard {con.style(url + '/ui/', 'cyan', err=True)}\n"
            f"  Database  {describe_database(db)}\n"
            f"  Workers   perdure worker MODULE... --endpoint {url}"
            f"{credentials.worker_hint(creds)}\n"
            "  Ctrl-C or SIGTERM to stop."
        )

    try:
        serve(app.site, sock, announce, app.api.end_long_polls)
    finally:
        app.close()
    return OK


def worker(ctx: CliContext) -> int:
    try:
        from perdure._runtime.lambda_invoker import LambdaInitError
        from perdure._runtime.worker import CredentialsRefusedError, run_worker
    except ImportError:
        raise CliError(
            "`perdure worker` is not available in this installation; run your functions "
            "with `perdure dev FILE_OR_MODULE...` instead",
            SERVICE,
        ) from None
    args = ctx.args
    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    defaults = durable_options.defaults(args)
    lambdas = lambda_options.functions(args)
    if not args.modules and not lambdas:
        raise UsageError(
            "name at least one MODULE, or an AWS handler with --lambda or --lambda-node"
        )
    access = lambda_options.worker_access(ctx, lambdas)
    modules = discovery.module_names(args.modules)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        return run_worker(
            ctx.endpoint,
            modules,
            concurrency=args.concurrency,
            token=ctx.token,
            isolation=args.isolation or ctx.settings.isolation or "process",
            defaults=defaults,
            lambda_functions=lambdas,
            lambda_access=access,
        )
    except LambdaInitError as exc:
        raise lambda_options.init_failure(exc) from None
    except ModuleNotFoundError as exc:
        raise UsageError(
            f"no module named {exc.name!r}; give a module name or a .py file"
        ) from None
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    except CredentialsRefusedError as exc:
        raise CliError(
            f"{exc} — give the worker the server's bearer token with PERDURE_TOKEN (or --token)",
            SERVICE,
        ) from None
