"""Builders for history-event details in wire form (the shapes of the API's `Event`)."""

from __future__ import annotations

from typing import Any

from perdure._model import ErrorObject


def error_payload(error: ErrorObject | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if error is None:
        return out
    if error.message is not None:
        out["ErrorMessage"] = error.message
    if error.type is not None:
        out["ErrorType"] = error.type
    if error.data is not None:
        out["ErrorData"] = error.data
    if error.stack_trace is not None:
        out["StackTrace"] = list(error.stack_trace)
    return out


def result_member(payload: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"Truncated": False}
    if payload is not None:
        out["Payload"] = payload
    return out


def error_member(error: ErrorObject | None) -> dict[str, Any]:
    return {"Payload": error_payload(error), "Truncated": False}


def retry_details(attempt: int, delay: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"CurrentAttempt": attempt}
    if delay is not None:
        out["NextAttemptDelaySeconds"] = delay
    return out
