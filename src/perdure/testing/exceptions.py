"""The errors of AWS's testing SDK (1.4.0), under the same names and bases.

A test ported from AWS catches `DurableFunctionsTestError` (a runner could not do what
it was asked) and may meet the API-style errors a service answers with; each of those
can render itself as the JSON body AWS's service would send (`to_dict`).
"""

from __future__ import annotations

from typing import Any


class DurableFunctionsLocalRunnerError(Exception):
    """Base of the errors raised by the local runner and its web face."""


class UnknownRouteError(DurableFunctionsLocalRunnerError):
    """A request matched no route."""

    def __init__(self, method: str, path: str) -> None:
        self.method = method
        self.path = path
        super().__init__(f"Unknown path pattern: {method} {path}")


class SerializationError(DurableFunctionsLocalRunnerError):
    """A request or response body could not be converted."""


class DurableFunctionsTestError(Exception):
    """Base of the errors a test runner raises: a lookup that found nothing, an
    invocation or history read that failed, a result that could not be built."""


class InvalidInvocationOutputError(DurableFunctionsTestError):
    """A handler returned something that is not an invocation output."""

    def __init__(self, message: str, request_id: str | None = None) -> None:
        self.request_id = request_id
        super().__init__(message)


class AwsApiException(DurableFunctionsLocalRunnerError):
    """An error with the shape of a Lambda API error: an HTTP status and a JSON body."""

    http_status_code: int = 500

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError


class InvalidParameterValueException(AwsApiException):
    http_status_code = 400

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {"Type": "InvalidParameterValueException", "message": self.message}


class ResourceNotFoundException(AwsApiException):
    http_status_code = 404

    def __init__(self, Message: str) -> None:
        self.Message = Message
        super().__init__(Message)

    def to_dict(self) -> dict[str, Any]:
        return {"Type": "ResourceNotFoundException", "Message": self.Message}


class ServiceException(AwsApiException):
    http_status_code = 500

    def __init__(self, Message: str) -> None:
        self.Message = Message
        super().__init__(Message)

    def to_dict(self) -> dict[str, Any]:
        return {"Type": "ServiceException", "Message": self.Message}


class ExecutionAlreadyStartedException(AwsApiException):
    http_status_code = 409

    def __init__(self, message: str, DurableExecutionArn: str) -> None:
        self.message = message
        self.DurableExecutionArn = DurableExecutionArn
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "DurableExecutionArn": self.DurableExecutionArn}


class ExecutionConflictException(AwsApiException):
    http_status_code = 409

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {"Type": "ExecutionConflictException", "message": self.message}


class CallbackTimeoutException(AwsApiException):
    http_status_code = 408

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {"Type": "CallbackTimeoutException", "message": self.message}


class TooManyRequestsException(AwsApiException):
    http_status_code = 429

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {"Type": "TooManyRequestsException", "message": self.message}


class IllegalStateException(AwsApiException):
    """Rendered as a ServiceException, as the service does."""

    http_status_code = 500

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {"Type": "ServiceException", "Message": self.message}


class RuntimeException(AwsApiException):
    """Rendered as a ServiceException, as the service does."""

    http_status_code = 500

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {"Type": "ServiceException", "Message": self.message}


class IllegalArgumentException(AwsApiException):
    """Rendered as an InvalidParameterValueException, as the service does."""

    http_status_code = 400

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {"Type": "InvalidParameterValueException", "message": self.message}
