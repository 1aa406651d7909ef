"""A durable function's configuration, as AWS's Lambda `DurableConfig`.

On AWS it is set on the function (`CreateFunction`, `UpdateFunctionConfiguration`);
on Perdure it is given where the function is registered: `@durable_execution(
durable_config=DurableConfig(...))`, `Registry.register(name, handler, config=...)`,
or a worker's and `perdure dev`'s `--execution-timeout` / `--retention-days` for the
functions that set none. As on AWS, an execution takes the values in force when it
starts and keeps them; a later change applies to executions started after it.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_EXECUTION_TIMEOUT = 31_622_400  # seconds: one 366-day year, AWS's maximum
MIN_RETENTION_DAYS = 1
MAX_RETENTION_DAYS = 90

DEFAULT_EXECUTION_TIMEOUT = MAX_EXECUTION_TIMEOUT
"""Perdure's default: a year, so a workflow that waits days is never cut short by a
limit nobody set. AWS requires the value when a function is created."""
DEFAULT_RETENTION_DAYS = 14
"""AWS's default retention of an ended execution's history."""


def check_execution_timeout(value: object, source: str = "ExecutionTimeout") -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{source} must be a whole number of seconds, got {value!r}")
    if not 1 <= value <= MAX_EXECUTION_TIMEOUT:
        raise ValueError(
            f"{source} must be between 1 and {MAX_EXECUTION_TIMEOUT} seconds (366 days), "
            f"got {value}"
        )
    return value


def check_retention_days(value: object, source: str = "RetentionPeriodInDays") -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{source} must be a whole number of days, got {value!r}")
    if not MIN_RETENTION_DAYS <= value <= MAX_RETENTION_DAYS:
        raise ValueError(
            f"{source} must be between {MIN_RETENTION_DAYS} and {MAX_RETENTION_DAYS} days, "
            f"got {value}"
        )
    return value


@dataclass(frozen=True)
class DurableConfig:
    """`execution_timeout`: seconds an execution may run before it ends TIMED_OUT (1 to
    31,622,400). `retention_period_in_days`: how long an ended execution and its history
    are kept before they are deleted (1 to 90). None leaves the value to the defaults of
    whatever serves the function."""

    execution_timeout: int | None = None
    retention_period_in_days: int | None = None

    def __post_init__(self) -> None:
        if self.execution_timeout is not None:
            check_execution_timeout(self.execution_timeout, "execution_timeout")
        if self.retention_period_in_days is not None:
            check_retention_days(self.retention_period_in_days, "retention_period_in_days")

    def or_else(self, fallback: DurableConfig) -> DurableConfig:
        """This config with its unset values taken from `fallback`."""
        return DurableConfig(
            execution_timeout=self.execution_timeout
            if self.execution_timeout is not None
            else fallback.execution_timeout,
            retention_period_in_days=self.retention_period_in_days
            if self.retention_period_in_days is not None
            else fallback.retention_period_in_days,
        )


DEFAULT_DURABLE_CONFIG = DurableConfig(
    execution_timeout=DEFAULT_EXECUTION_TIMEOUT, retention_period_in_days=DEFAULT_RETENTION_DAYS
)
