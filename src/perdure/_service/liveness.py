"""How the process's long-running loops are doing, for `/health`.

A loop (the scheduler, the dispatcher, a lease keeper) reports each pass: `ok()` after a
good one, `failed(exc)` after one that raised. A loop that stops reporting is as bad as
one that fails: `/health` turns unhealthy when a loop's last good pass is older than its
`stale_after` bound, which catches a loop that died or hangs, not only one that errs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from perdure._clock import monotonic


@dataclass(frozen=True)
class LoopStatus:
    name: str
    healthy: bool
    seconds_since_ok: float | None
    error: str | None
    failing_for: float | None


class LoopHealth:
    def __init__(self, name: str, stale_after: float) -> None:
        self.name = name
        self.stale_after = stale_after
        self._lock = threading.Lock()
        self._started = monotonic()
        self._last_ok: float | None = None
        self._error: str | None = None
        self._failing_since: float | None = None

    def ok(self) -> bool:
        """Record a good pass; True if the loop was failing until now (log the recovery)."""
        with self._lock:
            recovered = self._error is not None
            self._last_ok = monotonic()
            self._error = None
            self._failing_since = None
        return recovered

    def failed(self, exc: BaseException) -> bool:
        """Record a failed pass; True if its cause differs from the last one (log it once,
        not on every retry)."""
        cause = f"{type(exc).__name__}: {exc}"
        with self._lock:
            new = cause != self._error
            self._error = cause
            if self._failing_since is None:
                self._failing_since = monotonic()
        return new

    def status(self) -> LoopStatus:
        now = monotonic()
        with self._lock:
            since_ok = None if self._last_ok is None else now - self._last_ok
            reference = self._last_ok if self._last_ok is not None else self._started
            stale = now - reference > self.stale_after
            failing_for = None if self._failing_since is None else now - self._failing_since
            return LoopStatus(
                name=self.name,
                healthy=self._error is None and not stale,
                seconds_since_ok=since_ok,
                error=self._error
                or (f"no good pass for {now - reference:.1f} s" if stale else None),
                failing_for=failing_for,
            )


class Liveness:
    """The loops of one process, by name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loops: dict[str, LoopHealth] = {}

    def loop(self, name: str, stale_after: float = 15.0) -> LoopHealth:
        with self._lock:
            health = self._loops.get(name)
            if health is None:
                health = self._loops[name] = LoopHealth(name, stale_after)
            return health

    def forget(self, name: str) -> None:
        with self._lock:
            self._loops.pop(name, None)

    def statuses(self) -> list[LoopStatus]:
        with self._lock:
            loops = list(self._loops.values())
        return [loop.status() for loop in loops]
