"""JSON text that enters Perdure from outside, held to RFC 8259, and results rendered as
JSON documents.

Python's `json` reads and writes more than JSON: the bare words `NaN`, `Infinity` and
`-Infinity`, and strings holding a lone UTF-16 surrogate (`"\\ud800"`), which is not a
Unicode character, cannot be stored as UTF-8 and crashes whatever prints it later. So
everything that arrives as a JSON document (HTTP request bodies, an Invoke payload,
`perdure invoke --input`, the test runner's input) is read with `parse_strict`, which
refuses both with a message that names the problem and the fix.

Payloads a handler produces are a different matter: AWS's SDK writes a float NaN as
`NaN` (plain `json.dumps`), and Perdure's SDK writes exactly the same bytes, so payloads
move between the two. The service stores such payloads unread, as the strings the wire
carries, inside documents that stay valid JSON. Where a result itself becomes a JSON
document (the body of a synchronous Invoke), `finite_json` writes those numbers as
`null`, as JavaScript's `JSON.stringify` does.
"""

from __future__ import annotations

import json
import math
import re

from perdure._wire.validation import WireFormatError

_CONSTANTS = ("NaN", "Infinity", "-Infinity")
# A \uD800-\uDFFF escape; confirmed on the parsed value (the text might escape the
# backslash before it instead).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class _NotJson(ValueError):
    def __init__(self, constant: str) -> None:
        super().__init__(constant)
        self.constant = constant


def _refuse_constant(name: str) -> float:
    raise _NotJson(name)


def parse_strict(text: str, what: str) -> object:
    """The JSON value in `text`, which must be RFC 8259 JSON. `what` names the text in
    messages ("The request body"). Raises WireFormatError saying what is wrong."""
    try:
        value: object = json.loads(text, parse_constant=_refuse_constant)
    except _NotJson as exc:
        raise WireFormatError(
            f"{what} is not valid JSON: {exc.constant} is not a JSON number. Send null, "
            f'or the value as a string such as "{exc.constant}".'
        ) from None
    except json.JSONDecodeError as exc:
        raise WireFormatError(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}."
        ) from None
    except RecursionError:
        raise WireFormatError(
            f"{what} is nested too deeply for Perdure to read; flatten it."
        ) from None
    if _has_lone_surrogate(text, value):
        raise WireFormatError(
            f"{what} holds a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape or "
            "character in a string), which is not Unicode text. Send the character itself, "
            "or both halves of its surrogate pair."
        )
    return value


def _has_lone_surrogate(text: str, value: object) -> bool:
    if _SURROGATE_ESCAPE.search(text) is None and _encodes(text):
        return False
    return _holds_surrogate(value)


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _holds_surrogate(value: object) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not _encodes(item):
                return True
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
    return False


def finite_json(text: str) -> str:
    """`text` as a JSON document: unchanged when it is one, else (it holds `NaN` or
    `Infinity`, as Python writes them) rewritten with those numbers as null. Text that is
    not JSON at all is returned unchanged: the caller decides what to do with it."""
    if not any(word in text for word in _CONSTANTS):
        return text
    try:
        json.loads(text, parse_constant=_refuse_constant)
    except _NotJson:
        try:
            return json.dumps(_finite(json.loads(text)))
        except (ValueError, RecursionError):
            return text
    except (ValueError, RecursionError):
        pass
    return text


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value
