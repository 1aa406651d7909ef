"""Perdure's public SDK surface is AWS's SDK 3.0.0 surface, name for name.

Every public name of every user-facing module of ``aws_durable_execution_sdk_python`` (the
real package, a test-only dependency) is compared with ``perdure.<same module>``: kind,
signatures with defaults, dataclass fields, enum members, exception bases, properties versus
methods, and re-exports being the same object. A port is a package rename only if this
holds; each deliberate difference is in ``sdk_allowlist.py`` with its reason.
"""

from __future__ import annotations

import sys
import types

import pytest

from tests.port.sdk_allowlist import ALLOWED, PENDING
from tests.port.surface import Describer, compare, covering, expand, report

pytest.importorskip("aws_durable_execution_sdk_python", reason="the dev extra installs it")

AWS = "aws_durable_execution_sdk_python"

# Modules a user imports from. AWS's machinery modules (the checkpoint state, threads,
# operation executors, the id generator) are not surface; a name defined there and
# imported into a public module is left out too.
MODULES = [
    "", "config", "context", "exceptions", "execution", "logger", "retries", "serdes",
    "types", "waits", "plugin", "plugin_discovery", "concurrency", "concurrency.models",
    "filesystem_serdes", "preview", "constants",
]  # fmt: skip
MACHINERY = ("state", "threading", "suspend", "identifier", "operation", "concurrency.executor")


@pytest.fixture(scope="module")
def differences() -> dict[str, tuple[str, str]]:
    found, _ = compare(AWS, "perdure", MODULES, lambda home: home.startswith(MACHINERY))
    return found


def test_every_public_name_of_awss_sdk_has_the_same_shape_in_perdure(
    differences: dict[str, tuple[str, str]],
) -> None:
    explained = expand([*ALLOWED, *PENDING])
    left = {p: texts for p, texts in differences.items() if covering(p, explained) is None}
    assert not left, (
        f"{len(left)} differences from AWS's SDK surface (fix Perdure, or add a reasoned "
        f"entry to tests/port/sdk_allowlist.py):\n" + report(left, "AWS", "perdure")
    )


def test_every_allowlist_entry_still_explains_a_difference(
    differences: dict[str, tuple[str, str]],
) -> None:
    explained = expand([*ALLOWED, *PENDING])
    used = {explained[key] for p in differences if (key := covering(p, explained))}
    stale = [key for key in [*ALLOWED, *PENDING] if key not in used]
    assert not stale, f"allow-list entries that no longer differ; remove them: {stale}"


def test_the_allowlist_fits_on_one_screen() -> None:
    assert len(ALLOWED) + len(PENDING) <= 25


def _package(name: str, **modules: dict[str, object]) -> None:
    for relative, names in modules.items():
        module = types.ModuleType(f"{name}.{relative}" if relative else name)
        for key, value in names.items():
            if isinstance(value, type) or callable(value):
                value.__module__ = module.__name__
            setattr(module, key, value)
        module.__all__ = list(names)  # type: ignore[attr-defined]
        sys.modules[module.__name__] = module


def test_the_comparison_sees_a_property_that_should_be_a_method_and_a_changed_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Ref:
        def retriable(self) -> bool:
            return True

    class Port:
        @property
        def retriable(self) -> bool:
            return True

    def ref_f(a: int, b: int = 1) -> None: ...

    def port_f(a: int, b: int = 2) -> None: ...

    for name in ("refpkg", "portpkg"):
        monkeypatch.delitem(sys.modules, name, raising=False)
        monkeypatch.delitem(sys.modules, f"{name}.m", raising=False)
    _package("refpkg", m={"Thing": Ref, "f": ref_f})
    _package("portpkg", m={"Thing": Port, "f": port_f})
    found, _ = compare("refpkg", "portpkg", ["m"], lambda home: False)
    assert found["m.Thing.retriable"] == ("method (self)", "property")
    assert found["m.f()"] == ("(a, b=1)", "(a, b=2)")
    assert Describer("refpkg").neutral("refpkg.m.Thing at 0x7f00") == "Thing"
