"""Where an execution's upstream trace context comes from.

An extractor reads the invocation's environment and says which trace the execution
belongs to, which span is its remote parent, and whether the caller sampled it. The
default reads the X-Ray header in `_X_AMZN_TRACE_ID` (`Root=1-<8 hex>-<24 hex>;
Parent=<16 hex>;Sampled=0|1`), the variable AWS Lambda sets per invocation.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from perdure.plugin import InvocationStartInfo

__all__ = [
    "ContextExtractor",
    "ExtractedContext",
    "Sampling",
    "w3c_client_context_extractor",
    "xray_context_extractor",
]

XRAY_ENVIRONMENT_VARIABLE = "_X_AMZN_TRACE_ID"
_TRACE_ID_LIMIT = 1 << 128
_SPAN_ID_LIMIT = 1 << 64


class Sampling(Enum):
    """The caller's sampling decision, when it made one."""

    SAMPLED = "sampled"
    NOT_SAMPLED = "not_sampled"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class ExtractedContext:
    """An upstream trace context: 128-bit trace id and 64-bit parent span id as ints
    (None when absent or malformed) and the sampling decision."""

    trace_id: int | None
    parent_span_id: int | None
    sampling: Sampling = Sampling.UNDECIDED

    @property
    def has_valid_trace_id(self) -> bool:
        return self.trace_id is not None and 0 < self.trace_id < _TRACE_ID_LIMIT

    @property
    def has_valid_parent_span_id(self) -> bool:
        return self.parent_span_id is not None and 0 < self.parent_span_id < _SPAN_ID_LIMIT

    @property
    def has_complete_remote_parent(self) -> bool:
        """Both ids valid: the execution hangs under that remote span."""
        return self.has_valid_trace_id and self.has_valid_parent_span_id


ContextExtractor = Callable[[InvocationStartInfo], ExtractedContext | None]


def checked_extraction(value: object) -> ExtractedContext | None:
    """An extractor's answer, refused with a clear message when it has the wrong type."""
    if value is None or isinstance(value, ExtractedContext):
        return value
    raise TypeError(
        f"a context extractor must return ExtractedContext or None, not {type(value).__name__}"
    )


def _hex_int(text: str | None, digits: int) -> int | None:
    if text is None or len(text) != digits:
        return None
    try:
        value = int(text, 16)
    except ValueError:
        return None
    return value if 0 < value < (1 << (4 * digits)) else None


def _xray_root(root: str | None) -> int | None:
    """`1-<epoch seconds, 8 hex>-<24 hex>` as one 128-bit trace id."""
    if root is None:
        return None
    parts = root.split("-")
    if len(parts) != 3 or parts[0] != "1":
        return None
    return _hex_int(parts[1] + parts[2], 32)


def xray_context_extractor(info: InvocationStartInfo) -> ExtractedContext | None:
    """The upstream context in `_X_AMZN_TRACE_ID`, or None when it carries nothing usable."""
    header = os.environ.get(XRAY_ENVIRONMENT_VARIABLE)
    if not header:
        return None
    fields: dict[str, str] = {}
    for part in header.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            fields[key.strip()] = value.strip()
    sampled = fields.get("Sampled")
    sampling = {"1": Sampling.SAMPLED, "0": Sampling.NOT_SAMPLED}.get(
        sampled or "", Sampling.UNDECIDED
    )
    trace_id = _xray_root(fields.get("Root"))
    parent = _hex_int(fields.get("Parent"), 16)
    if trace_id is None and parent is None and sampling is Sampling.UNDECIDED:
        return None
    return ExtractedContext(trace_id=trace_id, parent_span_id=parent, sampling=sampling)


def w3c_client_context_extractor(info: InvocationStartInfo) -> ExtractedContext | None:
    """Reserved for W3C `traceparent` propagation; no invocation carries one yet."""
    return None
