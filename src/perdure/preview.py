"""Previews of values stored outside the checkpoint (port of
`aws_durable_execution_sdk_python.preview`)."""

from __future__ import annotations

from perdure._sdk.previews import (
    FieldMatchMode,
    PreviewConfig,
    PreviewField,
    PreviewMode,
    build_preview,
)

__all__ = ["FieldMatchMode", "PreviewConfig", "PreviewField", "PreviewMode", "build_preview"]
