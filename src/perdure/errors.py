"""Every exception Perdure raises, in one tree (stdlib only; imports nothing from perdure).

Handler side (names and constructors follow AWS's durable SDK 3.0)::

    DurableExecutionsError
    ├── PluginLoadError
    ├── SerDesError                             a value could not be (de)serialized
    ├── UnrecoverableError
    │   ├── ExecutionError                      handler returns FAILED, no retry
    │   │   └── NonDeterministicExecutionError  replay met a different operation
    │   └── InvocationError                     the invocation fails and is retried
    │       ├── BotoClientError
    │       │   ├── CheckpointError
    │       │   └── GetExecutionStateError
    │       ├── StepInterruptedError
    │       └── RetryableSerDesError
    ├── ValidationError                         bad arguments to an SDK call
    ├── InvalidStateError
    ├── OrderedLockError
    └── DurableOperationError                   an operation failed (typed by operation)
        ├── StepError, InvokeError, ChildContextError, WaitForConditionError
        ├── BatchCompletionError                (perdure.concurrency.models)
        └── CallbackError
            ├── CallbackExternalError, CallbackTimeoutError, CallbackSubmitterError

    SuspendExecution (BaseException)            the invocation ends PENDING
    └── TimedSuspendExecution
    BackgroundThreadError (BaseException), OrphanedChildException (BaseException)

Service side (each maps to one AWS error code and HTTP status)::

    ApiError
    ├── InvalidParameterValueError   400 InvalidParameterValueException
    ├── CallbackTimeoutApiError      400 CallbackTimeoutException
    ├── ResourceNotFoundError        404 ResourceNotFoundException
    ├── ResourceConflictError        409 ResourceConflictException
    ├── ExecutionAlreadyStartedError 409 DurableExecutionAlreadyStartedException
    ├── TooManyRequestsError         429 TooManyRequestsException
    ├── ServiceError                 500 ServiceException
    └── TemporarilyUnavailableError  503 ServiceException (the database; retry)

The handler-side classes report `perdure.exceptions` as their module (AWS's module path
under Perdure's name), so an ErrorType recorded for them reads
`perdure.exceptions.StepError` where AWS records
`aws_durable_execution_sdk_python.exceptions.StepError`.
"""

from __future__ import annotations

import datetime as _dt
from enum import Enum
from typing import Any, ClassVar, Self, TypedDict

BAD_REQUEST_ERROR: int = 400
TOO_MANY_REQUESTS_ERROR: int = 429
SERVICE_ERROR: int = 500
INVALID_PARAMETER_VALUE_EXCEPTION: str = "InvalidParameterValueException"
INVALID_CHECKPOINT_TOKEN_PREFIX: str = "Invalid checkpoint token"

# Service errors that need the customer to act (a KMS key's configuration) even though
# they do not arrive as 4xx: retrying the invocation cannot help.
_NON_RETRYABLE_CUSTOMER_ERROR_CODES = frozenset(
    {
        "KMSAccessDeniedException",
        "KMSDisabledException",
        "KMSInvalidStateException",
        "KMSNotFoundException",
    }
)


class AwsErrorObj(TypedDict):
    """The `Error` member of a service error response."""

    Code: str | None
    Message: str | None


class AwsErrorMetadata(TypedDict):
    """The `ResponseMetadata` member of a service error response."""

    RequestId: str | None
    HostId: str | None
    HTTPStatusCode: int | None
    HTTPHeaders: str | None
    RetryAttempts: str | None


class TerminationReason(Enum):
    UNHANDLED_ERROR = "UNHANDLED_ERROR"
    INVOCATION_ERROR = "INVOCATION_ERROR"
    EXECUTION_ERROR = "EXECUTION_ERROR"
    CHECKPOINT_FAILED = "CHECKPOINT_FAILED"
    NON_DETERMINISTIC_EXECUTION = "NON_DETERMINISTIC_EXECUTION"
    STEP_INTERRUPTED = "STEP_INTERRUPTED"
    SERIALIZATION_ERROR = "SERIALIZATION_ERROR"


