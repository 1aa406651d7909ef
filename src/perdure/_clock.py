"""The only door to time: reading the clock and sleeping.

`SystemClock` is real time. `ManualClock` is virtual time for the local test runner: it
never moves on its own; the runner advances it to the next due timer when nothing else
can make progress, so a day-long wait costs no wall time.
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


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


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
                self._cond.wait(0.05)


def monotonic() -> float:
    """Real elapsed-time source for timeouts and benchmarks (never virtual)."""
    return time.monotonic()


def real_sleep(seconds: float) -> None:
    """Sleep in real time regardless of any virtual clock (polling loops)."""
    if seconds > 0:
        time.sleep(seconds)
