"""`perdure`: the entry point. Builds the parser from the command modules, runs the
chosen command, and turns every failure into a message and an exit code (`errors`).

Global options (`--endpoint`, `--token`, `--json`) are accepted before or after the
command: each subcommand parser shares them with `default=SUPPRESS`, so a value given
anywhere wins and nothing overwrites it with a default.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from perdure import __version__
from perdure._cli import callbacks, db, dev, executions, invoke, server, up
from perdure._cli.console import Console
from perdure._cli.context import CliContext
from perdure._cli.errors import INTERRUPTED, USAGE, explain
from perdure._config import DEFAULT_ENDPOINT, ConfigError, Settings

EPILOG = """\
exit codes: 0 done (invoke: SUCCEEDED), 1 execution FAILED/TIMED_OUT/STOPPED,
2 usage error, 3 service unreachable or request refused, 4 invoke --timeout ran out.
environment: PERDURE_ENDPOINT, PERDURE_TOKEN, PERDURE_ACCESS_KEY_ID,
PERDURE_SECRET_ACCESS_KEY, PERDURE_DATABASE_URL (or PERDURE_DB), PERDURE_HOST, PERDURE_PORT,
PERDURE_SYNCHRONOUS, PERDURE_ISOLATION, NO_COLOR. Docs: docs/cli.md"""


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--endpoint",
        default=argparse.SUPPRESS,
        metavar="URL",
        help=f"server URL (default $PERDURE_ENDPOINT or {DEFAULT_ENDPOINT})",
    )
    common.add_argument(
        "--token",
        default=argparse.SUPPRESS,
        help="bearer token to send or require (default $PERDURE_TOKEN, which is safer: "
        "a command line is visible to other users in `ps`)",
    )
    common.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="machine-readable output (the API's JSON documents)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perdure",
        description="Self-hosted durable functions: run a dev server, start and inspect "
        "executions, complete callbacks.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"perdure {__version__}")
    parser.add_argument(
        "--endpoint",
        metavar="URL",
        help=f"server URL (default $PERDURE_ENDPOINT or {DEFAULT_ENDPOINT})",
    )
    parser.add_argument(
        "--token", help="bearer token to send or require ($PERDURE_TOKEN is safer than this)"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    common = _common()
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (dev, up, server, invoke, executions, callbacks, db):
        module.add_parser(commands, common)
    return parser


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the CLI; returns the exit code (the console script exits with it)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse has printed usage or help
        return exc.code if isinstance(exc.code, int) else USAGE
    console = Console(out, err, as_json=bool(args.json))
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        console.error(f"{exc}; fix or unset it")
        return USAGE
    ctx = CliContext(args, console, settings, argv=args_list)
    try:
        code: int = args.run(ctx)
        return code
    except KeyboardInterrupt:
        console.note("interrupted")
        return INTERRUPTED
    except Exception as exc:
        where = ctx.endpoint if _safe_endpoint(ctx) else "the server"
        problem = explain(exc, where)
        if problem is None:
            raise  # a bug: let the traceback through, it is the only useful report
        console.error(problem.message)
        return problem.code
    finally:
        ctx.close()


def _safe_endpoint(ctx: CliContext) -> bool:
    try:
        ctx.endpoint  # noqa: B018 - validates --endpoint
    except ConfigError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
