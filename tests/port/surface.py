"""Describe a Python package's public surface as flat facts, so two packages that promise the
same API (AWS's SDK and Perdure's port of it) can be compared name for name.

A fact is a path relative to the package (``config.StepConfig.__init__``) and a text that
says what is there (``(self, retry_strategy=None, ...)``). Texts never mention either
package's own module paths, so equal texts mean the caller sees the same thing.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import functools
import importlib
import inspect
import logging
import re
import types
import typing
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

MISSING = "<missing>"

_ADDRESS = re.compile(r" at 0x[0-9a-f]+")
_ENUM_BASES = (enum.StrEnum, enum.IntFlag, enum.IntEnum, enum.Flag, enum.Enum)


def _is_typing_name(value: object) -> bool:
    """TypeVars, ParamSpecs, type aliases and module loggers are typing or plumbing, not API."""
    if isinstance(value, type) or inspect.isfunction(value):
        return False
    return (
        isinstance(
            value,
            typing.TypeVar
            | typing.ParamSpec
            | types.UnionType
            | types.GenericAlias
            | logging.Logger,
        )
        or type(value).__module__ == "typing"
    )


def top_level_names(module: types.ModuleType, package: str) -> list[str]:
    """The public names a module offers: its ``__all__``, or else the names its own source
    binds at top level (definitions, assignments, and imports from the same package)."""
    declared = getattr(module, "__all__", None)
    if declared is not None:
        return list(declared)
    source = Path(inspect.getfile(module)).read_text()
    with warnings.catch_warnings():
        # A warning turned error mid-parse (an object of another test collected by the
        # garbage collector, say) would surface as a SystemError from the compiler.
        warnings.simplefilter("default")
        tree = ast.parse(source)
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(package):
            names += [alias.asname or alias.name for alias in node.names]
    public = [n for n in dict.fromkeys(names) if not n.startswith("_")]
    return [n for n in public if hasattr(module, n) and not _is_typing_name(getattr(module, n))]


class Describer:
    """Turns objects of one package into neutral fact texts."""

    def __init__(self, package: str) -> None:
        self.package = package
        self._module_path = re.compile(rf"\b{re.escape(package)}(\.\w+)*\.")

    def owns(self, obj: object) -> bool:
        module = getattr(obj, "__module__", None) or ""
        return module == self.package or module.startswith(self.package + ".")

    def neutral(self, text: str) -> str:
        return self._module_path.sub("", _ADDRESS.sub("", text))

    def value(self, value: object) -> str:
        if isinstance(value, enum.Enum):
            return f"{type(value).__name__}.{value.name}"
        if isinstance(value, type):
            return self.class_name(value)
        if callable(value) and hasattr(value, "__qualname__"):
            return f"<callable {value.__qualname__}>"
        return self.neutral(repr(value))

    def class_name(self, cls: type) -> str:
        if self.owns(cls):
            return cls.__qualname__
        module = cls.__module__
        return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"

    def signature(self, func: Callable[..., Any]) -> str:
        try:
            sig = inspect.signature(func)
        except (TypeError, ValueError):
            return "<no signature>"
        parts: list[str] = []
        star_seen = False
        for param in sig.parameters.values():
            kind = param.kind
            if kind is inspect.Parameter.KEYWORD_ONLY and not star_seen:
                parts.append("*")
            if kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.KEYWORD_ONLY):
                star_seen = True
            if kind is inspect.Parameter.VAR_POSITIONAL:
                text = f"*{param.name}"
            elif kind is inspect.Parameter.VAR_KEYWORD:
                text = f"**{param.name}"
            else:
                text = param.name
            if param.default is not inspect.Parameter.empty:
                text += "=" + self.value(param.default)
            parts.append(text)
            if kind is inspect.Parameter.POSITIONAL_ONLY and (
                len(parts) == len(sig.parameters)
                or list(sig.parameters.values())[len(parts)].kind
                is not inspect.Parameter.POSITIONAL_ONLY
            ):
                parts.append("/")
        return "(" + ", ".join(parts) + ")"

    def kind(self, obj: object) -> str:
        if isinstance(obj, type):
            if issubclass(obj, enum.Enum):
                base = next(b for b in _ENUM_BASES if issubclass(obj, b))
                return f"enum({base.__name__})"
            if issubclass(obj, BaseException):
                return "exception"
            if typing.is_typeddict(obj):
                return "TypedDict"
            if getattr(obj, "_is_protocol", False):
                return "protocol"
            if dataclasses.is_dataclass(obj):
                params = obj.__dataclass_params__  # type: ignore[attr-defined]
                return f"dataclass(frozen={params.frozen})"
            return "class"
        if inspect.isfunction(obj) or inspect.isbuiltin(obj):
            return "function"
        if isinstance(obj, str | int | float | bool | bytes | frozenset | tuple):
            return f"constant {obj!r}"
        return f"instance of {self.class_name(type(obj))}"

    def describe(self, path: str, obj: object) -> dict[str, str]:
        facts = {path: self.kind(obj)}
        if inspect.isfunction(obj):
            facts[f"{path}()"] = self.signature(obj)
        elif isinstance(obj, type):
            facts.update(self._describe_class(path, obj))
        return facts

    def _own_classes(self, cls: type) -> list[type]:
        return [k for k in cls.__mro__ if self.owns(k)]

    def _describe_class(self, path: str, cls: type) -> dict[str, str]:
        facts: dict[str, str] = {}
        bases = [self.class_name(k) for k in cls.__mro__[1:] if k is not object]
        facts[f"{path}.__mro__"] = " > ".join(bases) or "-"
        if issubclass(cls, enum.Enum):
            for member in cls:
                facts[f"{path}.{member.name}"] = f"member {member.value!r}"
            return facts
        if typing.is_typeddict(cls):
            facts[f"{path}.__keys__"] = ", ".join(sorted(cls.__annotations__))
            return facts
        if not getattr(cls, "_is_protocol", False):
            facts[f"{path}.__init__"] = self.signature(cls)
        fields = (
            {f.name: f for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else {}
        )
        for name, field in fields.items():
            facts[f"{path}.{name}"] = self._field(field)
        for name, text in self._members(cls).items():
            if name not in fields:
                facts[f"{path}.{name}"] = text
        return facts

    def _field(self, field: dataclasses.Field[Any]) -> str:
        text = "field"
        if field.default is not dataclasses.MISSING:
            text += " default=" + self.value(field.default)
        elif field.default_factory is not dataclasses.MISSING:
            text += " default_factory() = " + self.value(field.default_factory())
        if field.kw_only is True:
            text += " kw_only"
        if not field.init:
            text += " init=False"
        return text

    def _members(self, cls: type) -> dict[str, str]:
        members: dict[str, str] = {}
        own = self._own_classes(cls)
        for klass in reversed(own):
            for name in getattr(klass, "__annotations__", {}):
                if not name.startswith("_"):
                    members[name] = "attribute"
            for name, raw in vars(klass).items():
                if name.startswith("_") or name in ("args", "with_traceback"):
                    continue
                members[name] = self._member(cls, name, raw)
        return members

    def _member(self, cls: type, name: str, raw: object) -> str:
        if isinstance(raw, property | functools.cached_property):
            return "property"
        if isinstance(raw, classmethod):
            return "classmethod " + self.signature(getattr(cls, name))
        if isinstance(raw, staticmethod):
            return "staticmethod " + self.signature(getattr(cls, name))
        if inspect.isfunction(raw):
            return "method " + self.signature(raw)
        if isinstance(raw, type):
            return "nested " + self.kind(raw)
        return "attribute = " + self.value(raw)


def compare(
    reference_package: str,
    port_package: str,
    modules: Iterable[str],
    skip_home: Callable[[str], bool],
) -> tuple[dict[str, tuple[str, str]], set[str]]:
    """Facts of every public name of ``modules`` in both packages, and the paths where they
    differ: ``{path: (reference text, port text)}``. Names whose home module (in the
    reference) satisfies ``skip_home`` are machinery, not surface, and are left out. A name
    re-exported from another module must be the same object in the port too."""
    reference = Describer(reference_package)
    port = Describer(port_package)
    modules = list(modules)
    differences: dict[str, tuple[str, str]] = {}
    paths: set[str] = set()

    def record(path: str, ours: str, theirs: str) -> None:
        paths.add(path)
        if ours != theirs:
            differences[path] = (ours, theirs)

    # Every public (path, object) first, so a re-exported object is described once, at
    # its home, and everywhere else is checked to be that same object.
    found: list[tuple[str, object]] = []
    for relative in modules:
        ref_module = importlib.import_module(_join(reference_package, relative))
        record(relative or "<package>", "module", _module_kind(port_package, relative))
        for name in top_level_names(ref_module, reference_package):
            obj = getattr(ref_module, name)
            home = _home(obj)
            if home is not None and skip_home(home.removeprefix(reference_package + ".")):
                continue
            found.append((f"{relative}.{name}" if relative else name, obj))
    all_paths = {path for path, _ in found}
    canonical: dict[int, str] = {}
    for path, obj in found:
        if not _is_immutable_constant(obj):
            home_path = _home_path(obj, reference_package, modules)
            preferred = home_path if home_path in all_paths else path
            canonical.setdefault(id(obj), preferred)

    for path, obj in found:
        port_obj = _resolve(port_package, path)
        home_path = canonical.get(id(obj), path)
        if home_path != path:
            expected = _resolve(port_package, home_path)
            if expected is MISSING:
                continue  # reported once, at its home
            same = port_obj is expected
            text = f"the object at {home_path}"
            record(f"{path} is", text, text if same else "another object")
            continue
        ours = reference.describe(path, obj)
        theirs = port.describe(path, port_obj) if port_obj is not MISSING else {}
        for key, text in ours.items():
            record(key, text, theirs.get(key, MISSING))
    return differences, paths


def _module_kind(package: str, relative: str) -> str:
    try:
        importlib.import_module(_join(package, relative))
    except ModuleNotFoundError:
        return MISSING
    return "module"


def _is_immutable_constant(obj: object) -> bool:
    return isinstance(obj, str | int | float | bool | bytes)


def _home(obj: object) -> str | None:
    return getattr(obj, "__module__", None) if isinstance(obj, type) or callable(obj) else None


def _home_path(obj: object, package: str, modules: list[str]) -> str | None:
    """Where a re-exported object officially lives: its defining module, if that is public."""
    home = _home(obj)
    name = getattr(obj, "__name__", None)
    if home and name and home.startswith(package + "."):
        relative = home.removeprefix(package + ".")
        if relative in modules:
            return f"{relative}.{name}"
    return None


def _resolve(package: str, path: str) -> object:
    module, _, name = path.rpartition(".") if "." in path else ("", "", path)
    try:
        return getattr(importlib.import_module(_join(package, module)), name, MISSING)
    except ModuleNotFoundError:
        return MISSING


def _join(package: str, relative: str) -> str:
    return f"{package}.{relative}" if relative else package


def expand(keys: Iterable[str]) -> dict[str, str]:
    """``a.{B,C}`` stands for ``a.B`` and ``a.C``; returns each path with the key it came from."""
    paths: dict[str, str] = {}
    for key in keys:
        head, brace, rest = key.partition("{")
        if not brace:
            paths[key] = key
            continue
        names, _, tail = rest.partition("}")
        for name in names.split(","):
            paths[head + name.strip() + tail] = key
    return paths


def covering(path: str, allowed: Iterable[str]) -> str | None:
    """The allow-list path that covers ``path``: itself or anything under it
    (``serdes.TypeTag`` covers ``serdes.TypeTag.__mro__`` and ``serdes.TypeTag is``)."""
    for key in allowed:
        if path == key or path.startswith((key + ".", key + " ", key + "(")):
            return key
    return None


def report(differences: Mapping[str, tuple[str, str]], reference: str, port: str) -> str:
    lines = []
    for path, (ours, theirs) in sorted(differences.items()):
        lines.append(f"{path}\n    {reference}: {ours}\n    {port}: {theirs}")
    return "\n".join(lines)
