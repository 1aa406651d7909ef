"""Which plugin factories an invocation uses: the explicit `plugins=[...]` list, then the
ones named in `DURABLE_EXECUTION_PLUGINS`, resolved once, when the handler is decorated.

Why at decoration: a misconfigured plugin should stop the function from loading (a
`PluginLoadError` at import time), not silently drop telemetry on every invocation.

Entry-point groups: a name is looked up in Perdure's group `perdure.plugins` first, then in
AWS's `aws_durable_execution.plugins`, so a plugin package published for AWS's SDK works
unchanged; a package can override its AWS registration for Perdure by registering the
same name in `perdure.plugins`. A name registered twice (with different targets) within
the group it resolves from is ambiguous and refused.

A plugin *instance* in `plugins=[...]` is how AWS's SDK 1.x took plugins. It still works,
with a DeprecationWarning, so 1.x code runs: the instance serves every invocation (as it
did there), which is why 3.0 moved to factories: concurrent invocations share its state.
Entry points never had that form and must name factories.

An entry point may name a factory (anything with `create_plugin(info)`), or a factory
class that opts in with `__durable_registration_api__ = 1` and is instantiated with no
arguments. Opt-in metadata read from the factory (or its class): `exclusive_group` — two
factories in one group cannot both be registered — and `on_registration_result(bool)`,
told whether the factory was registered.
"""

from __future__ import annotations

import inspect
import logging
import os
import warnings
from collections.abc import Mapping, Sequence
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from perdure._sdk.plugin_types import DurableInstrumentationPlugin
from perdure.errors import PluginLoadError

__all__ = [
    "PERDURE_PLUGIN_ENTRY_POINT_GROUP",
    "PLUGIN_ENTRY_POINT_GROUP",
    "PLUGIN_ENVIRONMENT_VARIABLE",
    "load_configured_plugins",
    "validate_factory",
]

PERDURE_PLUGIN_ENTRY_POINT_GROUP = "perdure.plugins"
PLUGIN_ENTRY_POINT_GROUP = "aws_durable_execution.plugins"
PLUGIN_ENVIRONMENT_VARIABLE = "DURABLE_EXECUTION_PLUGINS"
_GROUPS = (PERDURE_PLUGIN_ENTRY_POINT_GROUP, PLUGIN_ENTRY_POINT_GROUP)
_REGISTRATION_API = 1

_log = logging.getLogger("perdure.plugins")


def validate_factory(factory: Any, origin: str = "plugins=") -> Any:
    """Return `factory` if it is one; PluginLoadError naming the usual mistakes if not."""
    if isinstance(factory, DurableInstrumentationPlugin):
        raise PluginLoadError(
            f"{origin}: {factory!r} is a plugin instance; pass a factory whose "
            "create_plugin(info) returns a new plugin per invocation"
        )
    if inspect.isclass(factory) and issubclass(factory, DurableInstrumentationPlugin):
        raise PluginLoadError(f"{origin}: {factory!r} is a plugin class, not a plugin factory")
    create = getattr(factory, "create_plugin", None)
    if not callable(create) or not _takes_one_positional(create):
        raise PluginLoadError(
            f"{origin}: {factory!r} is not a plugin factory: expected an object whose "
            "create_plugin(info) takes one positional argument"
        )
    return factory


class SharedPluginInstance:
    """A factory for an AWS 1.x-style plugin instance: the same plugin every invocation."""

    def __init__(self, plugin: DurableInstrumentationPlugin) -> None:
        self.plugin = plugin

    def create_plugin(self, info: Any, /) -> DurableInstrumentationPlugin:
        return self.plugin

    def __repr__(self) -> str:
        return f"SharedPluginInstance({self.plugin!r})"


def _explicit_factory(given: Any) -> Any:
    """An entry of `plugins=[...]` as a factory; an instance is wrapped, with a warning."""
    if not isinstance(given, DurableInstrumentationPlugin):
        return validate_factory(given)
    warnings.warn(
        f"plugins=[{given!r}] passes a plugin instance, as AWS's SDK 1.x did; one instance "
        "then serves every invocation, and concurrent invocations share its state. Pass a "
        "factory instead: an object whose create_plugin(info) returns a new plugin.",
        DeprecationWarning,
        stacklevel=4,  # _explicit_factory < load_configured_plugins < durable_execution < you
    )
    return SharedPluginInstance(given)


