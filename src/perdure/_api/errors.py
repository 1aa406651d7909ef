"""The one table from refusals to AWS error responses.

botocore takes the error code from the `X-Amzn-ErrorType` header and the message from a
body member `message` or `Message`; a body `Type` alone is not enough (reference §4.0).
Real Lambda sends the header plus `{"Type": "User" | "Service", "message"/"Message": ...}`
with the casing each shape is modelled with (§4.5), and so does this module.

Errors the service raises are `perdure.errors.ApiError`s; the few that only HTTP can
cause (no such route, an Invoke payload that is not JSON) are declared here. Anything
else is a bug: it becomes a 500 `ServiceException` with a generic message, and the
traceback goes to the log, never to the client.
"""

from __future__ import annotations

from dataclasses import dataclass

from perdure._api.http import Response
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


class UnknownOperationError(ApiError):
    code = "UnknownOperationException"
    status = 404


class MethodNotAllowedError(ApiError):
    code = "MethodNotAllowedException"
    status = 405

    def __init__(self, message: str, allowed: list[str]) -> None:
        super().__init__(message)
        self.allowed = allowed


class InvalidRequestContentError(ApiError):
    code = "InvalidRequestContentException"
    status = 400


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

GENERIC_FAILURE = "The service could not complete the request because of an internal error."


def _shape(error: ApiError) -> ErrorShape:
    for cls in type(error).__mro__:
        shape = ERROR_SHAPES.get(cls)
        if shape is not None:
            return shape
    return ERROR_SHAPES[ApiError]


def error_response(error: ApiError) -> Response:
    shape = _shape(error)
    body = {"Type": "User" if error.status < 500 else "Service", shape.message_key: error.message}
    headers = [("x-amzn-errortype", error.code)]
    if shape.retry_after is not None:
        headers.append(("retry-after", str(shape.retry_after)))
    if isinstance(error, MethodNotAllowedError):
        headers.append(("allow", ", ".join(error.allowed)))
    return Response.json(error.status, body, headers)


def internal_error_response() -> Response:
    return error_response(ServiceError(GENERIC_FAILURE))
