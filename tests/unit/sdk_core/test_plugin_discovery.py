"""Plugin factories: the shapes refused at decoration, AWS 1.x plugin instances (accepted
with a DeprecationWarning), and discovery through
`DURABLE_EXECUTION_PLUGINS` and entry points (faked here: no distribution is installed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from perdure import DurableContext, Duration, durable_execution
from perdure._model import OperationType
from perdure._sdk import plugin_discovery
from perdure.errors import PluginLoadError
from perdure.plugin import DurableInstrumentationPlugin, InvocationStartInfo
from perdure.plugin import OperationType as PluginOperationType
from perdure.plugin_discovery import PLUGIN_ENVIRONMENT_VARIABLE, load_configured_plugins
from tests.unit.sdk_core._recording import RecordingService


class RecorderFactory:
    def create_plugin(self, info: InvocationStartInfo, /) -> DurableInstrumentationPlugin:
        return DurableInstrumentationPlugin()


class ClassFactory:
    @classmethod
    def create_plugin(cls, info: InvocationStartInfo, /) -> DurableInstrumentationPlugin:
        return DurableInstrumentationPlugin()


class UnboundFactory:
    def create_plugin(self, info: InvocationStartInfo) -> DurableInstrumentationPlugin:
        return DurableInstrumentationPlugin()


@pytest.mark.parametrize(
    "bad",
    [DurableInstrumentationPlugin, lambda info: None, UnboundFactory],
    ids=["plugin-class", "lambda", "factory-class"],
)
def test_wrong_shapes_fail_at_decoration(bad: Any) -> None:
    with pytest.raises(PluginLoadError):
        durable_execution(lambda e, c: None, plugins=[bad])


class CountingPlugin(DurableInstrumentationPlugin):
    def __init__(self) -> None:
        self.starts: list[bool] = []

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        self.starts.append(info.is_first_invocation)


def test_a_plugin_instance_as_in_aws_1x_serves_every_invocation_with_a_deprecation_warning() -> (
    None
):
    plugin = CountingPlugin()
    with pytest.deprecated_call(match="plugin instance") as caught:

        @durable_execution(plugins=[plugin])
        def handler(event: Any, ctx: DurableContext) -> Any:
            ctx.wait(Duration(1), name="pause")
            return "done"

    assert caught[0].filename == __file__  # the warning points at the decoration
    svc = RecordingService()
    assert svc.run(handler) == {"Status": "PENDING"}
    svc.fire_timers()
    assert svc.run(handler) == {"Status": "SUCCEEDED", "Result": '"done"'}
    assert plugin.starts == [True, False]


def test_an_entry_point_naming_a_plugin_instance_is_refused(registry: Any) -> None:
    entry = FakeEntryPoint("old", "m:PLUGIN", DurableInstrumentationPlugin())
    registry[plugin_discovery.PLUGIN_ENTRY_POINT_GROUP].append(entry)
    with pytest.raises(PluginLoadError, match="plugin instance"):
        load_configured_plugins(None, environment=_env("old"))


def test_a_classmethod_factory_is_accepted() -> None:
    assert load_configured_plugins([ClassFactory], environment={}) == (ClassFactory,)


class FakeEntryPoint:
    def __init__(self, name: str, value: str, target: Any, error: Exception | None = None) -> None:
        self.name, self.value, self._target, self._error = name, value, target, error

    def load(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._target


class FakeEntryPoints(list[FakeEntryPoint]):
    def select(self, name: str) -> list[FakeEntryPoint]:
        return [ep for ep in self if ep.name == name]


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[FakeEntryPoint]]]:
    groups: dict[str, list[FakeEntryPoint]] = {
        plugin_discovery.PERDURE_PLUGIN_ENTRY_POINT_GROUP: [],
        plugin_discovery.PLUGIN_ENTRY_POINT_GROUP: [],
    }
    monkeypatch.setattr(
        plugin_discovery, "entry_points", lambda group: FakeEntryPoints(groups[group])
    )
    yield groups


def _env(names: str) -> dict[str, str]:
    return {PLUGIN_ENVIRONMENT_VARIABLE: names}


def test_discovery_resolves_names_after_explicit_factories(registry: Any) -> None:
    explicit, aws, ours = RecorderFactory(), RecorderFactory(), RecorderFactory()
    registry[plugin_discovery.PLUGIN_ENTRY_POINT_GROUP].append(FakeEntryPoint("a", "m:a", aws))
    registry[plugin_discovery.PLUGIN_ENTRY_POINT_GROUP].append(FakeEntryPoint("b", "m:b", aws))
    registry[plugin_discovery.PERDURE_PLUGIN_ENTRY_POINT_GROUP].append(
        FakeEntryPoint("b", "p:b", ours)
    )
    assert load_configured_plugins([explicit], environment=_env("a, b")) == (explicit, aws, ours)
    assert load_configured_plugins(None, environment=_env("  ")) == ()


def test_discovered_duplicate_of_an_explicit_factory_is_skipped(registry: Any) -> None:
    factory = RecorderFactory()
    told: list[bool] = []
    factory.on_registration_result = told.append  # type: ignore[attr-defined]
    registry[plugin_discovery.PLUGIN_ENTRY_POINT_GROUP].append(FakeEntryPoint("a", "m:a", factory))
    assert load_configured_plugins([factory], environment=_env("a")) == (factory,)
    assert told == [True, False]


@pytest.mark.parametrize(
    ("names", "entries"),
    [
        ("missing", []),
        ("a,,b", []),
        ("a,a", [("a", "m:a", ClassFactory, None)]),
        ("a", [("a", "m:a", ClassFactory, None), ("a", "n:a", ClassFactory, None)]),
        ("a", [("a", "m:a", None, ImportError("no module m"))]),
        ("a", [("a", "m:a", DurableInstrumentationPlugin, None)]),
        ("a", [("a", "m:a", 42, None)]),
    ],
    ids=["missing", "blank", "duplicate", "ambiguous", "unimportable", "plugin-class", "shape"],
)
def test_discovery_errors(registry: Any, names: str, entries: list[tuple[Any, ...]]) -> None:
    for name, value, target, error in entries:
        registry[plugin_discovery.PLUGIN_ENTRY_POINT_GROUP].append(
            FakeEntryPoint(name, value, target, error)
        )
    with pytest.raises(PluginLoadError):
        load_configured_plugins(None, environment=_env(names))


class OptedIn:
    __durable_registration_api__ = 1
    exclusive_group = "otel"

    def create_plugin(self, info: InvocationStartInfo, /) -> DurableInstrumentationPlugin:
        return DurableInstrumentationPlugin()


class OtherOtel(OptedIn):
    pass


def test_opted_in_factory_classes_are_built_and_exclusive_groups_enforced(registry: Any) -> None:
    group = registry[plugin_discovery.PLUGIN_ENTRY_POINT_GROUP]
    group.append(FakeEntryPoint("otel", "m:OptedIn", OptedIn))
    group.append(FakeEntryPoint("otel2", "m:OtherOtel", OtherOtel))
    (factory,) = load_configured_plugins(None, environment=_env("otel"))
    assert isinstance(factory, OptedIn)
    with pytest.raises(PluginLoadError, match="exclusive group"):
        load_configured_plugins(None, environment=_env("otel,otel2"))


def test_plugin_enums_are_the_plugins_own_plain_enums_with_the_wire_values() -> None:
    assert PluginOperationType.STEP.value == "STEP"
    step: object = PluginOperationType.STEP  # compared as any value at run time
    assert step != "STEP"  # a plain Enum, as AWS's
    assert step is not OperationType.STEP
