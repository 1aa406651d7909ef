"""perdure.testing offers the public surface of AWS's testing SDK 1.4.0, name for name.

Every public name of the modules a user's tests import from
``aws_durable_execution_sdk_python_testing`` (the real package, a test-only dependency) is
compared with ``perdure.testing.<same module>``: kind, signatures with defaults, dataclass
fields, enum members, exception bases, properties versus methods, re-exports being the
same object. AWS's emulator machinery (executor, scheduler, checkpoint processors, stores,
the web server's routes, the CLI) is not surface: a name defined there is left out even
where a public module imports it. Each deliberate difference is listed below with its
reason (docs/porting.md, "Testing SDK").
"""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest

from tests.port.surface import compare, report

pytest.importorskip("aws_durable_execution_sdk_python_testing", reason="the dev extra installs it")

AWS = "aws_durable_execution_sdk_python_testing"
MODULES = ["", "runner", "exceptions", "model", "execution", "web.server", "stores.base"]
MACHINERY = (
    "checkpoint", "client", "clock", "worker", "executor", "invoker", "scheduler", "token",
    "threads", "observer", "child_dispatcher", "cli", "web.handlers", "web.routes",
    "web.models", "web.serialization", "stores.memory", "stores.filesystem", "stores.sqlite",
)  # fmt: skip

# Deliberate differences, one reason each. A key is a glob over paths (``*`` matches
# anything) and covers everything under the paths it matches.
ALLOWED: dict[str, str] = {
    "execution.{Execution,CheckpointIdempotencyRecord,OperationPaginatorState,PauseState}": (
        "AWS's in-memory emulator state; Perdure's lives in its engine and store"
    ),
    "*.StartDurableExecution*": "the emulator's start request; Perdure starts through its service",
    "*.*Details": "event details are EventDetails read from the wire: same attributes",
    "model.Event[CEIR]*": "details' parts (input, result, error, retry) are EventDetails too",
    "model.Event.[cf]*_event*": "the emulator builds events from its state; Perdure logs them",
    "model.Event.create_invocation_completed": "as above: events are written by Perdure's engine",
    "model.*Re[qs]*": "the emulator's API requests and responses; Perdure's API parses the wire",
    "model.CheckpointUpdatedExecutionState": "as above: the checkpoint API's shapes live in _wire",
    "model.{Execution,LambdaContext}": "emulator internals: execution record, fake Lambda context",
    "*.events_to_operations": "history folds into Perdure's operations (history_fold.py)",
    "model.{HISTORY_EVENT_TYPES,HistoryEventTypeConfig}": "as above: the fold's own table",
    "*.ExecutionStore": "AWS's pluggable emulator stores; Perdure always keeps SQLite",
    "stores.base.BaseExecutionStore": "as above",
    "*.WebServer": "AWS's http.server emulator; WebRunner serves Perdure's ASGI API",
    "web.server.RequestHandler": "as above",
    "runner.DurableFunctionCloudTestRunner.__init__": "token=: a Perdure server's access token",
    "runner.WebRunnerConfig.*": "functions=, isolation=: Perdure serves the handlers itself",
}


def _patterns(key: str) -> list[str]:
    head, brace, rest = key.partition("{")
    if not brace:
        return [key]
    names, _, tail = rest.partition("}")
    return [head + name.strip() + tail for name in names.split(",")]


def covering(path: str) -> str | None:
    """The allow-list key whose glob matches ``path`` or a path it lies under."""
    for key in ALLOWED:
        for pattern in _patterns(key):
            if any(fnmatchcase(path, pattern + end) for end in ("", ".*", " *", "(*")):
                return key
    return None


@pytest.fixture(scope="module")
def differences() -> dict[str, tuple[str, str]]:
    found, _ = compare(AWS, "perdure.testing", MODULES, lambda home: home.startswith(MACHINERY))
    return found


def test_every_public_name_of_awss_testing_sdk_has_the_same_shape_in_perdure(
    differences: dict[str, tuple[str, str]],
) -> None:
    left = {p: texts for p, texts in differences.items() if covering(p) is None}
    assert not left, (
        f"{len(left)} differences from AWS's testing SDK surface (fix perdure.testing, or "
        "add a reasoned entry to ALLOWED):\n" + report(left, "AWS", "perdure.testing")
    )


def test_every_allowlist_entry_still_explains_a_difference(
    differences: dict[str, tuple[str, str]],
) -> None:
    used = {key for p in differences if (key := covering(p))}
    stale = [key for key in ALLOWED if key not in used]
    assert not stale, f"allow-list entries that no longer differ; remove them: {stale}"


def test_the_allowlist_fits_on_one_screen() -> None:
    assert len(ALLOWED) <= 25