class DurableApiErrorCategory(Enum):
    INVOCATION = "INVOCATION"
    EXECUTION = "EXECUTION"


CheckpointErrorCategory = DurableApiErrorCategory


class DurableExecutionsError(Exception):
    """Base of every handler-side Perdure error."""


class PluginLoadError(DurableExecutionsError):
    """A configured instrumentation plugin could not be loaded."""


class UnrecoverableError(DurableExecutionsError):
    def __init__(self, message: str, termination_reason: TerminationReason) -> None:
        super().__init__(message)
        self.message = message
        self.termination_reason = termination_reason


class ExecutionError(UnrecoverableError):
    """The execution must fail now; retrying the invocation cannot help."""

    def __init__(
        self,
        message: str,
        termination_reason: TerminationReason = TerminationReason.EXECUTION_ERROR,
    ) -> None:
        super().__init__(message, termination_reason)


class NonDeterministicExecutionError(ExecutionError):
    """Replay met an operation whose identity differs from the recorded one."""

    def __init__(self, message: str, step_id: str | None = None) -> None:
        super().__init__(message, TerminationReason.NON_DETERMINISTIC_EXECUTION)
        self.step_id = step_id


class InvocationError(UnrecoverableError):
    """This invocation failed; the service re-invokes the handler."""

    def __init__(
        self,
        message: str,
        termination_reason: TerminationReason = TerminationReason.INVOCATION_ERROR,
    ) -> None:
        super().__init__(message, termination_reason)

    def is_retryable(self) -> bool:
        return True


class BotoClientError(InvocationError):
    """A call to the durable-execution service failed."""

    def __init__(
        self,
        message: str,
        error_category: DurableApiErrorCategory = DurableApiErrorCategory.INVOCATION,
        error: AwsErrorObj | dict[str, Any] | None = None,
        response_metadata: AwsErrorMetadata | dict[str, Any] | None = None,
        termination_reason: TerminationReason = TerminationReason.INVOCATION_ERROR,
    ) -> None:
        super().__init__(message, termination_reason)
        self.error_category = error_category
        self.error = error
        self.response_metadata = response_metadata

    @classmethod
    def from_exception(cls, exception: Exception) -> Self:
        """Classify a botocore `ClientError` (or anything with its `response`)."""
        response = getattr(exception, "response", None)
        response = response if isinstance(response, dict) else {}
        error = response.get("Error")
        metadata = response.get("ResponseMetadata")
        category = cls.classify(
            (error or {}).get("Code"),
            (error or {}).get("Message"),
            (metadata or {}).get("HTTPStatusCode"),
        )
        return cls(str(exception), category, error, metadata)

    def is_retryable(self) -> bool:
        return self.error_category is DurableApiErrorCategory.INVOCATION

    is_retriable = is_retryable  # AWS's older spelling, a method there too

    def build_logger_extras(self) -> dict[str, Any]:
        """The response's `Error` and `ResponseMetadata` for a log record (PascalCase)."""
        extras: dict[str, Any] = {}
        if self.error:
            extras["Error"] = self.error
        if self.response_metadata:
            extras["ResponseMetadata"] = self.response_metadata
        return extras

    @staticmethod
    def classify(
        code: str | None, message: str | None, status: int | None
    ) -> DurableApiErrorCategory:
        """Stale tokens, throttling and server faults are worth another invocation;
        every other client error fails the execution."""
        if code in _NON_RETRYABLE_CUSTOMER_ERROR_CODES:
            return DurableApiErrorCategory.EXECUTION
        if code == INVALID_PARAMETER_VALUE_EXCEPTION and (message or "").startswith(
            INVALID_CHECKPOINT_TOKEN_PREFIX
        ):
            return DurableApiErrorCategory.INVOCATION
        if (
            status is not None
            and BAD_REQUEST_ERROR <= status < SERVICE_ERROR
            and status != TOO_MANY_REQUESTS_ERROR
        ):
            return DurableApiErrorCategory.EXECUTION
        return DurableApiErrorCategory.INVOCATION


