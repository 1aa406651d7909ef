"""SDK-wide figures (port of `aws_durable_execution_sdk_python.constants`)."""

from __future__ import annotations

from perdure._sdk.checkpoint_size import CHECKPOINT_SIZE_LIMIT_BYTES

__all__ = ["CHECKPOINT_SIZE_LIMIT_BYTES"]
