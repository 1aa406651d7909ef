"""The CLI's side of limits and DurableConfig: an input too large for `perdure invoke`
says what to do; `--execution-timeout` and `--retention-days` are checked up front;
a module's `FUNCTIONS` registry carries its functions' configs to `perdure dev` and
`perdure worker`."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import pytest

from perdure._cli import discovery, durable_options
from perdure._cli.main import main
from perdure._model.durable_config import DurableConfig
from perdure._model.limits import MIB
from perdure._runtime.registry import registry_from_modules
from tests.cli.conftest import RunCli


def test_invoke_with_an_input_over_the_asynchronous_limit_says_what_to_do(
    cli: RunCli, tmp_path: Path
) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"name": "x" * (2 * MIB)}))
    run = cli("invoke", "greet", "--input", f"@{path}")
    assert run.code == 2
    assert "over the 1048576-byte limit of an asynchronous invocation" in run.err
    assert "`perdure invoke`" in run.err
    assert "pass a reference" in run.err
    assert "Traceback" not in run.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["worker", "tests.cli.handlers", "--retention-days", "91"], "--retention-days must"),
        (["server", "--port", "0", "--execution-timeout", "0"], "--execution-timeout must"),
        (["dev", "x.py", "--no-reload", "--execution-timeout", "31622401"], "31622400 seconds"),
    ],
)
def test_out_of_range_timeouts_and_retentions_are_usage_errors(
    argv: list[str], message: str
) -> None:
    err = io.StringIO()
    assert main([*argv, "--endpoint", "http://127.0.0.1:9"], stdout=io.StringIO(), stderr=err) == 2
    assert message in err.getvalue()
    assert "Traceback" not in err.getvalue()


def test_the_command_lines_values_become_the_services_defaults() -> None:
    given = argparse.Namespace(execution_timeout=120, retention_days=None)
    settings = durable_options.settings(given)
    assert (settings.default_execution_timeout, settings.default_retention_days) == (120, 14)
    assert durable_options.defaults(given) == DurableConfig(120, None)


MODULE = """
from perdure import durable_execution
from perdure._runtime.registry import Registry
from perdure.config import DurableConfig


@durable_execution(durable_config=DurableConfig(retention_period_in_days=3))
def handler(event, context):
    return event


FUNCTIONS = Registry()
FUNCTIONS.register("configured", handler, DurableConfig(execution_timeout=60))
FUNCTIONS.register("decorated", handler)
"""


def test_a_functions_registry_carries_its_configs_to_dev_and_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "configured_functions.py"
    path.write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "configured_functions", raising=False)
    loaded = discovery.load([str(path)])
    registry = registry_from_modules(["configured_functions"])
    # The registration's own value wins; what it leaves unset comes from the decorator.
    assert loaded.configs == {
        "configured": DurableConfig(60, 3),
        "decorated": DurableConfig(None, 3),
    }
    assert registry.config("configured") == DurableConfig(60, 3)
    assert registry.config("decorated") == DurableConfig(None, 3)
