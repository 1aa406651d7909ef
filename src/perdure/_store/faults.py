"""Database faults as one error type, whatever the backend.

A store method that fails because of the database rather than the request (a lock held
past the busy timeout, a full disk, a dropped connection, an I/O error, a read-only
file) raises `StoreFaultError` with a `reason` and a message that names the cause and
what usually fixes it. Callers treat it as passing: the runtime's loops back off and
retry, the API answers a retryable 503. Each backend supplies a classifier for its
driver's exceptions; `translate_faults` applies it to every public method of the store
class, so a method added later is covered without remembering to.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Literal, TypeVar

FaultReason = Literal[
    "locked", "disk_full", "io_error", "read_only", "connection_lost", "corrupt", "unavailable"
]

_ADVICE: dict[FaultReason, str] = {
    "locked": "another process holds a lock on the database (a backup, VACUUM or an open "
    "shell?); requests succeed again once it is released",
    "disk_full": "the disk holding the database is full; free space and requests succeed again",
    "io_error": "the operating system reported an I/O error on the database file",
    "read_only": "the database cannot be written (file permissions or a read-only mount)",
    "connection_lost": "the connection to the database was lost; it is re-established "
    "on the next request",
    "corrupt": "the database file is damaged or is not a Perdure database",
    "unavailable": "the database could not be used",
}


class StoreFaultError(Exception):
    """The database could not serve a request for a reason outside the request."""

    def __init__(self, reason: FaultReason, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"database unavailable ({detail}): {_ADVICE[reason]}")


Classifier = Callable[[BaseException], StoreFaultError | None]
C = TypeVar("C", bound=type)


def translate_faults(classify: Classifier) -> Callable[[C], C]:
    """Class decorator: every public method re-raises what `classify` recognises as a
    `StoreFaultError` (chained to the driver's exception, for the log)."""

    def decorate(cls: C) -> C:
        for name, member in list(vars(cls).items()):
            if name.startswith("_") or not callable(member):
                continue
            setattr(cls, name, _translating(member, classify))
        return cls

    return decorate


def _translating(method: Callable[..., Any], classify: Classifier) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except StoreFaultError:
            raise
        except Exception as exc:
            fault = classify(exc)
            if fault is None:
                raise
            raise fault from exc

    return wrapper
