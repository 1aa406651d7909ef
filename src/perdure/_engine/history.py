"""Builders for history-event details in wire form (the shapes of the API's `Event`)."""

from __future__ import annotations

from typing import Any

from perdure._model import ErrorObject
from perdure._wire.operations import error_to_json


def error_payload(error: ErrorObject | None) -> dict[str, Any]:
    return {} if error is None else error_to_json(error)


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