class CheckpointError(BotoClientError):
    def __init__(
        self,
        message: str,
        error_category: DurableApiErrorCategory = DurableApiErrorCategory.INVOCATION,
        error: AwsErrorObj | dict[str, Any] | None = None,
        response_metadata: AwsErrorMetadata | dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            message, error_category, error, response_metadata, TerminationReason.CHECKPOINT_FAILED
        )


class GetExecutionStateError(BotoClientError):
    def __init__(
        self,
        message: str,
        error_category: DurableApiErrorCategory = DurableApiErrorCategory.INVOCATION,
        error: AwsErrorObj | dict[str, Any] | None = None,
        response_metadata: AwsErrorMetadata | dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            message, error_category, error, response_metadata, TerminationReason.INVOCATION_ERROR
        )


class StepInterruptedError(InvocationError):
    """An at-most-once step was found started but not finished: its attempt was cut off."""

    def __init__(self, message: str, step_id: str | None = None) -> None:
        super().__init__(message, TerminationReason.STEP_INTERRUPTED)
        self.step_id = step_id


class ValidationError(DurableExecutionsError):
    """An SDK call got arguments it cannot accept."""


class InvalidStateError(DurableExecutionsError):
    """The recorded state contradicts what the SDK just asked for."""


class OrderedLockError(DurableExecutionsError):
    def __init__(self, message: str, source_exception: BaseException | None = None) -> None:
        super().__init__(message)
        self.source_exception = source_exception


