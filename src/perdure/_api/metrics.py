"""In-process metrics for `/metrics`, in the Prometheus text exposition format (0.0.4).

Counters that only the HTTP layer sees (requests by operation and status, Invoke calls,
checkpoint latency) are kept here, fed by the app as it answers. Counts that the store
already knows (executions by status, due timers, queued and running invocations,
expired leases) are read from it when scraped, so they are right across restarts and
across processes sharing one database. No client library: the format is a few lines.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping

from perdure._model import ExecutionStatus
from perdure._service.monitoring import StoreStats

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(pairs: Mapping[str, str]) -> str:
    if not pairs:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in pairs.items())
    return "{" + inner + "}"


def _number(value: float) -> str:
    return repr(float(value)) if isinstance(value, float) else str(value)


class Histogram:
    def __init__(self, buckets: Iterable[float]) -> None:
        self.bounds = tuple(buckets)
        self.counts = [0] * len(self.bounds)
        self.total = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        for i, bound in enumerate(self.bounds):
            if value <= bound:
                self.counts[i] += 1
        self.total += 1
        self.sum += value


class Metrics:
    """Thread-safe: routes run on worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[tuple[str, int]] = Counter()
        self.invocations: Counter[tuple[str, str]] = Counter()
        self.checkpoint_latency = Histogram(LATENCY_BUCKETS)

    def request(self, operation: str, status: int) -> None:
        with self._lock:
            self.requests[(operation, status)] += 1

    def invocation(self, invocation_type: str, outcome: str) -> None:
        with self._lock:
            self.invocations[(invocation_type, outcome)] += 1

    def checkpoint(self, seconds: float) -> None:
        with self._lock:
            self.checkpoint_latency.observe(seconds)

    def render(self, stats: StoreStats | None) -> str:
        out = _Writer()
        with self._lock:
            out.family("perdure_http_requests_total", "counter", "HTTP requests by operation.")
            for (operation, status), n in sorted(self.requests.items()):
                labels = {"operation": operation, "status": str(status)}
                out.sample("perdure_http_requests_total", labels, n)
            out.family("perdure_invocations_total", "counter", "Invoke calls by type and outcome.")
            for (kind, outcome), n in sorted(self.invocations.items()):
                out.sample("perdure_invocations_total", {"type": kind, "outcome": outcome}, n)
            h = self.checkpoint_latency
            name = "perdure_checkpoint_duration_seconds"
            out.family(name, "histogram", "Time to answer CheckpointDurableExecution.")
            for bound, count in zip(h.bounds, h.counts, strict=True):
                out.sample(f"{name}_bucket", {"le": repr(bound)}, count)
            out.sample(f"{name}_bucket", {"le": "+Inf"}, h.total)
            out.sample(f"{name}_sum", {}, h.sum)
            out.sample(f"{name}_count", {}, h.total)
        if stats is not None:
            _store_lines(stats, out)
        return "\n".join(out.lines) + "\n"


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")

    def sample(self, name: str, labels: Mapping[str, str], value: float) -> None:
        self.lines.append(f"{name}{_labels(labels)} {_number(value)}")


def _store_lines(stats: StoreStats, out: _Writer) -> None:
    out.family("perdure_executions", "gauge", "Durable executions by status.")
    for status in ExecutionStatus:
        count = stats.executions_by_status.get(status.value, 0)
        out.sample("perdure_executions", {"status": status.value}, count)
    gauges = (
        ("perdure_due_timers", "Timers past their due time and not yet fired.", stats.due_timers),
        (
            "perdure_queued_invocations",
            "Invocations waiting for a worker.",
            stats.queued_invocations,
        ),
        ("perdure_running_invocations", "Invocations a worker holds.", stats.running_invocations),
        (
            "perdure_expired_leases",
            "Running invocations whose worker lease has expired (worker presumed dead).",
            stats.expired_leases,
        ),
    )
    for name, help_text, value in gauges:
        out.family(name, "gauge", help_text)
        out.sample(name, {}, value)
