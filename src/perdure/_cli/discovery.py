"""Finding the durable functions in the files and modules named on the command line.

A module's functions are what `perdure worker` would find in it (the runtime registry's
rule: its `FUNCTIONS` mapping if it has one, else every `@durable_execution` handler
under its attribute name, so `process_order` in `examples/order/order_workflow.py` is the
function `process_order`). `target:attribute` picks one handler. A file's directory and
the current directory go on `sys.path`, as `python file.py` and `python -m` would do,
so a workflow file can import its neighbours.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from perdure._cli.errors import CliError, UsageError
from perdure._model.durable_config import DurableConfig
from perdure._runtime.registry import FUNCTION_NAME_RE, _module_functions, module_configs
from perdure._sdk.execution import is_durable_handler

Handler = Callable[..., Any]

# `perdure dev` tells "your code does not import" (wait for a fix) from other failures.
USER_CODE_ERROR = 10


class UserCodeError(CliError):
    """Importing the user's module raised; the message carries their traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(message, USER_CODE_ERROR)


@dataclass
class Loaded:
    functions: dict[str, Handler | str] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)  # function name -> target
    # Configs a module's FUNCTIONS registry gave; a handler's own travels with it.
    configs: dict[str, DurableConfig] = field(default_factory=dict)


def is_file_target(target: str) -> bool:
    return target.endswith(".py") or os.sep in target or "/" in target


def _ensure_on_path(folder: Path) -> None:
    text = str(folder)
    if text not in sys.path:
        sys.path.insert(0, text)


def _import_file(target: str) -> ModuleType:
    path = Path(target)
    if not path.is_file():
        raise UsageError(f"no such file: {target}")
    path = path.resolve()
    _ensure_on_path(path.parent)
    name = path.stem
    existing = sys.modules.get(name)
    if existing is not None and Path(getattr(existing, "__file__", "") or "").resolve() != path:
        raise UsageError(
            f"cannot import {target} as module {name!r}: a module of that name is already "
            f"loaded from {getattr(existing, '__file__', 'built-in')}; rename the file"
        )
    return _import(name, target)


def _import(name: str, target: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name or name.startswith(f"{exc.name}."):
            raise UsageError(
                f"no module named {name!r} (from {target}); run from the project folder or "
                "give the file's path"
            ) from None
        raise UserCodeError(_user_traceback(target, exc)) from None
    except Exception as exc:  # the user's module raised while importing
        raise UserCodeError(_user_traceback(target, exc)) from None


def _user_traceback(target: str, exc: BaseException) -> str:
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if "importlib" not in f.filename and "/perdure/_cli/" not in f.filename
    ]
    lines = traceback.format_list(frames) + traceback.format_exception_only(exc)
    return f"importing {target} failed:\n" + "".join(lines).rstrip()


def _register(loaded: Loaded, name: str, handler: Handler | str, target: str) -> None:
    if not FUNCTION_NAME_RE.fullmatch(name):
        raise UsageError(
            f"{target}: {name!r} is not a valid function name (1-64 characters from "
            "a-z, A-Z, 0-9, '-' and '_')"
        )
    if name in loaded.functions and loaded.functions[name] is not handler:
        raise UsageError(
            f"two durable functions are named {name!r} ({loaded.origins[name]} and {target}); "
            "rename one"
        )
    loaded.functions[name] = handler
    loaded.origins[name] = target


def load(targets: Sequence[str]) -> Loaded:
    """Import every target and collect its durable handlers."""
    _ensure_on_path(Path.cwd())
    loaded = Loaded()
    for target in targets:
        spec, _, attr = target.rpartition(":") if ":" in target else (target, "", "")
        if is_file_target(spec):
            module = _import_file(spec)
        else:
            module = _import(spec, target)
        if attr:
            obj = getattr(module, attr, None)
            if obj is None or not is_durable_handler(obj):
                raise UsageError(f"{target} is not a @durable_execution function")
            _register(loaded, attr, obj, target)
            continue
        try:
            found = _module_functions(module)
        except TypeError as exc:
            raise UsageError(f"{target}: {exc}") from None
        if not found:
            raise UsageError(
                f"no durable functions in {target}: decorate handlers with "
                "@durable_execution or define FUNCTIONS = {name: handler}"
            )
        configs = module_configs(module)
        for name, obj in found:
            _register(loaded, name, obj, target)
            if name in configs:
                loaded.configs[name] = configs[name]
    return loaded


def watch_paths(targets: Iterable[str]) -> list[Path]:
    """The Python files whose changes should reload `perdure dev`: each file target's
    folder (its neighbours are usually its helpers) or each module's file or package.
    Found without importing anything, so the supervising process runs no user code."""
    paths: set[Path] = set()
    for target in targets:
        spec_text = target.rpartition(":")[0] if ":" in target else target
        if is_file_target(spec_text):
            folder = Path(spec_text).resolve().parent
            paths.update(folder.glob("*.py"))
            continue
        try:
            cwd = str(Path.cwd())
            if cwd not in sys.path:
                sys.path.insert(0, cwd)
            spec = importlib.util.find_spec(spec_text)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.origin or spec.origin in ("built-in", "frozen"):
            continue
        origin = Path(spec.origin)
        if spec.submodule_search_locations:
            paths.update(origin.parent.rglob("*.py"))
        else:
            paths.add(origin)
    return sorted(paths)


def module_names(targets: Iterable[str]) -> list[str]:
    """Importable module names for `targets`, putting each file's folder on `sys.path`
    (for runtimes that take module names, such as `perdure worker`)."""
    _ensure_on_path(Path.cwd())
    names: list[str] = []
    for target in targets:
        if ":" in target:
            raise UsageError(f"{target}: name a whole module or file here, without ':function'")
        if is_file_target(target):
            path = Path(target)
            if not path.is_file():
                raise UsageError(f"no such file: {target}")
            _ensure_on_path(path.resolve().parent)
            names.append(path.stem)
        else:
            names.append(target)
    return names