class DurableOperationError(DurableExecutionsError):
    """A durable operation failed. `error_type` is the qualified type of the error that
    escaped the operation's body, so the failure survives replay typed."""

    def __init__(
        self,
        message: str | None = None,
        error_type: str | None = None,
        data: str | None = None,
        stack_trace: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type if error_type is not None else qualified_name(type(self))
        self.data = data
        self.stack_trace = stack_trace

    @classmethod
    def from_error_fields(
        cls,
        error_type: str | None,
        message: str | None,
        data: str | None,
        stack_trace: list[str] | None,
    ) -> DurableOperationError:
        """The recorded error as an exception: the registered class for `error_type`
        (see `register_operation_error`), else the base `DurableOperationError`."""
        target = _OPERATION_ERROR_REGISTRY.get(error_type or "", DurableOperationError)
        return target(message=message, error_type=error_type, data=data, stack_trace=stack_trace)


class SerDesError(DurableExecutionsError):
    """A value could not be serialized or deserialized; the operation fails for good
    (`RetryableSerDesError` fails only the invocation). Not an operation error: it is
    raised as itself whichever operation it happened in."""

    def __init__(
        self,
        message: str | None = None,
        error_type: str | None = None,
        data: str | None = None,
        stack_trace: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type if error_type is not None else qualified_name(type(self))
        self.data = data
        self.stack_trace = stack_trace


class RetryableSerDesError(InvocationError):
    """A serializer failed in a way worth retrying the invocation for."""

    def __init__(
        self,
        message: str,
        termination_reason: TerminationReason = TerminationReason.SERIALIZATION_ERROR,
    ) -> None:
        super().__init__(message, termination_reason)


class StepError(DurableOperationError):
    """A step failed after its retries ran out."""


class InvokeError(DurableOperationError):
    """A chained invocation failed, timed out or was stopped."""


class ChildContextError(DurableOperationError):
    """A child context's body raised."""


class WaitForConditionError(DurableOperationError):
    """A wait_for_condition check raised or ran out of attempts."""


class CallbackError(DurableOperationError):
    """A callback could not produce a result."""


class CallbackExternalError(CallbackError):
    """The outside system reported failure for the callback."""


class CallbackTimeoutError(CallbackError):
    """The callback timed out, overall or on heartbeat."""


class CallbackSubmitterError(CallbackError):
    """The submitter of wait_for_callback failed."""


_OPERATION_ERROR_REGISTRY: dict[str, type[DurableOperationError]] = {}


def register_operation_error(error_cls: type[DurableOperationError]) -> None:
    """Let `DurableOperationError.from_error_fields` rebuild `error_cls` from its recorded
    ErrorType. Only classes whose constructor takes (message, error_type, data,
    stack_trace) qualify; anything else comes back as the base class."""
    _OPERATION_ERROR_REGISTRY[qualified_name(error_cls)] = error_cls


def qualified_name(cls: type[BaseException]) -> str:
    """Wire ErrorType of an exception class: bare for builtins, module-qualified otherwise."""
    module = cls.__module__
    if module == "builtins":
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


class SuspendExecution(BaseException):
    """The invocation cannot go on now; it ends PENDING and the service resumes it later."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TimedSuspendExecution(SuspendExecution):
    """Suspend until a known time (epoch seconds)."""

    def __init__(self, message: str, scheduled_timestamp: float) -> None:
        super().__init__(message)
        self.scheduled_timestamp = scheduled_timestamp

    @classmethod
    def from_delay(cls, message: str, delay_seconds: float, now: float) -> TimedSuspendExecution:
        return cls(message, now + max(0.0, delay_seconds))

    @classmethod
    def from_datetime(cls, message: str, datetime_timestamp: _dt.datetime) -> TimedSuspendExecution:
        return cls(message, datetime_timestamp.timestamp())


class BackgroundThreadError(BaseException):
    """The checkpoint thread failed; the invocation cannot checkpoint any more."""

    def __init__(self, message: str, source_exception: BaseException) -> None:
        super().__init__(message)
        self.message = message
        self.source_exception = source_exception


class OrphanedChildException(BaseException):
    """A checkpoint came from a branch whose parent already finished."""

    def __init__(self, message: str, operation_id: str) -> None:
        super().__init__(message)
        self.message = message
        self.operation_id = operation_id


# The handler-side classes, under AWS's module path (see the module docstring).
for _cls in (
    DurableExecutionsError, PluginLoadError, UnrecoverableError, ExecutionError,
    NonDeterministicExecutionError, InvocationError, BotoClientError, CheckpointError,
    GetExecutionStateError, StepInterruptedError, ValidationError, InvalidStateError,
    OrderedLockError, DurableOperationError, SerDesError, RetryableSerDesError, StepError,
    InvokeError, ChildContextError, WaitForConditionError, CallbackError,
    CallbackExternalError, CallbackTimeoutError, CallbackSubmitterError, SuspendExecution,
    TimedSuspendExecution, BackgroundThreadError, OrphanedChildException,
):  # fmt: skip
    _cls.__module__ = "perdure.exceptions"

for _cls in (
    StepError, InvokeError, ChildContextError, WaitForConditionError, CallbackError,
    CallbackExternalError, CallbackTimeoutError, CallbackSubmitterError,
):  # fmt: skip
    register_operation_error(_cls)


class ApiError(Exception):
    """A request to the service was refused. `code` and `status` are the AWS error code and
    HTTP status the API answers with."""

    code: ClassVar[str] = "ServiceException"
    status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidParameterValueError(ApiError):
    code = "InvalidParameterValueException"
    status = 400


class CallbackTimeoutApiError(ApiError):
    code = "CallbackTimeoutException"
    status = 400


class ResourceNotFoundError(ApiError):
    code = "ResourceNotFoundException"
    status = 404


class ResourceConflictError(ApiError):
    code = "ResourceConflictException"
    status = 409


class ExecutionAlreadyStartedError(ApiError):
    code = "DurableExecutionAlreadyStartedException"
    status = 409


class RequestTooLargeError(ApiError):
    """A payload is over its limit (`perdure._model.limits`); raised the same way by the
    HTTP API and by every in-process caller, so tests see what production sees."""

    code = "RequestTooLargeException"
    status = 413


class TooManyRequestsError(ApiError):
    code = "TooManyRequestsException"
    status = 429


class ServiceError(ApiError):
    code = "ServiceException"
    status = 500


class TemporarilyUnavailableError(ApiError):
    """The service's database cannot serve requests right now (locked, disk full,
    connection lost); the same request succeeds once that passes, so clients retry."""

    code = "ServiceException"
    status = 503
