"""What an Invoke (and a listing by function) names: the function and version, and the
input payload, read the same way by the HTTP API and the embedded client.

Function names are taken as Lambda accepts them in a path: `name`, `name:qualifier`,
the partial ARN `123456789012:function:name[:qualifier]` or the full function ARN, plus
an optional `Qualifier` parameter that must agree with a qualifier in the name.

Perdure has no published versions or aliases of its own: a numeric version,
`$LATEST` and `$LATEST.PUBLISHED` are recorded as given (the execution ARN is pinned to
the version, reference §4.2), and any other qualifier is taken as an alias of `$LATEST`,
as AWS's local runner does (aws-sdk-3.0-changes §3.4).
"""

from __future__ import annotations

import re

from perdure._wire.api_errors import InvalidRequestContentError
from perdure._wire.json_text import parse_strict
from perdure._wire.validation import WireFormatError
from perdure.errors import InvalidParameterValueError

MAX_FUNCTION_NAME_CHARS = 256
MAX_QUALIFIER_CHARS = 128
PAYLOAD = "The invocation payload"

_FUNCTION_RE = re.compile(
    r"(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)?"
    r"(?P<name>[a-zA-Z0-9_-]{1,64})"
    r"(?::(?P<qualifier>\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9_-]{1,128}))?"
)
_QUALIFIER_RE = re.compile(r"\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9_-]+")
_VERSION_RE = re.compile(r"\$LATEST(?:\.PUBLISHED)?|[0-9]{1,20}")


def function_and_version(raw: str, qualifier: str | None) -> tuple[str, str | None]:
    """(function name, version) named by `raw` and the `Qualifier` parameter; the
    version is None when neither gives a qualifier."""
    m = _FUNCTION_RE.fullmatch(raw) if len(raw) <= MAX_FUNCTION_NAME_CHARS else None
    if m is None:
        raise InvalidParameterValueError(
            f"Invalid FunctionName {raw[:80]!r}: use a function name (1-64 characters from "
            "a-z, A-Z, 0-9, '-' and '_'), optionally with ':<qualifier>', or a function ARN."
        )
    if qualifier is not None and (
        len(qualifier) > MAX_QUALIFIER_CHARS or not _QUALIFIER_RE.fullmatch(qualifier)
    ):
        raise InvalidParameterValueError(
            f"Invalid Qualifier {qualifier[:80]!r}: use $LATEST, a version number or an alias."
        )
    in_name = m["qualifier"]
    if in_name is not None and qualifier is not None and in_name != qualifier:
        raise InvalidParameterValueError(
            f"The qualifier in the function name ({in_name}) and the Qualifier parameter "
            f"({qualifier}) do not match."
        )
    chosen = in_name or qualifier
    if chosen is None:
        return m["name"], None
    return m["name"], chosen if _VERSION_RE.fullmatch(chosen) else "$LATEST"


def invoke_payload(data: bytes | str) -> str | None:
    """The input an Invoke carries, as the JSON text to store (None for none). It must
    be RFC 8259 JSON; anything else is InvalidRequestContentException, as Lambda says."""
    if not data.strip():
        return None
    if isinstance(data, str):
        text = data
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidRequestContentError(f"{PAYLOAD} must be UTF-8 encoded JSON.") from None
    try:
        parse_strict(text, PAYLOAD)
    except WireFormatError as exc:
        raise InvalidRequestContentError(exc.message) from None
    return text
