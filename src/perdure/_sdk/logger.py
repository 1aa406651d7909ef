"""The replay-aware logger behind `context.logger`.

Handler code re-runs on every replay; logging it each time would repeat every line once
per invocation. This wrapper drops calls while its context is replaying and stamps each
record with where it came from (execution, parent, operation, attempt). An optional sink
receives one structured record per emitted call, which is how the local test runner shows
what a handler logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from perdure._sdk.types import LoggerInterface

if TYPE_CHECKING:
    from perdure._sdk.identifier import OperationIdentifier

__all__ = ["LogInfo", "LogSink", "Logger"]

LogSink = Callable[[Mapping[str, Any]], None]

# Extras every record carries. `operationName`, not `name`: LogRecord reserves `name`.
_STANDARD_KEYS = ("executionArn", "parentId", "operationName", "attempt", "operationId")


class _HasExecutionArn(Protocol):
    @property
    def durable_execution_arn(self) -> str: ...


@dataclass(frozen=True)
class LogInfo:
    """Where log lines come from; None fields are left out of the record.
    `execution_state` is anything with a `durable_execution_arn` (the execution state,
    or an `ExecutionContext`)."""

    execution_state: _HasExecutionArn
    parent_id: str | None = None
    operation_id: str | None = None
    name: str | None = None
    attempt: int | None = None

    @classmethod
    def from_operation_identifier(
        cls,
        execution_state: _HasExecutionArn,
        op_id: OperationIdentifier,
        attempt: int | None = None,
    ) -> LogInfo:
        return cls(execution_state, op_id.parent_id, op_id.operation_id, op_id.name, attempt)

    def with_parent_id(self, parent_id: str) -> LogInfo:
        return replace(self, parent_id=parent_id)

    def to_extra(self) -> dict[str, object]:
        pairs = {
            "executionArn": self.execution_state.durable_execution_arn,
            "parentId": self.parent_id,
            "operationName": self.name,
            "attempt": self.attempt,
            "operationId": self.operation_id,
        }
        return {k: v for k, v in pairs.items() if v is not None}


def _format(msg: object, args: tuple[object, ...]) -> str:
    """`msg % args` the way the logging module does it, never raising."""
    text = str(msg)
    if not args:
        return text
    fmt_args: object = args
    if len(args) == 1 and isinstance(args[0], Mapping) and args[0]:
        fmt_args = args[0]
    try:
        return text % fmt_args
    except (TypeError, ValueError, KeyError):
        return " ".join([text, *map(str, args)])


class Logger(LoggerInterface):
    """`logger` None means the stdlib root logger."""

    def __init__(
        self,
        logger: LoggerInterface | None,
        default_extra: Mapping[str, object],
        is_replaying: Callable[[], bool] = lambda: False,
    ) -> None:
        self._logger: LoggerInterface = logger if logger is not None else logging.getLogger()
        self._default_extra: dict[str, object] = dict(default_extra or {})
        self._is_replaying = is_replaying
        self._sink: LogSink | None = None

    @classmethod
    def from_log_info(
        cls,
        logger: LoggerInterface | None,
        info: LogInfo,
        is_replaying: Callable[[], bool] = lambda: False,
    ) -> Logger:
        return cls(logger, info.to_extra(), is_replaying)

    def _derive(
        self,
        logger: LoggerInterface,
        default_extra: Mapping[str, object],
        is_replaying: Callable[[], bool],
    ) -> Logger:
        derived = Logger(logger, default_extra, is_replaying)
        derived._sink = self._sink
        return derived

    @property
    def default_extra(self) -> Mapping[str, object]:
        return dict(self._default_extra)

    @property
    def logger(self) -> LoggerInterface:
        return self._logger

    def get_logger(self) -> LoggerInterface:
        """The underlying logger."""
        return self._logger

    @property
    def sink(self) -> LogSink | None:
        return self._sink

    def with_sink(self, sink: LogSink | None) -> Logger:
        """The same logger also handing one structured record per emitted call to `sink`
        (how the local test runner shows what a handler logged); loggers derived from it
        keep the sink."""
        derived = self._derive(self._logger, self._default_extra, self._is_replaying)
        derived._sink = sink
        return derived

    def with_log_info(self, info: LogInfo) -> Logger:
        """A logger for another operation: the standard extras are replaced by `info`'s,
        any other default extras are kept."""
        extra = {k: v for k, v in self._default_extra.items() if k not in _STANDARD_KEYS}
        extra.update(info.to_extra())
        return self._derive(self._logger, extra, self._is_replaying)

    def with_is_replaying(self, is_replaying: Callable[[], bool]) -> Logger:
        return self._derive(self._logger, self._default_extra, is_replaying)

    def with_logger(self, logger: LoggerInterface) -> Logger:
        """Same extras and replay source over a different underlying logger."""
        return self._derive(logger, self._default_extra, self._is_replaying)

    def is_replaying(self) -> bool:
        return self._is_replaying()

    def debug(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None:
        self._emit("DEBUG", self._logger.debug, msg, args, extra)

    def info(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None:
        self._emit("INFO", self._logger.info, msg, args, extra)

    def warning(
        self, msg: object, *args: object, extra: Mapping[str, object] | None = None
    ) -> None:
        self._emit("WARNING", self._logger.warning, msg, args, extra)

    def error(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None:
        self._emit("ERROR", self._logger.error, msg, args, extra)

    def exception(
        self, msg: object, *args: object, extra: Mapping[str, object] | None = None
    ) -> None:
        self._emit("ERROR", self._logger.exception, msg, args, extra)

    def _emit(
        self,
        level: str,
        method: Callable[..., None],
        msg: object,
        args: tuple[object, ...],
        extra: Mapping[str, object] | None,
    ) -> None:
        if self._is_replaying():
            return
        merged = {**self._default_extra, **(extra or {})}
        method(msg, *args, extra=merged)
        if self._sink is not None:
            record: dict[str, Any] = {"level": level, "message": _format(msg, args)}
            record.update(dict.fromkeys(_STANDARD_KEYS))
            record.update(merged)
            self._sink(record)
