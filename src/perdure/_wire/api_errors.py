"""AWS error answers, both ways: the API encodes a refusal, the HTTP client decodes it.

botocore takes the error code from the `X-Amzn-ErrorType` header (the text before any
`:`, a `#` prefix stripped) and the message from a body member `message` or `Message`;
a body `Type` alone is not enough (reference §4.0). Real Lambda sends the header plus
`{"Type": "User" | "Service", "message"/"Message": ...}` with the casing each shape is
modelled with (§4.5), and so does Perdure. Keeping both directions here, on one table,
is what lets a client raise the very class the service raised.

Errors the service raises are `perdure.errors.ApiError`s; the few that only HTTP can
cause (no such route, a method the route lacks, an Invoke payload that is not JSON) and
the one only a client meets (an answer it cannot read) are declared here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from perdure.errors import (
    ApiError,
    CallbackTimeoutApiError,
    ExecutionAlreadyStartedError,
    InvalidParameterValueError,
    RequestTooLargeError,
    ResourceConflictError,
    ResourceNotFoundError,
    ServiceError,
    TemporarilyUnavailableError,
    TooManyRequestsError,
)

ERROR_TYPE_HEADER = "x-amzn-errortype"
RETRY_AFTER_HEADER = "retry-after"
_ECHO_BYTES = 200


class UnknownOperationError(ApiError):
    code = "UnknownOperationException"
    status = 404


class MethodNotAllowedError(ApiError):
    code = "MethodNotAllowedException"
    status = 405

    def __init__(self, message: str, allowed: list[str]) -> None:
        super().__init__(message)
        self.allowed = allowed


class InvalidRequestContentError(InvalidParameterValueError):
    """The request body was refused as content (Invoke's payload is not JSON)."""

    code = "InvalidRequestContentException"


class UnexpectedResponseError(ApiError):
    """The server answered with an error code or shape this client does not know,
    such as a proxy's HTML page or an authentication refusal. `error_code` is the code
    the answer named (None if it named none), `http_status` its status; `code` and
    `status` repeat them for callers that read every `ApiError` alike."""

    def __init__(self, message: str, *, error_code: str | None, http_status: int) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.http_status = http_status
        # What this answer said, not a class-wide default: read like any ApiError's.
        self.code = error_code or f"Http{http_status}"  # type: ignore[misc]
        self.status = http_status  # type: ignore[misc]


@dataclass(frozen=True)
class ErrorShape:
    message_key: str  # "message" or "Message", as the model spells the shape's member
    retry_after: int | None = None


ERROR_SHAPES: dict[type[ApiError], ErrorShape] = {
    InvalidParameterValueError: ErrorShape("message"),
    InvalidRequestContentError: ErrorShape("message"),
    CallbackTimeoutApiError: ErrorShape("Message"),
    ResourceNotFoundError: ErrorShape("Message"),
    UnknownOperationError: ErrorShape("message"),
    MethodNotAllowedError: ErrorShape("message"),
    ResourceConflictError: ErrorShape("message"),
    ExecutionAlreadyStartedError: ErrorShape("Message"),
    RequestTooLargeError: ErrorShape("message"),
    TooManyRequestsError: ErrorShape("message", retry_after=1),
    TemporarilyUnavailableError: ErrorShape("Message", retry_after=1),
    ServiceError: ErrorShape("Message"),
    ApiError: ErrorShape("Message"),
}

# The codes a client turns back into their own class; any other code is an
# UnexpectedResponseError. ServiceException decodes to ServiceError whatever its status.
DECODED_CLASSES: dict[str, type[ApiError]] = {
    cls.code: cls
    for cls in (
        InvalidParameterValueError,
        CallbackTimeoutApiError,
        ResourceNotFoundError,
        ResourceConflictError,
        ExecutionAlreadyStartedError,
        TooManyRequestsError,
        ServiceError,
        InvalidRequestContentError,
        RequestTooLargeError,
    )
}


@dataclass(frozen=True)
class ErrorAnswer:
    """An error answer as the API sends it: status, headers and the JSON body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: dict[str, Any]


def shape_of(error: ApiError) -> ErrorShape:
    for cls in type(error).__mro__:
        shape = ERROR_SHAPES.get(cls)
        if shape is not None:
            return shape
    return ERROR_SHAPES[ApiError]


def encode_error(error: ApiError) -> ErrorAnswer:
    shape = shape_of(error)
    body = {"Type": "User" if error.status < 500 else "Service", shape.message_key: error.message}
    headers = [(ERROR_TYPE_HEADER, error.code)]
    if shape.retry_after is not None:
        headers.append((RETRY_AFTER_HEADER, str(shape.retry_after)))
    if isinstance(error, MethodNotAllowedError):
        headers.append(("allow", ", ".join(error.allowed)))
    return ErrorAnswer(error.status, tuple(headers), body)


def decode_error(status: int, error_type: str | None, data: bytes) -> ApiError:
    """The `ApiError` an error answer stands for: the class of its code (header, else
    the body's `__type`), with the body's message; UnexpectedResponseError for a code
    this table does not hold or no code at all."""
    doc: object = None
    try:
        doc = json.loads(data) if data.strip() else None
    except ValueError:
        doc = None
    body: dict[str, Any] = doc if isinstance(doc, dict) else {}
    code = _code(error_type or body.get("__type"))
    message = str(body.get("message") or body.get("Message") or "")
    text = message or data[:_ECHO_BYTES].decode("utf-8", "replace").strip() or f"HTTP {status}"
    cls = DECODED_CLASSES.get(code or "")
    if cls is None:
        return UnexpectedResponseError(text, error_code=code, http_status=status)
    error = cls(text)
    if status != cls.status:
        # The class's status is the usual one; keep the one this answer had (a 503).
        error.status = status  # type: ignore[misc]
    return error


def unreadable_answer(data: bytes) -> ApiError:
    """A success answer whose body is not the JSON it should be, as a retryable fault."""
    return UnexpectedResponseError(
        f"The service answered with invalid JSON: {data[:_ECHO_BYTES]!r}",
        error_code=ServiceError.code,
        http_status=502,
    )


def _code(raw: object) -> str | None:
    if not isinstance(raw, str):
        return None
    return raw.split(":", 1)[0].rsplit("#", 1)[-1] or None
