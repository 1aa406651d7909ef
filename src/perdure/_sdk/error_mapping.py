"""Errors to and from their checkpointed form (`ErrorObject`).

An exception that escapes an operation is recorded with a fully qualified ErrorType (3.0
convention: builtins bare, everything else `module.QualName`; Perdure's own errors under
AWS's module path, `perdure.exceptions.StepError`). Reading it back raises the operation's
own error class with a typed `__cause__` rebuilt from the registry in `perdure.errors`,
keyed by the same qualified name, so a failure looks the same on the first run and on
replay.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from perdure._model import ErrorObject
from perdure.errors import (
    DurableOperationError,
    SerDesError,
    qualified_name,
    register_operation_error,
)

__all__ = [
    "SERDES_ERROR_TYPE",
    "error_object_from_dict",
    "error_object_from_exception",
    "error_object_to_dict",
    "raise_as_operation_error",
    "reconstruct_operation_error",
    "register_operation_error",
]

SERDES_ERROR_TYPE = qualified_name(SerDesError)
"""Every SerDesError subclass is recorded under this one name, so a user class that
happens to be called SerDesError can never be mistaken for ours."""

# Perdure 0.1 recorded its errors under the defining module, `perdure.errors.StepError`;
# history written then still reads back typed.
_LEGACY_PREFIX = "perdure.errors."


def _current_name(error_type: str | None) -> str | None:
    if error_type is not None and error_type.startswith(_LEGACY_PREFIX):
        name = error_type.removeprefix(_LEGACY_PREFIX)
        if name == "BatchCompletionError":
            return f"perdure.concurrency.models.{name}"
        return f"perdure.exceptions.{name}"
    return error_type


def error_object_from_exception(exc: BaseException) -> ErrorObject:
    if isinstance(exc, SerDesError):
        return ErrorObject(
            message=exc.message if exc.message is not None else str(exc),
            type=SERDES_ERROR_TYPE,
            data=exc.data,
            stack_trace=exc.stack_trace,
        )
    if isinstance(exc, DurableOperationError):
        return ErrorObject(
            message=exc.message if exc.message is not None else str(exc),
            type=qualified_name(type(exc)),
            data=exc.data,
            stack_trace=exc.stack_trace,
        )
    return ErrorObject(message=str(exc), type=qualified_name(type(exc)))


def reconstruct_operation_error(error: ErrorObject) -> DurableOperationError:
    """The recorded error as an exception: the registered class for its ErrorType, else
    the base `DurableOperationError` (unknown or short legacy names)."""
    cause = DurableOperationError.from_error_fields(
        _current_name(error.type), error.message, error.data, error.stack_trace
    )
    cause.error_type = error.type or cause.error_type
    return cause


def raise_as_operation_error(error: ErrorObject, wrapper: type[DurableOperationError]) -> NoReturn:
    """Raise `wrapper` for a recorded failure, or `SerDesError` for a serdes failure."""
    cause = reconstruct_operation_error(error)
    outer = SerDesError if _current_name(error.type) == SERDES_ERROR_TYPE else wrapper
    raise outer(
        message=error.message,
        error_type=error.type,
        data=error.data,
        stack_trace=error.stack_trace,
    ) from cause


_KEYS = (
    ("message", "ErrorMessage"),
    ("type", "ErrorType"),
    ("data", "ErrorData"),
    ("stack_trace", "StackTrace"),
)


def error_object_to_dict(error: ErrorObject) -> dict[str, Any]:
    """Wire spelling; absent fields are omitted as in the service API."""
    out: dict[str, Any] = {}
    for attr, key in _KEYS:
        value = getattr(error, attr)
        if value is not None:
            out[key] = list(value) if attr == "stack_trace" else value
    return out


def error_object_from_dict(data: Mapping[str, Any]) -> ErrorObject:
    trace = data.get("StackTrace")
    return ErrorObject(
        message=data.get("ErrorMessage"),
        type=data.get("ErrorType"),
        data=data.get("ErrorData"),
        stack_trace=list(trace) if trace is not None else None,
    )
