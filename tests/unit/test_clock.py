"""Clock.wait_until: a wait on a condition that also ends at a time on the clock, real or
virtual, so code that waits for a clock time never asks which clock it has."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from perdure._clock import Clock, ManualClock, SystemClock


def _elapsed(wait: Callable[[], None]) -> float:
    start = time.monotonic()
    wait()
    return time.monotonic() - start


def _wait(clock: Clock, at_ms: int | None, timeout: float | None = None) -> Callable[[], None]:
    cond = threading.Condition()

    def wait() -> None:
        with cond:
            clock.wait_until(cond, at_ms, timeout)

    return wait


def test_the_system_clock_waits_until_its_time_in_real_time() -> None:
    clock = SystemClock()
    assert 0.15 <= _elapsed(_wait(clock, clock.now_ms() + 200)) < 2


def test_a_time_already_passed_does_not_wait() -> None:
    for clock in (SystemClock(), ManualClock(5_000)):
        assert _elapsed(_wait(clock, clock.now_ms() - 1_000, timeout=5)) < 1


def test_the_timeout_ends_a_wait_for_a_later_time() -> None:
    clock = SystemClock()
    assert 0.05 <= _elapsed(_wait(clock, clock.now_ms() + 60_000, timeout=0.1)) < 2


def test_a_notification_ends_the_wait_before_its_time() -> None:
    clock = SystemClock()
    cond = threading.Condition()

    def notify_soon() -> None:
        time.sleep(0.1)
        with cond:
            cond.notify_all()

    def wait() -> None:
        with cond:
            threading.Thread(target=notify_soon).start()
            clock.wait_until(cond, clock.now_ms() + 60_000)

    assert _elapsed(wait) < 5


def test_a_manual_clock_does_not_wait_its_virtual_time_in_real_time() -> None:
    clock = ManualClock(0)
    assert _elapsed(_wait(clock, 3_600_000)) < 1  # an hour away: one short slice, not an hour


def test_a_wait_on_a_manual_clock_sees_the_clock_advanced_without_a_notification() -> None:
    clock = ManualClock(0)
    cond = threading.Condition()
    due = 86_400_000

    def advance_soon() -> None:
        time.sleep(0.1)
        clock.advance_to(due)  # moves the clock; nobody notifies `cond`

    def wait_for_due() -> None:
        with cond:
            threading.Thread(target=advance_soon).start()
            while clock.now_ms() < due:
                clock.wait_until(cond, due)

    assert _elapsed(wait_for_due) < 5
