"""The clients' side of a chaos run: start executions and answer their callbacks,
carrying on through every fault.

Starts are named (`X-Amz-Durable-Execution-Name`), so a start whose answer was lost
in a crash is simply sent again: the API returns the execution it already made, or
makes it now. An execution counts as accepted once the API has answered with its ARN;
the invariants then require it to exist and to settle.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perdure.client import DurableClient
from perdure.errors import ApiError
from tests.chaos.handlers import WORKLOAD
from tests.chaos.invariants import record_lines

CALL_TIMEOUT = 12.0  # seconds per request: a locked database makes the API wait 10 s


@dataclass(frozen=True)
class Start:
    name: str
    function: str
    input: dict[str, Any]


@dataclass
class Workload:
    """Starts executions against `url` and completes the callbacks they ask for."""

    url: str
    record: Path
    rng: random.Random
    prefix: str = "c"
    accepted: dict[str, str] = field(default_factory=dict)  # ARN -> function
    accepted_at: dict[str, float] = field(default_factory=dict)  # ARN -> monotonic
    refused: int = 0  # start attempts that failed (each is sent again later)
    answered: set[str] = field(default_factory=set)
    _pending: deque[Start] = field(default_factory=deque)
    _count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # The driver's thread and the settling loop both send: one at a time.
    _sending: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._client = DurableClient.connect(self.url, token="", timeout=CALL_TIMEOUT)

    def close(self) -> None:
        self._client.close()

    def plan(self, function: str | None = None, **extra: Any) -> Start:
        """Queue one more start (of a random workload function unless named)."""
        self._count += 1
        name = f"{self.prefix}-{self._count}"
        chosen = function or self.rng.choice(WORKLOAD)
        start = Start(name, chosen, {"key": name, **extra})
        self._pending.append(start)
        return start

    def send_starts(self, limit: int = 1_000) -> int:
        """Send queued starts in order until one fails; the number accepted."""
        with self._sending:
            return self._send_starts(limit)

    def _send_starts(self, limit: int) -> int:
        sent = 0
        while self._pending and sent < limit:
            start = self._pending[0]
            try:
                arn = self._client.start(start.function, start.input, name=start.name)
            except (ConnectionError, ApiError, TimeoutError, OSError):
                self.refused += 1
                return sent
            self._pending.popleft()
            with self._lock:
                self.accepted[arn] = start.function
                self.accepted_at[arn] = time.monotonic()
            sent += 1
        return sent

    @property
    def planned(self) -> int:
        return self._count

    @property
    def unsent(self) -> int:
        return len(self._pending)

    def answer_callbacks(self) -> int:
        """Complete every callback the handlers announced and we have not answered;
        the number answered now. Failures are tried again on the next call."""
        with self._sending:
            return self._answer_callbacks()

    def _answer_callbacks(self) -> int:
        done = 0
        for what, key, callback_id, *_ in record_lines(self.record):
            if what != "callback" or callback_id in self.answered:
                continue
            try:
                self._client.send_callback_success(callback_id, json.dumps(f"ok {key}"))
            except ApiError as exc:
                if int(getattr(exc, "status", 500)) >= 500:
                    continue  # the server could not do it now: again later
            except (ConnectionError, TimeoutError, OSError):
                continue
            self.answered.add(callback_id)  # done, or refused for good (already answered)
            done += 1
        return done

    def snapshot(self) -> dict[str, str]:
        with self._lock:
            return dict(self.accepted)


class Driver:
    """Runs a workload on a thread: starts about `rate` executions a second (while
    `starting` is set) and answers callbacks, until `stop()`."""

    def __init__(self, workload: Workload, rate: float, cap: int) -> None:
        self.workload = workload
        self.rate = rate
        self.cap = cap
        self.starting = threading.Event()
        self.starting.set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chaos-workload", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(60)

    def _run(self) -> None:
        interval = 1.0 / self.rate
        while not self._stop.is_set():
            w = self.workload
            if self.starting.is_set() and w.planned < self.cap:
                w.plan()
            w.send_starts()
            w.answer_callbacks()
            self._stop.wait(interval)
