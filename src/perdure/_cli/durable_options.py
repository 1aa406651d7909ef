"""`--execution-timeout` and `--retention-days`: the `DurableConfig` values that apply
to the functions that set none of their own (`@durable_execution(durable_config=...)`
sets a function's own). `perdure dev` and `perdure server` use them as the service's
defaults; `perdure worker` registers them, with each function's own config, with the
server it runs the functions for."""

from __future__ import annotations

import argparse
from typing import Any

from perdure._cli.errors import UsageError
from perdure._model.durable_config import (
    DEFAULT_EXECUTION_TIMEOUT,
    DEFAULT_RETENTION_DAYS,
    DurableConfig,
    check_execution_timeout,
    check_retention_days,
)
from perdure._service.context import ServiceSettings


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--execution-timeout",
        type=int,
        metavar="SECONDS",
        help="how long an execution may run before it ends TIMED_OUT, for functions that "
        f"set no timeout of their own (1 to 31622400; default {DEFAULT_EXECUTION_TIMEOUT}, "
        "a year)",
    )
    p.add_argument(
        "--retention-days",
        type=int,
        metavar="DAYS",
        help="how long an ended execution and its history are kept before they are "
        "deleted, for functions that set no retention of their own (1 to 90; default "
        f"{DEFAULT_RETENTION_DAYS})",
    )


def defaults(args: Any) -> DurableConfig:
    """The values given on the command line (unset ones stay None)."""
    try:
        if args.execution_timeout is not None:
            check_execution_timeout(args.execution_timeout, "--execution-timeout")
        if args.retention_days is not None:
            check_retention_days(args.retention_days, "--retention-days")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return DurableConfig(args.execution_timeout, args.retention_days)


def settings(args: Any) -> ServiceSettings:
    """Service settings whose defaults are the command line's, else Perdure's."""
    given = defaults(args).or_else(DurableConfig(DEFAULT_EXECUTION_TIMEOUT, DEFAULT_RETENTION_DAYS))
    assert given.execution_timeout is not None and given.retention_period_in_days is not None
    return ServiceSettings(
        default_execution_timeout=given.execution_timeout,
        default_retention_days=given.retention_period_in_days,
    )
