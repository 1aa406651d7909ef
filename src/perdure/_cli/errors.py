"""Exit codes, and turning every failure into one line that says what is wrong and how
to fix it. The CLI never shows a traceback for its own failures.

Exit codes:
  0  done (for `invoke`: the execution SUCCEEDED)
  1  the execution ended FAILED, TIMED_OUT or STOPPED
  2  usage error: bad arguments, bad --input, unreadable file
  3  the service could not be reached or refused the request, or the command could
     not run here (port in use, missing extra)
  4  `invoke --timeout` ran out while the execution was still running (it goes on)
  130 interrupted (Ctrl-C)
"""

from __future__ import annotations

from perdure._config import ConfigError
from perdure._store.faults import StoreFaultError
from perdure._store.store import StoreUnavailableError
from perdure.client import ServiceUnavailableError, UnexpectedResponseError
from perdure.errors import (
    ApiError,
    ExecutionAlreadyStartedError,
    RequestTooLargeError,
    ResourceConflictError,
    ResourceNotFoundError,
)

OK = 0
EXECUTION_FAILED = 1
USAGE = 2
SERVICE = 3
TIMED_OUT = 4
INTERRUPTED = 130


class CliError(Exception):
    """A failure the user can act on: `message` says what and how, `code` is the exit
    code."""

    def __init__(self, message: str, code: int = SERVICE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class UsageError(CliError):
    def __init__(self, message: str) -> None:
        super().__init__(message, USAGE)


def explain(exc: BaseException, where: str) -> CliError | None:
    """The CliError for an exception a command may meet, or None for a bug."""
    if isinstance(exc, CliError):
        return exc
    if isinstance(exc, ConfigError):
        return UsageError(str(exc))
    if isinstance(exc, StoreUnavailableError | StoreFaultError):
        return CliError(str(exc))
    if isinstance(exc, ServiceUnavailableError):
        return CliError(
            f"cannot reach {exc.url} ({exc.reason}) — is `perdure dev` or `perdure server` "
            "running? Point elsewhere with --endpoint or PERDURE_ENDPOINT."
        )
    if isinstance(exc, UnexpectedResponseError):
        if exc.http_status in (401, 403):
            return CliError(
                f"{where} refused the request ({exc.http_status}: {exc.message}) — pass the "
                "server's token with --token or PERDURE_TOKEN."
            )
        return CliError(
            f"{where} answered HTTP {exc.http_status}"
            + (f" {exc.error_code}" if exc.error_code else "")
            + f": {exc.message} — is {where} a Perdure server?"
        )
    if isinstance(exc, ResourceNotFoundError):
        return CliError(f"{exc.message} ({where}).")
    if isinstance(exc, ExecutionAlreadyStartedError):
        return CliError(f"{exc.message}.")
    if isinstance(exc, ResourceConflictError):
        return CliError(f"{exc.message}.")
    if isinstance(exc, RequestTooLargeError):
        # The message says the limit and what to do instead (docs/limits.md).
        return UsageError(f"{where} refused the input: {exc.message}")
    if isinstance(exc, ApiError):
        return CliError(f"{where} refused the request: {exc.message} ({exc.code})")
    return None
