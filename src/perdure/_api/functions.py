"""The function a request's path names, with its `Qualifier` query parameter, read by
the rules of `perdure._wire.invoke` (which the embedded client follows too)."""

from __future__ import annotations

from perdure._api.http import Request, q_str
from perdure._wire.invoke import MAX_QUALIFIER_CHARS, function_and_version


def function_name_and_version(raw: str, req: Request) -> tuple[str, str | None]:
    """(function name, version) named by the path segment `raw` and the `Qualifier`
    parameter; the version is None when neither gives a qualifier."""
    return function_and_version(raw, q_str(req, "Qualifier", max_len=MAX_QUALIFIER_CHARS))
