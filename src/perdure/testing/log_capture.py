"""JSON log lines from outside the SDK's logger, captured the way CloudWatch finds them.

On Lambda, whatever a function writes as a JSON object carrying `durableExecutionArn` (or
`executionArn`) is found by an execution-scoped log query; instrumentation plugins rely
on that, since they have no `context.logger`. The test runner's equivalent: while it is
open, a record logged through Python's `logging` whose message is such a JSON object, for
an execution this runner invoked, is added to `get_logs(arn)` as that object, in the same
ordered stream as the SDK logger's records.

Not captured: `print()` (stdout is shared by every thread and by pytest, so it cannot be
attributed reliably), records below the emitting logger's level, and anything logged in
a child process (`invoker="process"`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

_ARN_KEYS = ("durableExecutionArn", "executionArn")


class JsonLogCapture(logging.Handler):
    """A root-logger handler that hands JSON log objects to `deliver(arn, record)` when
    `known(arn)` says the ARN is one of the runner's executions."""

    def __init__(
        self,
        known: Callable[[str], bool],
        deliver: Callable[[str, Mapping[str, Any]], None],
    ) -> None:
        super().__init__(logging.NOTSET)
        self._known = known
        self._deliver = deliver

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "executionArn"):
            return  # the SDK logger's own record: its sink already captured it
        try:
            message = record.getMessage()
        except Exception:
            return
        if not message.startswith("{"):
            return
        try:
            data = json.loads(message)
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        for key in _ARN_KEYS:
            arn = data.get(key)
            if isinstance(arn, str) and self._known(arn):
                self._deliver(arn, data)
                return

    def attach(self) -> None:
        logging.getLogger().addHandler(self)

    def detach(self) -> None:
        logging.getLogger().removeHandler(self)
