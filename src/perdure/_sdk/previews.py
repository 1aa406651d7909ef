"""Compact previews of values stored elsewhere (AWS's `preview` module, 3.0 semantics).

A serdes that keeps a value outside the checkpoint (a file, an object store) can put a
small preview of it inline, so the console, the API and the dashboard show the fields
that matter without fetching the value. The preview of a dict is a dict of the same
shape holding only the visible leaf fields: fields are visible in INCLUDE_ALL mode or
when included, an exclusion always hides, and a masked field shows `mask_string` instead
of its value. Lists are flattened into their parent path. Leaves are added in traversal
order until the JSON would pass `max_preview_bytes`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["FieldMatchMode", "PreviewConfig", "PreviewField", "PreviewMode", "build_preview"]


class PreviewMode(StrEnum):
    """Whether fields start visible (INCLUDE_ALL) or hidden (EXCLUDE_ALL)."""

    INCLUDE_ALL = "INCLUDE_ALL"
    EXCLUDE_ALL = "EXCLUDE_ALL"


class FieldMatchMode(StrEnum):
    """ANYWHERE matches a field name at any depth; PATH a dotted path from the root."""

    ANYWHERE = "ANYWHERE"
    PATH = "PATH"


@dataclass(frozen=True)
class PreviewField:
    """A field by name (ANYWHERE) or dotted path (PATH); names with dots cannot be named."""

    name: str
    match: FieldMatchMode = FieldMatchMode.ANYWHERE

    def matches(self, path: str) -> bool:
        if self.match is FieldMatchMode.PATH:
            return path == self.name
        return self.name in path.split(".")


@dataclass(frozen=True)
class PreviewConfig:
    mode: PreviewMode
    include: list[PreviewField] = field(default_factory=list)
    exclude: list[PreviewField] = field(default_factory=list)
    mask: list[PreviewField] = field(default_factory=list)
    mask_string: str = "***"
    max_preview_bytes: int = 4096


def _any(fields: list[PreviewField], path: str) -> bool:
    return any(f.matches(path) for f in fields)


def _leaves(node: Any, prefix: str, config: PreviewConfig) -> Iterator[tuple[str, Any]]:
    """(dotted path, shown value) of every visible leaf, in traversal order."""
    if isinstance(node, list):
        for item in node:
            yield from _leaves(item, prefix, config)
        return
    if not isinstance(node, dict):
        return
    for key, child in node.items():
        if "." in str(key):  # a dotted key cannot be told from a path
            continue
        path = f"{prefix}.{key}" if prefix else str(key)
        if _any(config.exclude, path):
            continue  # hidden with everything under it
        masked = _any(config.mask, path)
        shown = masked or config.mode is PreviewMode.INCLUDE_ALL or _any(config.include, path)
        if masked:
            yield path, config.mask_string
        elif shown and not isinstance(child, dict | list):
            yield path, child
        else:  # a container, or hidden itself: its fields may still be shown
            yield from _leaves(child, path, config)


def build_preview(value: Any, config: PreviewConfig) -> dict[str, Any] | None:
    """The preview of `value` (a dict) under `config`; None when nothing is shown."""
    if not isinstance(value, dict):
        return None
    size = len(b"{}")
    preview: dict[str, Any] = {}
    for path, shown in _leaves(value, "", config):
        size += len(f'"{path}":{json.dumps(shown)},'.encode())
        if size > config.max_preview_bytes:
            break
        node = preview
        *parents, last = path.split(".")
        for part in parents:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[last] = shown
    return preview or None
