"""What every command gets: its parsed arguments, the console, the environment's
settings, and a client made on first use (so commands that need no server never try to
reach one)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from perdure._cli.console import Console
from perdure._cli.errors import UsageError
from perdure._config import Settings, parse_endpoint
from perdure._wire.json_text import parse_strict
from perdure._wire.validation import WireFormatError
from perdure.client import DurableClient


@dataclass
class CliContext:
    args: argparse.Namespace
    console: Console
    settings: Settings
    argv: list[str] = field(default_factory=list)  # as given, for `perdure dev` to re-run
    _client: DurableClient | None = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        given: str | None = getattr(self.args, "endpoint", None)
        return parse_endpoint(given, "--endpoint") if given else self.settings.endpoint

    @property
    def token(self) -> str | None:
        given: str | None = getattr(self.args, "token", None)
        return given or self.settings.token

    def client(self) -> DurableClient:
        if self._client is None:
            self._client = DurableClient.connect(self.endpoint, self.token or "")
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def read_json_arg(value: str, option: str) -> str:
    """The JSON text of an option given as JSON, `@file` or `@-` (stdin), checked to be
    JSON so a typo is a usage error here rather than a refusal from the server."""
    if value.startswith("@"):
        source = value[1:]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8")
        except OSError as exc:
            raise UsageError(f"{option}: cannot read {source}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise UsageError(f"{option}: {source} is not UTF-8 text") from None
    else:
        text = value
    try:
        parse_strict(text, option)
    except WireFormatError as exc:
        plain_text = not value.startswith("@") and "not valid JSON:" in exc.message
        hint = " (prefix a file name with @, e.g. @input.json)" if plain_text else ""
        raise UsageError(f"{exc.message}{hint}") from None
    return text
