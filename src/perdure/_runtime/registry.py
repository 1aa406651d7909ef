"""An explicit registry of durable functions: name → handler. No globals.

`registry_from_modules` builds one from the modules `perdure worker`/`perdure dev` are
given: a module's `FUNCTIONS` (a mapping or a Registry) when it defines one, else every
module attribute that `@durable_execution` made, under its attribute name. Nothing
registers itself at import time.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from perdure._model.durable_config import DurableConfig
from perdure._sdk.execution import durable_config_of, is_durable_handler

Handler = Callable[..., Any]

# Lambda's function-name rule, which the API's paths and the worker protocol enforce.
FUNCTION_NAME_RE = re.compile(r"[a-zA-Z0-9_-]{1,64}")


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


def function_configs(
    functions: Mapping[str, Handler | str], overrides: Mapping[str, DurableConfig] | None = None
) -> dict[str, DurableConfig]:
    """Each function's own config: what `@durable_execution` gave its handler, with the
    values set in `overrides` (a registry's, say) taking precedence."""
    configs: dict[str, DurableConfig] = {}
    for name, target in functions.items():
        own = None if isinstance(target, str) else durable_config_of(target)
        given = (overrides or {}).get(name)
        chosen = given.or_else(own) if given is not None and own is not None else given or own
        if chosen is not None:
            configs[name] = chosen
    return configs


class Registry:
    def __init__(
        self,
        functions: Mapping[str, Handler | str] | None = None,
        configs: Mapping[str, DurableConfig] | None = None,
    ) -> None:
        self._targets: dict[str, Handler | str] = {}
        self._resolved: dict[str, Handler] = {}
        self._configs: dict[str, DurableConfig] = {}
        for name, target in (functions or {}).items():
            self.register(name, target, (configs or {}).get(name))

    def register(
        self, name: str, target: Handler | str, config: DurableConfig | None = None
    ) -> None:
        """Register `target` as function `name`. `config` (AWS's `DurableConfig`:
        execution timeout, retention) overrides the one `@durable_execution` gave the
        handler; values left unset in both fall to the defaults of what serves it."""
        if not name:
            raise ValueError("A function needs a non-empty name")
        self._targets[name] = target
        self._resolved.pop(name, None)
        chosen = function_configs({name: target}, {name: config} if config else None)
        if name in chosen:
            self._configs[name] = chosen[name]
        else:
            self._configs.pop(name, None)

    def config(self, name: str) -> DurableConfig | None:
        """The function's own `DurableConfig`, if it was given one."""
        return self._configs.get(name)

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


def module_configs(module: Any) -> dict[str, DurableConfig]:
    """The configs a module's `FUNCTIONS` registry gave its functions at registration
    (a decorated handler's own config travels with the handler)."""
    explicit = getattr(module, "FUNCTIONS", None)
    if explicit is None:
        explicit = next((v for v in vars(module).values() if isinstance(v, Registry)), None)
    if not isinstance(explicit, Registry):
        return {}
    return {name: c for name in explicit if (c := explicit.config(name)) is not None}


def _module_functions(module: Any) -> list[tuple[str, Handler | str]]:
    explicit = getattr(module, "FUNCTIONS", None)
    if explicit is None:
        explicit = next((v for v in vars(module).values() if isinstance(v, Registry)), None)
    if isinstance(explicit, Registry):
        return [(name, explicit.target(name)) for name in explicit]
    if isinstance(explicit, Mapping):
        return [(str(name), target) for name, target in explicit.items()]
    if explicit is not None:
        raise TypeError(
            f"{module.__name__}.FUNCTIONS must map function names to handlers, "
            f"got {type(explicit).__name__}"
        )
    return [(attr, obj) for attr, obj in vars(module).items() if is_durable_handler(obj)]


def registry_from_modules(modules: Iterable[str]) -> Registry:
    """Import each named module and register its durable functions. Raises ValueError
    when a name is registered twice with different handlers, is not a valid function
    name, or when the modules hold no durable function at all."""
    registry = Registry()
    names = list(modules)
    for module_name in names:
        module = importlib.import_module(module_name)
        configs = module_configs(module)
        for name, target in _module_functions(module):
            if not FUNCTION_NAME_RE.fullmatch(name):
                raise ValueError(
                    f"{module_name}: {name!r} is not a valid function name (1-64 characters "
                    "from a-z, A-Z, 0-9, '-' and '_')"
                )
            if name in registry and registry.target(name) is not target:
                raise ValueError(f"{module_name}: function {name!r} is already registered")
            registry.register(name, target, configs.get(name))
    if not list(registry):
        raise ValueError(
            f"No durable functions found in {', '.join(names) or 'no modules'}: decorate "
            "handlers with @durable_execution or define FUNCTIONS = {name: handler}"
        )
    return registry
