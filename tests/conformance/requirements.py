"""Finding and reading AWS's conformance requirement files.

The files are Apache-2.0 material that lives beside the repository (``../shared/conformance``)
or wherever ``$PERDURE_CONFORMANCE_DIR`` points; they are never copied into the repo. The
nine core suites and the ``plugin`` suite (instrumentation hooks, judged by logged records)
are in scope; the OTel extension suites are not.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ENV_VAR = "PERDURE_CONFORMANCE_DIR"

# Folder name -> the requirement-id prefix it holds (folder order = report order).
SUITES: dict[str, int] = {
    "step": 1,
    "wait": 2,
    "child": 3,
    "callback": 4,
    "invoke": 5,
    "wait_for_condition": 6,
    "wait_for_callback": 7,
    "parallel": 8,
    "map": 9,
    "plugin": 10,
}

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO_ROOT.parent / "shared" / "conformance"


def requirements_dir() -> Path | None:
    """The requirements directory, or None when it is not available on this machine.

    An explicit ``$PERDURE_CONFORMANCE_DIR`` wins; it is not silently replaced by the default
    when it points nowhere, because that would test against files the caller did not choose.
    """
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        path = Path(explicit).expanduser()
        return path if path.is_dir() else None
    return DEFAULT_DIR if DEFAULT_DIR.is_dir() else None


def missing_reason() -> str:
    """Why `requirements_dir()` returned None, phrased for a skip or failure message."""
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return f"${ENV_VAR}={explicit!r} is not a directory"
    return (
        f"conformance requirements not found: set ${ENV_VAR} or provide {DEFAULT_DIR} "
        "(AWS's requirement YAMLs are read from outside the repository)"
    )


def sort_key(requirement_id: str) -> tuple[int, ...]:
    """Natural order for ids such as ``1-2`` < ``1-11``."""
    return tuple(int(part) for part in requirement_id.split("-"))


def discover(root: Path) -> dict[str, Path]:
    """Every requirement id in the suite folders, in natural id order."""
    found: dict[str, Path] = {}
    for suite in SUITES:
        folder = root / suite
        if not folder.is_dir():
            continue
        for path in folder.glob("*.yaml"):
            found[path.stem] = path
    return {rid: found[rid] for rid in sorted(found, key=sort_key)}


@dataclass(frozen=True)
class Requirement:
    """One requirement file, with the keys the runner acts on pulled out."""

    id: str
    suite: str
    path: Path
    description: str
    variables: Mapping[str, Any]
    input: Any
    async_invoke: bool
    expected_result: Mapping[str, Any] | None
    expected_history: Sequence[Mapping[str, Any]]
    callback_actions: Sequence[Mapping[str, Any]]
    expected_logs: Sequence[Mapping[str, Any]]
    optional: bool
    raw: Mapping[str, Any] = field(repr=False)

    @property
    def history_only(self) -> bool:
        """Async with no ExpectedResult: stop as soon as the expected history has appeared."""
        return self.async_invoke and self.expected_result is None


def load(path: Path) -> Requirement:
    """Parse one requirement YAML."""
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: not a YAML mapping")
    return Requirement(
        id=path.stem,
        suite=path.parent.name,
        path=path,
        description=str(raw.get("description") or ""),
        variables=raw.get("Variables") or {},
        input=raw.get("Input"),
        async_invoke=bool(raw.get("AsyncInvoke", False)),
        expected_result=raw.get("ExpectedResult"),
        expected_history=raw.get("ExpectedExecutionHistory") or [],
        callback_actions=raw.get("CallbackActions") or [],
        expected_logs=raw.get("ExpectedLogs") or [],
        optional=bool(raw.get("optional", False)),
        raw=raw,
    )


def load_id(requirement_id: str, root: Path | None = None) -> Requirement:
    """Load a requirement by id from `root` (default: `requirements_dir()`)."""
    base = root or requirements_dir()
    if base is None:
        raise FileNotFoundError(missing_reason())
    paths = discover(base)
    if requirement_id not in paths:
        raise KeyError(f"no requirement {requirement_id!r} under {base}")
    return load(paths[requirement_id])
