"""The route table, and matching a raw request path against it.

Matching works on the path as received, split on `/` *before* percent-decoding: the
execution ARN travels as one segment with its slashes encoded as `%2F` (reference
§4.0), so decoding first would break it into pieces. Each segment is decoded only once
it has been matched, as strict UTF-8.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import unquote

from perdure._api import callbacks, executions, invoke, service_endpoints, workers
from perdure._api.context import ApiContext
from perdure._api.http import Request, Response
from perdure._wire.api_errors import MethodNotAllowedError, UnknownOperationError
from perdure.errors import InvalidParameterValueError

SyncHandler = Callable[[ApiContext, Request], Response]
AsyncHandler = Callable[[ApiContext, Request], Awaitable[Response]]

EXECUTION = "/2025-12-01/durable-executions/{DurableExecutionArn}"
CALLBACK = "/2025-12-01/durable-execution-callbacks/{CallbackId}"


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    operation: str  # the Lambda API operation name (also the metrics label)
    handler: SyncHandler | AsyncHandler
    is_async: bool = False
    # A short commit or read on a running invocation's path (`BlockingCalls.run_brief`).
    brief: bool = False

    @functools.cached_property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.template.split("/"))


ROUTES: tuple[Route, ...] = (
    Route(
        "POST",
        "/2015-03-31/functions/{FunctionName}/invocations",
        "Invoke",
        invoke.invoke,
        is_async=True,
    ),
    Route(
        "POST",
        EXECUTION + "/checkpoint",
        "CheckpointDurableExecution",
        executions.checkpoint,
        brief=True,
    ),
    Route(
        "GET",
        EXECUTION + "/state",
        "GetDurableExecutionState",
        executions.get_state,
        brief=True,
    ),
    Route("GET", EXECUTION, "GetDurableExecution", executions.get_execution, is_async=True),
    Route("DELETE", EXECUTION, "DeleteDurableExecution", executions.delete_execution),
    Route("GET", EXECUTION + "/history", "GetDurableExecutionHistory", executions.get_history),
    Route(
        "GET",
        "/2025-12-01/functions/{FunctionName}/durable-executions",
        "ListDurableExecutionsByFunction",
        executions.list_by_function,
    ),
    Route("POST", EXECUTION + "/stop", "StopDurableExecution", executions.stop_execution),
    Route("POST", EXECUTION + "/pause", "PauseDurableExecution", executions.pause_execution),
    Route("POST", EXECUTION + "/resume", "ResumeDurableExecution", executions.resume_execution),
    Route("POST", CALLBACK + "/succeed", "SendDurableExecutionCallbackSuccess", callbacks.succeed),
    Route("POST", CALLBACK + "/fail", "SendDurableExecutionCallbackFailure", callbacks.fail),
    Route(
        "POST",
        CALLBACK + "/heartbeat",
        "SendDurableExecutionCallbackHeartbeat",
        callbacks.heartbeat,
    ),
    Route("POST", workers.PREFIX + "/claim", "ClaimInvocations", workers.claim, is_async=True),
    Route(
        "POST",
        workers.PREFIX + "/{RequestId}/heartbeat",
        "HeartbeatInvocation",
        workers.heartbeat,
        brief=True,
    ),
    Route(
        "POST",
        workers.PREFIX + "/{RequestId}/complete",
        "CompleteInvocation",
        workers.complete,
        brief=True,
    ),
    Route("GET", "/health", "Health", service_endpoints.health),
    Route("GET", "/metrics", "Metrics", service_endpoints.metrics),
    Route("GET", "/openapi.json", "OpenApi", service_endpoints.openapi),
)


def _decode(segment: str, name: str) -> str:
    try:
        value = unquote(segment, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise InvalidParameterValueError(f"{name} must be percent-encoded UTF-8.") from None
    if not value:
        raise InvalidParameterValueError(f"{name} must not be empty.")
    return value


def _match(route: Route, parts: list[str]) -> dict[str, str] | None:
    template = route.segments
    if len(template) != len(parts):
        return None
    raw: dict[str, str] = {}
    for want, got in zip(template, parts, strict=True):
        if want.startswith("{"):
            raw[want[1:-1]] = got
        elif want != got:
            return None
    return raw


class Resolver:
    """`resolve`, remembering the answers for the paths seen last: a running execution
    sends every checkpoint to the same path, so most requests are resolved by one
    lookup. The parameters are read-only, so one answer serves every request to its
    path."""

    def __init__(self, remembered: int = 1024) -> None:
        self._remembered = remembered
        self._answers: OrderedDict[tuple[str, str], tuple[Route, Mapping[str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def resolve(self, method: str, raw_path: str) -> tuple[Route, Mapping[str, str]]:
        key = (method, raw_path)
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
                return found
        found = resolve(method, raw_path)
        if len(raw_path) <= _MAX_REMEMBERED_PATH:
            with self._lock:
                self._answers[key] = found
                if len(self._answers) > self._remembered:
                    self._answers.popitem(last=False)
        return found


_MAX_REMEMBERED_PATH = 1024


def resolve(method: str, raw_path: str) -> tuple[Route, Mapping[str, str]]:
    """The route for `method` and the undecoded path, with its decoded parameters.
    Raises UnknownOperationError (404) or MethodNotAllowedError (405)."""
    parts = raw_path.split("/")
    allowed: list[str] = []
    for route in ROUTES:
        raw = _match(route, parts)
        if raw is None:
            continue
        if route.method != method:
            allowed.append(route.method)
            continue
        return route, MappingProxyType({name: _decode(value, name) for name, value in raw.items()})
    if allowed:
        raise MethodNotAllowedError(
            f"{method} is not supported on this resource; use {' or '.join(allowed)}.", allowed
        )
    raise UnknownOperationError(f"No operation is served at {raw_path[:200]}.")
