"""Values kept in files, pointers in the checkpoints (port of
`aws_durable_execution_sdk_python.filesystem_serdes`). The directory must be one that
every worker replaying the execution sees."""

from __future__ import annotations

from perdure._sdk.checkpoint_size import CHECKPOINT_SIZE_LIMIT_BYTES
from perdure._sdk.file_serdes import (
    FileSystemPathEncoding,
    FileSystemSerDes,
    FileSystemSerDesConfig,
    FileSystemSerDesMode,
    GeneratePreview,
)
from perdure._sdk.serdes import EXTENDED_TYPES_SERDES, SerDes, SerDesContext
from perdure._sdk.types import DurableExecutionArn

__all__ = [
    "CHECKPOINT_SIZE_LIMIT_BYTES",
    "EXTENDED_TYPES_SERDES",
    "DurableExecutionArn",
    "FileSystemPathEncoding",
    "FileSystemSerDes",
    "FileSystemSerDesConfig",
    "FileSystemSerDesMode",
    "GeneratePreview",
    "SerDes",
    "SerDesContext",
]
