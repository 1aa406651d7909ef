"""A handler module that raises while it is imported, as a module with a bad setting or
a missing dependency does; its handler is never reached."""

from __future__ import annotations

from typing import Any

raise RuntimeError("the configuration this module needs is missing")


def handler(event: Any, context: Any) -> Any:  # pragma: no cover - never imported
    return event
