"""Recording plugins shared by the ``plugin`` suite's handlers (10-x).

The requirements have each plugin write one JSON object per hook "to plain stdout", stamped
with the execution ARN so CloudWatch's execution-scoped query finds it. Here the object is
logged through Python's ``logging`` instead of printed: the local test runner collects JSON
log records that carry ``durableExecutionArn`` into ``get_logs(arn)``, in one ordered stream
with the SDK logger's records (``perdure/testing/log_capture.py``), which is the local
equivalent of that query. ``print`` cannot be attributed to an execution reliably in a
process where several executions (and pytest) share stdout.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from perdure.plugin import (
    DurableInstrumentationPlugin,
    InvocationEndInfo,
    InvocationInfo,
    InvocationStartInfo,
    OperationInfo,
    UserFunctionEndInfo,
    UserFunctionStartInfo,
)

_LOG = logging.getLogger("tests.conformance.plugin")
_LOG.setLevel(logging.INFO)

TERMINAL = ("SUCCEEDED", "FAILED")


class RecordingPlugin(DurableInstrumentationPlugin):
    """Base of the suite's plugins: `emit` logs one JSON record tagged with `label`."""

    label = "CONFPLUGIN"

    def __init__(self, execution_arn: str | None) -> None:
        self.arn = execution_arn  # from the invocation-start info handed to the factory

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        self.arn = info.execution_arn

    def emit(self, hook: str, **fields: Any) -> None:
        record = {"plugin": self.label, "hook": hook, **fields, "durableExecutionArn": self.arn}
        _LOG.info(json.dumps(record))


class Factory:
    """A plugin factory: one new plugin per invocation, as AWS 3.0 requires."""

    def __init__(self, plugin: Callable[[str | None], DurableInstrumentationPlugin]) -> None:
        self._plugin = plugin

    def create_plugin(self, info: InvocationStartInfo, /) -> DurableInstrumentationPlugin:
        return self._plugin(info.execution_arn)


def factory(cls: type[RecordingPlugin], label: str | None = None) -> Factory:
    def build(arn: str | None) -> DurableInstrumentationPlugin:
        plugin = cls(arn)
        if label is not None:
            plugin.label = label
        return plugin

    return Factory(build)


def token(value: Any) -> str:
    """An enum's token (``OperationType.WAIT`` -> ``WAIT``)."""
    return str(getattr(value, "value", value))


def opt(value: Any) -> str:
    """The requirement's spelling of an absent id or payload."""
    return "NONE" if value is None else str(value)


def error_message(info: Any) -> str:
    error = getattr(info, "error", None)
    return "NONE" if error is None or error.message is None else str(error.message)


def is_step(info: OperationInfo) -> bool:
    return token(info.operation_type) == "STEP"


def is_wait(info: OperationInfo) -> bool:
    return token(info.operation_type) == "WAIT"


# -- canonical dumps (10-19 .. 10-23): every exposed field, absent ones omitted ----------


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _compact(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def dump_operation(info: OperationInfo) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": info.operation_id,
        "name": info.name,
        "type": token(info.operation_type).upper(),
        "subType": info.sub_type,
        "parentId": info.parent_id,
        "status": token(info.status).upper() if info.status is not None else None,
        "startTimestamp": _iso(info.start_time),
        "endTimestamp": _iso(info.end_time),
        "error": info.error.message if info.error is not None else None,
        "attempt": info.attempt,
        "isReplay": info.is_replayed,
    }
    if isinstance(info, UserFunctionStartInfo):
        fields["isReplayingChildren"] = info.is_replay_children
    if isinstance(info, UserFunctionEndInfo):
        fields["outcome"] = token(info.outcome)
    return _compact(fields)


def dump_invocation(info: InvocationInfo) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "isFirstInvocation": info.is_first_invocation,
        "requestId": info.request_id,
        "operationsCount": len(info.operations),
        "executionStartTimestamp": _iso(info.execution_start_time),
    }
    if isinstance(info, InvocationStartInfo):
        fields["updatedOperationsCount"] = len(info.updated_operations)
    if isinstance(info, InvocationEndInfo):
        status = token(info.status)
        fields.update(
            status=status,
            terminal=status in TERMINAL,
            executionError=info.error.message if info.error is not None else None,
        )
    return _compact(fields)
