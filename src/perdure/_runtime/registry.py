"""An explicit registry of durable functions: name → handler. No globals."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

Handler = Callable[..., Any]


def load_target(target: str) -> Handler:
    """Import `package.module:attribute`."""
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"Expected 'module:attribute', got {target!r}")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f"{target} is not callable")
    return obj  # type: ignore[no-any-return]


class Registry:
    def __init__(self, functions: Mapping[str, Handler | str] | None = None) -> None:
        self._targets: dict[str, Handler | str] = {}
        self._resolved: dict[str, Handler] = {}
        for name, target in (functions or {}).items():
            self.register(name, target)

    def register(self, name: str, target: Handler | str) -> None:
        if not name:
            raise ValueError("A function needs a non-empty name")
        self._targets[name] = target
        self._resolved.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._targets

    def __iter__(self) -> Iterator[str]:
        return iter(self._targets)

    def target(self, name: str) -> Handler | str:
        return self._targets[name]

    def resolve(self, name: str) -> Handler:
        target = self._targets[name]
        if not isinstance(target, str):
            return target
        if name not in self._resolved:
            self._resolved[name] = load_target(target)
        return self._resolved[name]
