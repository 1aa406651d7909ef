"""Calls that must not wait for a lock held elsewhere.

The API runs a remote step's checkpoint on its event loop's thread when nothing else
needs that thread (`perdure._api.threads`), which saves the hand-off to a pool thread.
Waiting there would stall every other request: for another process's write
transaction up to the busy timeout (seconds), or for a thread of this process that
holds the connection while it waits for that lock itself. So inside `without_waiting`
the locks on a commit's path are taken only if they are free, and SQLite's write lock
without its busy timeout; where one is not, `WouldWait` is raised and the caller runs
the call again where it may wait.

`WouldWait` is raised only before the call's first commit: once that is durable,
waiting is allowed again (`waited_enough`), since running the call again could repeat
what it has done.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar
from types import TracebackType

_FORBIDDEN: ContextVar[bool] = ContextVar("perdure_waiting_forbidden", default=False)


class WouldWait(Exception):
    """A lock the call needed was held, and waiting was forbidden. Nothing was written."""


def forbid_waiting() -> None:
    """From now on in this context (a copy made for one call), locks are taken only if
    free."""
    _FORBIDDEN.set(True)


def waiting_forbidden() -> bool:
    return _FORBIDDEN.get()


def waited_enough() -> None:
    """A commit of the call is durable: from here it may wait like any other."""
    if _FORBIDDEN.get():
        _FORBIDDEN.set(False)


class WaitAwareLock:
    """A re-entrant lock that, where waiting is forbidden, is taken only if free."""

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def __enter__(self) -> None:
        if _FORBIDDEN.get():
            if not self._lock.acquire(blocking=False):
                raise WouldWait("a lock on the database connection is held")
        else:
            self._lock.acquire()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._lock.release()
