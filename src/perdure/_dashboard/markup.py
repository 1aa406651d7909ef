"""HTML built from values, escaped by construction.

Pages are trees of `el(...)` calls. A child or attribute value that is a plain `str` is
always escaped (quotes too, so it cannot leave an attribute); only `Html`, which this
module's builders make, passes through as markup. There is no way to splice a string
into a page unescaped except by wrapping it in `Html` by hand, which only this module
and literal markup in the page modules do. So a payload, a name or an error message,
which are user data, can never become markup, whatever it holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import cast

# Elements that have no content and no end tag.
_VOID = frozenset({"br", "hr", "img", "input", "link", "meta", "col", "wbr"})

# Attribute names are ours, never data; a name outside this shape is a bug here.
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:")


class Html(str):
    """Text that is already markup. Made by `el`, `join` and `raw`, never from data."""

    __slots__ = ()


AttrValue = str | int | float | bool | None


def text(value: object) -> Html:
    """`value` as text: every character that means something in HTML is escaped."""
    if isinstance(value, Html):
        return value
    return Html(escape(str(value), quote=True))


def raw(markup: str) -> Html:
    """Literal markup written in this package's source (never data)."""
    return Html(markup)


def _flatten(children: Iterable[object], out: list[str]) -> None:
    for child in children:
        if child is None or child is False:
            continue
        if type(child) is Html:
            out.append(child)
        elif isinstance(child, str):
            out.append(escape(child, quote=True))
        elif isinstance(child, (int, float)):
            out.append(escape(str(child)))
        else:
            _flatten(cast(Iterable[object], child), out)


def join(*children: object) -> Html:
    """Several children as one piece of markup (strings escaped)."""
    out: list[str] = []
    _flatten(children, out)
    return Html("".join(out))


_attribute_names: dict[str, str] = {}


def _attribute_name(name: str) -> str:
    """`class_` -> `class`, `data_live` -> `data-live`; checked once per name."""
    known = _attribute_names.get(name)
    if known is None:
        known = name.rstrip("_").replace("_", "-")
        if not known or not set(known) <= _NAME_CHARS:
            raise ValueError(f"not an attribute name: {name!r}")
        _attribute_names[name] = known
    return known


def attrs(values: Mapping[str, AttrValue]) -> str:
    parts: list[str] = []
    for name, value in values.items():
        checked = _attribute_name(name)
        if value is None or value is False:
            continue
        if value is True:
            parts.append(f" {checked}")
        else:
            parts.append(f' {checked}="{escape(str(value), quote=True)}"')
    return "".join(parts)


def el(tag: str, attributes: Mapping[str, AttrValue] | None = None, *children: object) -> Html:
    """`<tag attributes>children</tag>`: attribute values and string children escaped."""
    out = [f"<{tag}{attrs(attributes) if attributes else ''}>"]
    if tag in _VOID:
        return Html(out[0])
    _flatten(children, out)
    out.append(f"</{tag}>")
    return Html("".join(out))
