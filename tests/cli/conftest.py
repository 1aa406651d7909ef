from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from perdure._cli.main import main
from tests.api.server import Served, serve
from tests.cli.handlers import FUNCTIONS


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


RunCli = Callable[..., Run]


@pytest.fixture(scope="package")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    db = Path(tmp_path_factory.mktemp("cli")) / "perdure.sqlite"
    with serve(str(db), FUNCTIONS) as running:
        yield running


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads PERDURE_* and NO_COLOR; tests set what they need."""
    for name in (
        "PERDURE_ENDPOINT",
        "PERDURE_TOKEN",
        "PERDURE_ACCESS_KEY_ID",
        "PERDURE_SECRET_ACCESS_KEY",
        "PERDURE_DATABASE_URL",
        "PERDURE_DB",
        "PERDURE_HOST",
        "PERDURE_PORT",
        "PERDURE_SYNCHRONOUS",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cli(served: Served) -> RunCli:
    """Run `perdure ARGS... --endpoint <served>` in-process."""

    def run(*argv: str, endpoint: bool = True) -> Run:
        out, err = io.StringIO(), io.StringIO()
        args = [*argv, "--endpoint", served.base_url] if endpoint else list(argv)
        code = main(args, stdout=out, stderr=err)
        return Run(code, out.getvalue(), err.getvalue())

    return run
