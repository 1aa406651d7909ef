"""Database faults as one error type, whatever the backend.

A store method that fails because of the database rather than the request (a lock held
past the busy timeout, a full disk, a dropped connection, an I/O error, a read-only
file) raises `StoreFaultError` with a `reason` and a message that names the cause and
what usually fixes it. Callers treat it as passing: the runtime's loops back off and
retry, the API answers a retryable 503. Each backend supplies a classifier for its
driver's exceptions; `translate_faults` applies it to every public method of the store
class, so a method added later is covered without remembering to.

Each store also keeps a `FaultLog`: the last fault any caller met, until a write
succeeds again. `/health` reports it, because a fault often shows only to writers (a
full disk, a lock: reads still succeed) and the writer may be a handler's checkpoint
rather than a loop that reports its own health.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from perdure._clock import monotonic

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


@dataclass(frozen=True)
class FaultStatus:
    """The store's last fault: its message and how long ago it was last met."""

    message: str
    reason: FaultReason
    seconds_ago: float
    failing_for: float


class FaultLog:
    """The last fault met and when, forgotten at the next successful write, or once no
    caller has met it for `quiet_seconds` (nobody is writing, so nobody is failing)."""

    def __init__(self, quiet_seconds: float = 5.0) -> None:
        self._quiet = quiet_seconds
        self._lock = threading.Lock()
        self._fault: StoreFaultError | None = None
        self._first = 0.0
        self._last = 0.0

    def met(self, fault: StoreFaultError) -> None:
        now = monotonic()
        with self._lock:
            if self._fault is None or now - self._last > self._quiet:
                self._first = now
            self._fault, self._last = fault, now

    def wrote(self) -> None:
        if self._fault is not None:
            with self._lock:
                self._fault = None

    def current(self) -> FaultStatus | None:
        now = monotonic()
        with self._lock:
            fault = self._fault
            if fault is None or now - self._last > self._quiet:
                return None
            return FaultStatus(str(fault), fault.reason, now - self._last, now - self._first)


Classifier = Callable[[BaseException], StoreFaultError | None]
C = TypeVar("C", bound=type)


def translate_faults(classify: Classifier, writes: Collection[str]) -> Callable[[C], C]:
    """Class decorator: every public method re-raises what `classify` recognises as a
    `StoreFaultError` (chained to the driver's exception, for the log) and notes it in
    the instance's `fault_log`; a method named in `writes` clears it on success. Methods
    the class inherits (a backend's `*_upkeep` mixin) are covered too, wrapped on the
    class itself, so the mixin stays as it is."""

    def decorate(cls: C) -> C:
        names = {name for klass in cls.__mro__ if klass is not object for name in vars(klass)}
        for name in sorted(names):
            member = inspect.getattr_static(cls, name)
            if name.startswith("_") or not callable(member):
                continue
            setattr(cls, name, _translating(member, classify, name in writes))
        return cls

    return decorate


def _translating(
    method: Callable[..., Any], classify: Classifier, is_write: bool
) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            result = method(self, *args, **kwargs)
        except StoreFaultError as fault:
            _note(self, fault)
            raise
        except Exception as exc:
            translated = classify(exc)
            if translated is None:
                raise
            _note(self, translated)
            raise translated from exc
        if is_write:
            log: FaultLog | None = getattr(self, "fault_log", None)
            if log is not None:
                log.wrote()
        return result

    return wrapper


def _note(store: Any, fault: StoreFaultError) -> None:
    log: FaultLog | None = getattr(store, "fault_log", None)
    if log is not None:
        log.met(fault)
