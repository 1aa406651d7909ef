"""One thread per process that wakes batchers whose queued updates are due to be sent.

Why: a sequential handler's updates leave in checkpoints its own thread sends (a step's
async START rides with the sync SUCCEED that follows it), so most invocations never need
a collector thread of their own, and starting one per invocation cost a thread start and
a hand-off each. But an async update may also be left waiting (a long step after its
START, an async-only tail before a suspension); a batch holding one must still close
after its quiet gap, or its window. So a batcher that has queued async updates and no
collector registers here when they fall due, and when that time comes it is asked
whether they are still waiting; only then does it start its collector, which sends them
by the usual rules.

The thread sleeps until the earliest registered time and is woken only when a new one
comes before it, so a steady stream of short invocations wakes it about once per quiet
gap, not once per invocation.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
from collections.abc import Callable

from perdure._clock import monotonic

log = logging.getLogger("perdure.checkpoint")

# Called when its time comes; returns the monotonic time to be called again, or None.
Due = Callable[[], "float | None"]


class BatchDeadlines:
    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, Due]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._waiting_until: float | None = None  # the thread's current wake-up, if asleep

    def call_at(self, at: float, due: Due) -> None:
        """Call `due()` at monotonic time `at` (or soon after), on this class's thread."""
        with self._cond:
            heapq.heappush(self._heap, (at, next(self._seq), due))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="perdure-batch-deadlines", daemon=True
                )
                self._thread.start()
            elif self._waiting_until is None or at < self._waiting_until:
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    now = monotonic()
                    if self._heap and self._heap[0][0] <= now:
                        due = heapq.heappop(self._heap)[2]
                        break
                    self._waiting_until = self._heap[0][0] if self._heap else None
                    self._cond.wait(None if not self._heap else self._heap[0][0] - now)
                    self._waiting_until = None
            try:
                again = due()
            except Exception:  # one batcher's fault must not stop the others' deadlines
                log.exception("a checkpoint batch deadline failed")
                continue
            if again is not None:
                self.call_at(again, due)

    def _forget(self) -> None:
        """In a forked child: the parent's thread and deadlines did not come along."""
        self._cond = threading.Condition(threading.Lock())
        self._heap = []
        self._thread = None
        self._waiting_until = None


# The process's one instance: every batcher shares its thread.
DEADLINES = BatchDeadlines()
if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=DEADLINES._forget)
