"""What Perdure offers its users, read from the code: the `perdure` command's commands and
options, the HTTP API's routes, the environment variables and the public SDK names.
tests/docs/test_reference.py checks each has its entry in the reference pages."""

from __future__ import annotations

import argparse
import importlib
import re
from collections.abc import Iterator

from perdure._api.routes import ROUTES
from perdure._cli.main import build_parser
from tests.docs.blocks import ROOT

# The modules whose `__all__` is the SDK a handler or test imports (AWS's module names,
# plus Perdure's own client, test runner and OpenTelemetry plugin).
SDK_MODULES = (
    "perdure",
    "perdure.config",
    "perdure.context",
    "perdure.exceptions",
    "perdure.execution",
    "perdure.logger",
    "perdure.plugin",
    "perdure.plugin_discovery",
    "perdure.retries",
    "perdure.serdes",
    "perdure.types",
    "perdure.waits",
    "perdure.concurrency",
    "perdure.concurrency.models",
    "perdure.constants",
    "perdure.lambda_service",
    "perdure.filesystem_serdes",
    "perdure.preview",
    "perdure.testing",
    "perdure.client",
    "perdure.otel",
)


def _subcommands(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def cli_commands() -> dict[str, list[str]]:
    """Each command as typed ("perdure executions list") with its long options."""
    found: dict[str, list[str]] = {}

    def walk(prefix: str, parser: argparse.ArgumentParser) -> None:
        options = [
            s
            for a in parser._actions
            if a.help != argparse.SUPPRESS  # internal: how `dev` runs its own child
            for s in a.option_strings
            if s.startswith("--")
        ]
        children = list(_subcommands(parser))
        if not children:
            found[prefix] = [o for o in options if o != "--help"]
        for name, sub in children:
            walk(f"{prefix} {name}", sub)
        if children:
            found.setdefault(prefix, [o for o in options if o != "--help"])

    walk("perdure", build_parser())
    return found


def http_routes() -> list[tuple[str, str, str]]:
    """(method, path template, operation) of every route the API serves."""
    return [(r.method, r.template, r.operation) for r in ROUTES]


def environment_variables() -> set[str]:
    """Every `PERDURE_*` name the source quotes: the variables Perdure reads or sets."""
    names: set[str] = set()
    for path in (ROOT / "src" / "perdure").rglob("*"):
        if path.suffix in (".py", ".mjs"):
            names |= set(re.findall(r"""["'`](PERDURE_[A-Z_]+)\b""", path.read_text("utf-8")))
    return names


def sdk_names() -> dict[str, list[str]]:
    """Each public module with the names of its `__all__`."""
    return {m: list(importlib.import_module(m).__all__) for m in SDK_MODULES}