def _takes_one_positional(func: Any) -> bool:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return True  # no signature to check (a builtin): trust it
    try:
        signature.bind(None)
    except TypeError:
        return False
    return True


def load_configured_plugins(
    explicit_plugins: Sequence[Any] | None, *, environment: Mapping[str, str] | None = None
) -> tuple[Any, ...]:
    """The factories to use: explicit ones first, then discovered ones (a discovered
    factory that *is* an explicit one is skipped with a warning)."""
    factories: list[Any] = []
    for given in explicit_plugins or ():  # a loop, not a comprehension: the warning's stacklevel
        factories.append(_explicit_factory(given))
    env = os.environ if environment is None else environment
    skipped: list[Any] = []
    for name in _configured_names(env.get(PLUGIN_ENVIRONMENT_VARIABLE)):
        factory = _load_entry_point(name)
        if any(factory is f for f in factories):
            _log.warning("Plugin %r is already registered explicitly; skipped", name)
            skipped.append(factory)
            continue
        factories.append(factory)
    _check_exclusive_groups(factories)
    for factory in factories:
        _tell_registration(factory, True)
    for factory in skipped:
        _tell_registration(factory, False)
    return tuple(factories)


def _configured_names(raw: str | None) -> list[str]:
    if raw is None or not raw.strip():
        return []
    names = [part.strip() for part in raw.split(",")]
    if any(not name for name in names):
        raise PluginLoadError(f"{PLUGIN_ENVIRONMENT_VARIABLE}={raw!r} has an empty plugin name")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise PluginLoadError(f"{PLUGIN_ENVIRONMENT_VARIABLE} names {name!r} twice")
        seen.add(name)
    return names


def _load_entry_point(name: str) -> Any:
    origin = f"{PLUGIN_ENVIRONMENT_VARIABLE} plugin {name!r}"
    for group in _GROUPS:
        found = _distinct(entry_points(group=group).select(name=name))
        if not found:
            continue
        if len(found) > 1:
            targets = ", ".join(sorted(ep.value for ep in found))
            raise PluginLoadError(f"{origin} is ambiguous in group {group!r}: {targets}")
        try:
            loaded = found[0].load()
        except Exception as exc:
            raise PluginLoadError(f"{origin} ({found[0].value}) cannot be imported: {exc}") from exc
        return validate_factory(_instantiate_if_opted_in(loaded, origin), origin)
    raise PluginLoadError(f"{origin} is not registered in entry-point groups {list(_GROUPS)}")


def _distinct(found: Any) -> list[EntryPoint]:
    """Entry points with distinct targets (one distribution seen twice on sys.path is
    the same registration, not an ambiguity)."""
    unique: dict[str, EntryPoint] = {}
    for ep in found:
        unique.setdefault(ep.value, ep)
    return list(unique.values())


def _instantiate_if_opted_in(loaded: Any, origin: str) -> Any:
    """A factory class declaring the registration API is instantiated without arguments;
    anything else must already be a factory."""
    api = getattr(loaded, "__durable_registration_api__", None)
    if inspect.isclass(loaded) and api is not None:
        if api != _REGISTRATION_API:
            raise PluginLoadError(
                f"{origin}: unsupported __durable_registration_api__={api!r} "
                f"(supported: {_REGISTRATION_API})"
            )
        try:
            return loaded()
        except Exception as exc:
            raise PluginLoadError(f"{origin}: {loaded!r}() failed: {exc}") from exc
    return loaded


def _check_exclusive_groups(factories: Sequence[Any]) -> None:
    owners: dict[str, Any] = {}
    for factory in factories:
        group = getattr(factory, "exclusive_group", None)
        if group is None:
            continue
        if group in owners:
            raise PluginLoadError(
                f"Plugin factories {owners[group]!r} and {factory!r} are both in exclusive "
                f"group {group!r}; register only one"
            )
        owners[group] = factory


def _tell_registration(factory: Any, registered: bool) -> None:
    hook = getattr(factory, "on_registration_result", None)
    if not callable(hook):
        return
    try:
        hook(registered)
    except Exception:
        _log.exception("on_registration_result of %r failed; ignored", factory)
