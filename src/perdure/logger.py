"""The replay-aware context logger (port of `aws_durable_execution_sdk_python.logger`)."""

from __future__ import annotations

from perdure._sdk.logger import Logger, LogInfo
from perdure._sdk.types import LoggerInterface

__all__ = ["LogInfo", "Logger", "LoggerInterface"]
