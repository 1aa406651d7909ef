"""The only door to time: reading the clock and sleeping.

`SystemClock` is real time. `ManualClock` is virtual time for the local test runner: it
never moves on its own; the runner advances it to the next due timer when nothing else
can make progress, so a day-long wait costs no wall time.

Code that waits for "whichever comes first: a notification, or a time on this clock"
asks the clock (`wait_until`), so product code never tests which clock it was given.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Current time in integer epoch milliseconds."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block the calling thread for `seconds` of this clock's time."""
        ...

    def wait_until(
        self, cond: threading.Condition, at_ms: int | None, timeout: float | None = None
    ) -> None:
        """Wait on `cond`, which the caller holds, until it is notified, this clock reaches
        `at_ms` or `timeout` real seconds pass (None: no such bound). It may return
        sooner, as `Condition.wait` may, so callers check what they wait for again."""
        ...


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def wait_until(
        self, cond: threading.Condition, at_ms: int | None, timeout: float | None = None
    ) -> None:
        cond.wait(_sooner(timeout, _seconds_until(self, at_ms)))


class ManualClock:
    """Virtual time. `sleep` blocks until another thread advances the clock far enough."""

    def __init__(self, start_ms: int | None = None) -> None:
        self._now = start_ms if start_ms is not None else time.time_ns() // 1_000_000
        self._cond = threading.Condition()

    def now_ms(self) -> int:
        with self._cond:
            return self._now

    def advance_to(self, when_ms: int) -> None:
        with self._cond:
            if when_ms > self._now:
                self._now = when_ms
                self._cond.notify_all()

    def advance(self, seconds: float) -> None:
        with self._cond:
            self._now += int(seconds * 1000)
            self._cond.notify_all()

    def sleep(self, seconds: float) -> None:
        with self._cond:
            target = self._now + int(seconds * 1000)
            while self._now < target:
                self._cond.wait(_VIRTUAL_POLL_S)

    def wait_until(
        self, cond: threading.Condition, at_ms: int | None, timeout: float | None = None
    ) -> None:
        """Virtual time jumps without notifying `cond`, so a wait for a clock time is cut
        into short real-time slices; the caller, checking again, sees the jump."""
        until = _seconds_until(self, at_ms)
        cond.wait(_sooner(timeout, None if until is None else min(until, _VIRTUAL_POLL_S)))


_VIRTUAL_POLL_S = 0.05  # how often a wait for a virtual time reads the clock again


def _seconds_until(clock: Clock, at_ms: int | None) -> float | None:
    return None if at_ms is None else max(0.0, (at_ms - clock.now_ms()) / 1000)


def _sooner(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def monotonic() -> float:
    """Real elapsed-time source for timeouts and benchmarks (never virtual)."""
    return time.monotonic()


def real_sleep(seconds: float) -> None:
    """Sleep in real time regardless of any virtual clock (polling loops)."""
    if seconds > 0:
        time.sleep(seconds)
