"""Instrumentation plugins (experimental, AWS 3.0 shape): factories, one plugin per
invocation.

AWS 3.0 takes plugin *factories* — objects with a `create_plugin(info)` callable with one
positional argument — because a single plugin instance shared by concurrent executions
lost records. Perdure supports the invocation hooks only: `on_invocation_start(info)` and
`on_invocation_end(info)`. Operation-level hooks, entry-point discovery
(`DURABLE_EXECUTION_PLUGINS`) and trace propagation are not implemented. A hook that
raises is logged and ignored; a plugin can never fail an invocation.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from perdure._model import InvocationInput
from perdure._sdk.state import ExecutionState
from perdure.errors import PluginLoadError

__all__ = [
    "InvocationEndInfo",
    "InvocationStartInfo",
    "PluginRunner",
    "resolve_plugin_factories",
]

_log = logging.getLogger("perdure.plugins")


@dataclass(frozen=True)
class InvocationStartInfo:
    request_id: str
    execution_arn: str
    is_first_invocation: bool
    execution_start_time: int | None = None
    updated_operations: tuple[str, ...] = field(default=(), kw_only=True)


@dataclass(frozen=True)
class InvocationEndInfo:
    request_id: str
    execution_arn: str
    is_first_invocation: bool
    status: str
    execution_result: str | None = field(default=None, kw_only=True)
    error: BaseException | None = field(default=None, kw_only=True)


def resolve_plugin_factories(plugins: Sequence[Any] | None) -> tuple[Any, ...]:
    """Check each factory's shape at decoration time (PluginLoadError if wrong)."""
    factories: list[Any] = []
    for factory in plugins or ():
        create = getattr(factory, "create_plugin", None)
        if not callable(create) or not _takes_one_positional(create):
            raise PluginLoadError(
                f"{factory!r} is not a plugin factory: expected an object whose "
                "create_plugin(info) takes one positional argument"
            )
        factories.append(factory)
    return tuple(factories)


def _takes_one_positional(func: Any) -> bool:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return True
    try:
        signature.bind(None)
    except TypeError:
        return False
    return True


class PluginRunner:
    """The plugins of one invocation and the info they are told about it."""

    def __init__(self, plugins: list[Any], start: InvocationStartInfo | None) -> None:
        self._plugins = plugins
        self._start = start

    @classmethod
    def create(
        cls,
        factories: Sequence[Any],
        state: ExecutionState,
        invocation: InvocationInput,
        request_id: str,
        replaying: bool,
    ) -> PluginRunner:
        if not factories:
            return cls([], None)
        execution = state.execution_operation()
        info = InvocationStartInfo(
            request_id,
            state.durable_execution_arn,
            not replaying,
            execution.start_timestamp if execution is not None else None,
            updated_operations=tuple(invocation.updated_operation_ids),
        )
        plugins = []
        for factory in factories:
            try:
                plugin = factory.create_plugin(info)
            except Exception:
                _log.exception("Plugin factory %r failed; plugin skipped", factory)
                continue
            if plugin is not None:
                plugins.append(plugin)
        return cls(plugins, info)

    def invocation_started(self) -> None:
        if self._start is not None:
            self._call("on_invocation_start", self._start)

    def invocation_ended(
        self, output: Mapping[str, Any] | None, error: BaseException | None
    ) -> None:
        if self._start is None:
            return
        start = self._start
        status = "RETRY" if output is None else str(output.get("Status"))
        result = output.get("Result") if output is not None else None
        info = InvocationEndInfo(
            start.request_id,
            start.execution_arn,
            start.is_first_invocation,
            status,
            execution_result=result,
            error=error,
        )
        self._call("on_invocation_end", info)

    def _call(self, hook: str, info: object) -> None:
        for plugin in self._plugins:
            method = getattr(plugin, hook, None)
            if method is None:
                continue
            try:
                method(info)
            except Exception:
                _log.exception("Plugin hook %s of %r failed; ignored", hook, plugin)
