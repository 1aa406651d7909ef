"""Bodies of the data-plane calls: `CheckpointDurableExecution` and `GetDurableExecutionState`.

The service parses requests and renders responses; the SDK's HTTP client does the
reverse with the `*_to_json` / `*_from_json` partners here, so both ends share one
definition of the shapes. These travel over HTTP, so operation timestamps are epoch
seconds.

A response without `CheckpointToken` is meaningful: the SDK reads "no token after a
non-empty batch" as "the execution completed" (reference §5.7), so the token is omitted,
not nulled, when the model has none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from perdure._model import CheckpointResponse, OperationUpdate, StateResponse
from perdure._wire.operations import (
    operation_from_json,
    operation_to_json,
    update_from_json,
    update_to_json,
)
from perdure._wire.timestamps import TimeUnit
from perdure._wire.validation import (
    WireFormatError,
    check_str,
    json_type,
    opt_str,
    require_object,
    required,
)

CHECKPOINT_TOKEN_RE = re.compile(r"[A-Za-z0-9+/]+={0,2}")
CLIENT_TOKEN_RE = re.compile(r"[\x21-\x7E]+")
MAX_CHECKPOINT_TOKEN_CHARS = 2048
MAX_CLIENT_TOKEN_CHARS = 64
_TOKEN_HINT = (
    "send the token of the current invocation, from its event or the last checkpoint response"
)


def checkpoint_request_from_json(
    d: object,
) -> tuple[str, list[OperationUpdate], str | None]:
    """(checkpoint token, updates, client token) of a checkpoint request body.

    Absent or empty `Updates` is legal: it is the SDK's state refresh (reference §5.8).
    Raises `WireFormatError` naming the first bad member, e.g. `Updates[2].Id`.
    """
    obj = require_object(d, "request body")
    token = check_str(
        required(obj, "CheckpointToken", "", _TOKEN_HINT),
        "CheckpointToken",
        min_len=1,
        max_len=MAX_CHECKPOINT_TOKEN_CHARS,
        pattern=CHECKPOINT_TOKEN_RE,
        hint="a base64 token as issued by the service",
    )
    raw_updates = obj.get("Updates")
    if raw_updates is None:
        raw_updates = []
    if not isinstance(raw_updates, list):
        raise WireFormatError(
            f"Updates must be an array of OperationUpdate objects, got {json_type(raw_updates)}."
        )
    updates = [update_from_json(u, path=f"Updates[{i}]") for i, u in enumerate(raw_updates)]
    client_token = opt_str(
        obj,
        "ClientToken",
        "",
        min_len=1,
        max_len=MAX_CLIENT_TOKEN_CHARS,
        pattern=CLIENT_TOKEN_RE,
        hint="printable ASCII without spaces",
    )
    return token, updates, client_token


def checkpoint_request_to_json(
    token: str, updates: Sequence[OperationUpdate], client_token: str | None = None
) -> dict[str, Any]:
    """The body the SDK's HTTP client sends (`DurableExecutionArn` goes in the path)."""
    out: dict[str, Any] = {
        "CheckpointToken": token,
        "Updates": [update_to_json(u) for u in updates],
    }
    if client_token is not None:
        out["ClientToken"] = client_token
    return out


def checkpoint_response_to_json(resp: CheckpointResponse) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if resp.checkpoint_token is not None:
        out["CheckpointToken"] = resp.checkpoint_token
    state: dict[str, Any] = {
        "Operations": [operation_to_json(op, time_unit="s") for op in resp.operations]
    }
    if resp.next_marker:
        state["NextMarker"] = resp.next_marker
    out["NewExecutionState"] = state
    return out


def checkpoint_response_from_json(d: object, *, time_unit: TimeUnit = "s") -> CheckpointResponse:
    path = "CheckpointDurableExecution response"
    obj = require_object(d, path)
    raw_state = obj.get("NewExecutionState")
    state = {} if raw_state is None else require_object(raw_state, f"{path}.NewExecutionState")
    operations, next_marker = _operations_page(state, f"{path}.NewExecutionState", time_unit)
    return CheckpointResponse(
        checkpoint_token=opt_str(obj, "CheckpointToken", path),
        operations=operations,
        next_marker=next_marker,
    )


def state_response_to_json(resp: StateResponse) -> dict[str, Any]:
    """The `GetDurableExecutionState` response body."""
    out: dict[str, Any] = {
        "Operations": [operation_to_json(op, time_unit="s") for op in resp.operations]
    }
    if resp.next_marker:
        out["NextMarker"] = resp.next_marker
    return out


def state_response_from_json(d: object, *, time_unit: TimeUnit = "s") -> StateResponse:
    path = "GetDurableExecutionState response"
    obj = require_object(d, path)
    operations, next_marker = _operations_page(obj, path, time_unit)
    return StateResponse(operations=operations, next_marker=next_marker)


def _operations_page(
    obj: dict[str, Any], path: str, time_unit: TimeUnit
) -> tuple[list[Any], str | None]:
    raw = obj.get("Operations")
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise WireFormatError(f"{path}.Operations must be an array, got {json_type(raw)}.")
    operations = [
        operation_from_json(op, time_unit=time_unit, path=f"{path}.Operations[{i}]")
        for i, op in enumerate(raw)
    ]
    # "" and absent both mean "no more pages".
    return operations, opt_str(obj, "NextMarker", path) or None
