"""The replay-aware context logger (port of `aws_durable_execution_sdk_python.logger`)."""

from __future__ import annotations

from perdure._sdk.logger import Logger, LogInfo

__all__ = ["LogInfo", "Logger"]
