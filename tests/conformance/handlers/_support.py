"""Small pieces several conformance handlers share: serdes, errors, crash helpers.

Kept apart from the handler modules so each handler reads as the requirement's prose.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
import tempfile
import time
from enum import Enum
from pathlib import Path
from typing import Any

from perdure import BatchResult
from perdure.config import Duration, JitterStrategy
from perdure.retries import RetryStrategyConfig, create_retry_strategy
from perdure.serdes import SerDes, SerDesContext

STATE_DIR_ENV = "PERDURE_CONFORMANCE_STATE_DIR"


class TransientError(Exception):
    """A custom error type the retry requirements (1-15, 1-16) filter on."""


def fixed_retry(max_attempts: int, delay_seconds: int = 1) -> Any:
    """A retry strategy with a constant delay and no jitter, so RetryDetails are exact."""
    return create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=max_attempts,
            initial_delay=Duration.from_seconds(delay_seconds),
            backoff_rate=1.0,
            jitter_strategy=JitterStrategy.NONE,
        )
    )


def _upper(value: Any) -> Any:
    if isinstance(value, str):
        return value.upper()
    if isinstance(value, list):
        return [_upper(item) for item in value]
    if isinstance(value, dict):
        return {key: _upper(item) for key, item in value.items()}
    return value


class UppercaseSerDes(SerDes[Any]):
    """Upper-cases every string value on serialize; JSON otherwise (1-6, 5-15)."""

    def serialize(self, value: Any, serdes_context: SerDesContext) -> str:
        return json.dumps(_upper(value))

    def deserialize(self, data: str, serdes_context: SerDesContext) -> Any:
        return json.loads(data)


class JsonObjectSerDes(SerDes[Any]):
    """Plain JSON, used where a requirement wants a callback payload decoded as an object
    instead of the default raw string (7-11)."""

    def serialize(self, value: Any, serdes_context: SerDesContext) -> str:
        return json.dumps(value)

    def deserialize(self, data: str, serdes_context: SerDesContext) -> Any:
        return json.loads(data)


def crash_process() -> None:
    """End the handler process the way a Lambda runtime crash does (``process.exit``).

    Log handlers and std streams are flushed first: on Lambda the line would already have
    been shipped, and the crash requirements count that log line.
    """
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1)


def await_checkpoint_flush(seconds: float = 1.2) -> None:
    """Give an asynchronous START checkpoint time to reach the service before a crash.

    AT_LEAST_ONCE steps checkpoint START in the background (batches close after at most 1 s),
    and 3-12 expects that StepStarted to be recorded before the process dies; AWS's handler
    spends the time on a DynamoDB round trip.
    """
    time.sleep(seconds)


def count_attempt(key: str) -> int:
    """Count attempts for `key` across processes in a local SQLite file (AWS uses DynamoDB).

    Returns the 1-based number of this attempt. Keys carry the execution ARN, which is
    unique per run, so one file in the system temp dir (or ``$PERDURE_CONFORMANCE_STATE_DIR``)
    serves every run, including concurrent ones.
    """
    base = Path(os.environ.get(STATE_DIR_ENV) or tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(base / "perdure-conformance-attempts.sqlite3", timeout=30)
    try:
        with connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS attempts (key TEXT PRIMARY KEY, n INTEGER NOT NULL)"
            )
            row = connection.execute(
                "INSERT INTO attempts (key, n) VALUES (?, 1) "
                "ON CONFLICT(key) DO UPDATE SET n = n + 1 RETURNING n",
                (key,),
            ).fetchone()
        return int(row[0])
    finally:
        connection.close()


def _text(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def batch_projection(result: BatchResult[Any], *fields: str) -> dict[str, Any]:
    """The small summary object the parallel/map requirements return from a BatchResult.

    Only the listed fields are included: the suite compares results with ``==``.
    """
    values = {
        "completionReason": _text(result.completion_reason),
        "status": _text(result.status),
        "successCount": result.success_count,
        "failureCount": result.failure_count,
        "totalCount": result.total_count,
    }
    return {name: values[name] for name in fields}
