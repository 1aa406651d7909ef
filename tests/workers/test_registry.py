"""`perdure worker MODULE...` registers what the named modules define: an explicit
FUNCTIONS mapping when there is one, else every @durable_execution handler under its
attribute name. Nothing registers itself on import."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from perdure._runtime.registry import registry_from_modules


def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, source: str) -> str:
    (tmp_path / f"{name}.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


HANDLERS = textwrap.dedent("""
    from perdure import durable_execution

    @durable_execution
    def order(event, context):
        return "order"

    def helper(event, context):
        return "not durable"

    ship = order  # the same handler under a second name
""")


def test_decorated_handlers_are_registered_under_their_attribute_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = registry_from_modules([module(tmp_path, monkeypatch, "wk_plain", HANDLERS)])
    assert sorted(registry) == ["order", "ship"]


def test_an_explicit_functions_mapping_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = HANDLERS + '\nFUNCTIONS = {"orders-v2": order}\n'
    registry = registry_from_modules([module(tmp_path, monkeypatch, "wk_explicit", source)])
    assert list(registry) == ["orders-v2"]


def test_a_name_defined_twice_with_different_handlers_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = module(tmp_path, monkeypatch, "wk_one", HANDLERS)
    second = module(tmp_path, monkeypatch, "wk_two", HANDLERS)
    with pytest.raises(ValueError, match="'order' is already registered"):
        registry_from_modules([first, second])


def test_modules_without_durable_functions_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = module(tmp_path, monkeypatch, "wk_empty", "x = 1\n")
    with pytest.raises(ValueError, match="No durable functions found in wk_empty"):
        registry_from_modules([empty])
    bad = module(tmp_path, monkeypatch, "wk_bad", HANDLERS + '\nFUNCTIONS = {"a b": order}\n')
    with pytest.raises(ValueError, match="not a valid function name"):
        registry_from_modules([bad])
