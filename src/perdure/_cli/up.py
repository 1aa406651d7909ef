"""`perdure up template.yaml`: the durable functions of an AWS SAM template, served as
`perdure dev` serves handlers (API, scheduler and Lambda-style workers in one process,
on the embedded store, restarted when the template or a function's code changes).

The template is the one deployed to AWS, unchanged: each `AWS::Serverless::Function`
and `AWS::Lambda::Function` runs its handler from its `CodeUri` with its runtime,
environment, timeout, memory and `DurableConfig`; names and ARNs the template hands one
function of another resolve to Perdure's (see `sam_template`). What is served is
`perdure dev`'s machinery given the template's functions instead of --lambda options,
so the two commands serve alike.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from perdure._cli import credentials, dev, discovery, durable_options
from perdure._cli.context import CliContext
from perdure._cli.errors import SERVICE, CliError, UsageError
from perdure._runtime.cfn_yaml import load_template
from perdure._runtime.lambda_function import NODEJS
from perdure._runtime.lambda_node import NodeNotFoundError, find_node
from perdure._runtime.sam_template import TemplateApp, TemplateError, read_template

# The files whose change restarts the server: code and the data files handlers read.
_WATCHED_SUFFIXES = frozenset({".py", ".js", ".mjs", ".cjs", ".json"})


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser(
        "up",
        parents=[common],
        help="serve the durable functions of an AWS SAM template, reloading on changes",
        description="Serve the AWS::Serverless::Function and AWS::Lambda::Function "
        "resources of TEMPLATE (Python and Node.js handlers written with AWS's durable "
        "SDKs, unchanged) as perdure dev serves --lambda handlers: HTTP API, scheduler and "
        "Lambda-style workers in one process on the embedded SQLite store. Restarts when "
        "the template or a function's code changes; the database is kept. YAML templates "
        "need PyYAML (pip install 'perdure[sam]').",
    )
    p.add_argument("template", metavar="TEMPLATE", help="the SAM template (YAML or JSON)")
    p.add_argument(
        "--db",
        help="SQLite file or postgresql:// URL "
        "(default $PERDURE_DATABASE_URL or .perdure/perdure.db)",
    )
    p.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", help="port to listen on (default $PERDURE_PORT or 9014; 0 = any)")
    credentials.add_arguments(p)
    durable_options.add_arguments(p)
    p.add_argument("--no-reload", action="store_true", help="do not watch files for changes")
    p.add_argument("--supervised", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--lifeline", type=int, help=argparse.SUPPRESS)
    p.set_defaults(run=up)


def template_app(ctx: CliContext) -> TemplateApp:
    """The template's functions, or the command's error naming what is wrong in it."""
    path = Path(ctx.args.template)
    settings = durable_options.settings(ctx.args)
    try:
        app = read_template(
            load_template(path),
            path.resolve().parent,
            region=settings.region,
            account=settings.account,
        )
    except TemplateError as exc:
        raise UsageError(f"{path}: {exc}") from None
    if any(fn.family == NODEJS for fn in app.functions):
        try:
            find_node()
        except NodeNotFoundError as exc:
            raise CliError(f"{path}: {exc}", SERVICE) from None
    return app


def up(ctx: CliContext) -> int:
    app = template_app(ctx)
    if not ctx.args.supervised and app.ignored:
        ctx.console.note("Ignored (no part in running the functions): " + ", ".join(app.ignored))
    if ctx.args.supervised:
        return _serve(ctx, app)
    if ctx.args.no_reload:
        try:
            return _serve(ctx, app)
        except discovery.UserCodeError as exc:
            raise CliError(exc.message, SERVICE) from None
    template = Path(ctx.args.template).resolve()
    return dev.supervise(ctx, lambda: watch_paths(template, app))


def _serve(ctx: CliContext, app: TemplateApp) -> int:
    return dev.run_here(
        ctx, lambdas=app.functions, lambda_configs=app.configs, title="Perdure (perdure up)"
    )


def watch_paths(template: Path, app: TemplateApp) -> list[Path]:
    """The template and the code files in each function's folder (installed packages
    under node_modules and virtual environments left out)."""
    paths: set[Path] = {template}
    for fn in app.functions:
        root = Path(fn.task_root or template.parent)
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            skipped = {"node_modules", ".venv", "__pycache__", ".aws-sam"} & set(path.parts)
            if path.suffix in _WATCHED_SUFFIXES and not skipped:
                paths.add(path)
    return sorted(paths)
