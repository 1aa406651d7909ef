"""A serdes that keeps values in files and checkpoints a pointer (AWS's `filesystem_serdes`).

The checkpoint holds a small JSON envelope, the same bytes AWS's SDK writes:
`{"file": "<path>"}` (with `"preview": {...}` when a preview function is configured), or
in OVERFLOW mode `{"data": "<value>"}` while the value is small enough to stay inline.
The file holds the value as the configured serdes writes it.

Every worker that may replay the execution must see the same files: a directory on one
machine, or a shared file system (NFS, EFS, S3 Files) for many.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import quote

from perdure._sdk.checkpoint_size import CHECKPOINT_SIZE_LIMIT_BYTES
from perdure._sdk.serdes import EXTENDED_TYPES_SERDES
from perdure._sdk.types import DurableExecutionArn
from perdure._sdk.values import SerDes, SerDesContext

__all__ = [
    "FileSystemPathEncoding",
    "FileSystemSerDes",
    "FileSystemSerDesConfig",
    "FileSystemSerDesMode",
    "GeneratePreview",
]

# Room for the envelope around an inline value.
_INLINE_LIMIT_BYTES = CHECKPOINT_SIZE_LIMIT_BYTES - 1024


class FileSystemSerDesMode(StrEnum):
    """ALWAYS writes every value to a file; OVERFLOW only values too large to inline."""

    ALWAYS = "ALWAYS"
    OVERFLOW = "OVERFLOW"


class FileSystemPathEncoding(StrEnum):
    """URI: `<function>/<execution>/<invocation>/<percent-encoded op id>.json`, readable;
    HASH: SHA-256 hex of the ARN and of the op id, fixed length and always safe."""

    URI = "URI"
    HASH = "HASH"


class GeneratePreview(Protocol):
    """Makes the preview stored beside the file pointer (see `perdure.preview`)."""

    def __call__(self, value: Any) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class FileSystemSerDesConfig:
    storage_mode: FileSystemSerDesMode = FileSystemSerDesMode.ALWAYS
    path_encoding: FileSystemPathEncoding = FileSystemPathEncoding.URI
    generate_preview: GeneratePreview | None = None
    serdes: SerDes[Any] = EXTENDED_TYPES_SERDES


def _segment(value: str, encoding: FileSystemPathEncoding) -> str:
    if encoding is FileSystemPathEncoding.HASH:
        return hashlib.sha256(value.encode()).hexdigest()
    return quote(value, safe="")


def _value_path(base_path: str, context: SerDesContext, encoding: FileSystemPathEncoding) -> str:
    arn = context.durable_execution_arn
    parsed = DurableExecutionArn.from_arn(arn) if encoding is FileSystemPathEncoding.URI else None
    if parsed is not None:
        folder = os.path.join(
            base_path, parsed.function_name, parsed.execution_name, parsed.invocation_id
        )
    else:
        folder = os.path.join(base_path, _segment(arn, encoding))
    return os.path.join(folder, f"{_segment(context.operation_id, encoding)}.json")


def _write_atomically(path: str, text: str) -> None:
    """Readers see the old file or the new one, never a half-written one."""
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


class FileSystemSerDes(SerDes[Any]):
    """Values in files under `base_path`, pointers in the checkpoints."""

    def __init__(self, base_path: str, config: FileSystemSerDesConfig | None = None) -> None:
        settings = config or FileSystemSerDesConfig()
        self._base_path = base_path
        self._storage_mode = settings.storage_mode
        self._path_encoding = settings.path_encoding
        self._generate_preview = settings.generate_preview
        self._value_serdes = settings.serdes

    def serialize(self, value: Any, serdes_context: SerDesContext) -> str:
        text = self._value_serdes.serialize(value, serdes_context)
        if self._storage_mode is FileSystemSerDesMode.OVERFLOW:
            inline = json.dumps({"data": text})
            if len(inline.encode("utf-8")) <= _INLINE_LIMIT_BYTES:
                return inline
        path = _value_path(self._base_path, serdes_context, self._path_encoding)
        _write_atomically(path, text)
        envelope: dict[str, Any] = {"file": path}
        preview = self._generate_preview(value) if self._generate_preview else None
        if preview:
            envelope["preview"] = preview
        return json.dumps(envelope)

    def deserialize(self, data: str, serdes_context: SerDesContext) -> Any:
        envelope = json.loads(data)
        if "file" in envelope:
            with open(envelope["file"], encoding="utf-8") as stored:
                text = stored.read()
        else:
            text = envelope["data"]
        return self._value_serdes.deserialize(text, serdes_context)
