"""Refusals as HTTP responses, through the one error table of `perdure._wire.api_errors`.

Anything that is not an `ApiError` is a bug: it becomes a 500 `ServiceException` with a
generic message, and the traceback goes to the log, never to the client.
"""

from __future__ import annotations

from perdure._api.http import Response
from perdure._wire.api_errors import encode_error
from perdure.errors import ApiError, ServiceError

GENERIC_FAILURE = "The service could not complete the request because of an internal error."


def error_response(error: ApiError) -> Response:
    answer = encode_error(error)
    return Response.json(answer.status, answer.body, list(answer.headers))


def internal_error_response() -> Response:
    return error_response(ServiceError(GENERIC_FAILURE))
