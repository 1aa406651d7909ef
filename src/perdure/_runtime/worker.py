"""A remote worker: claim invocations from a Perdure server over HTTP, run them, report.

The loop long-polls `POST /perdure/v1/invocations/claim` for as many invocations as it
has free threads, runs each on a bounded pool with an `EmbeddedInvocation` whose client
is the SDK's HTTP client (the handler checkpoints over the Lambda API, exactly as a
Lambda-style handler does), heartbeats every lease it holds every lease/3, and reports
each outcome with `.../complete`.

Crash safety needs nothing from the worker: if it dies (SIGKILL, power loss), its
leases run out, the server's scheduler records those invocations as failed
(`Runtime.LeaseExpired`) and queues them again, and their checkpoint tokens stop
working, so a worker that was only frozen can never write again. What the worker does
owe is a graceful stop: on SIGTERM (or SIGINT) it stops claiming, lets the invocations
it holds finish (heartbeating them meanwhile), reports them and exits 0. A second
signal ends it at once.

A claim refused for its credentials (401 or 403) is not retried: a wrong or missing
token stays wrong, and a worker that retried forever would look healthy while running
nothing. The worker stops as on SIGTERM and `run` raises `CredentialsRefusedError`.

The pool's threads are daemons, so a handler that never returns cannot keep the
process alive past the drain bound; its lease then expires and it is retried elsewhere.

With `isolation="process"` (the default) each invocation runs in a child process of
its own (`ProcessInvoker`), so a handler that calls `os._exit`, segfaults or is
OOM-killed fails that invocation (`Runtime.ExitError`, retried as usual) and the
worker goes on. With `"thread"` handlers run on the pool's threads, which saves a
few milliseconds per invocation but lets such a handler take the worker down.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from perdure._clock import SystemClock, monotonic, real_sleep
from perdure._config import Isolation
from perdure._model import ErrorObject
from perdure._model.durable_config import DurableConfig
from perdure._runtime import owners
from perdure._runtime.invoker_routes import InvokerRoutes
from perdure._runtime.invokers import Invoker, Outcome, ThreadInvoker
from perdure._runtime.lambda_function import HandlerAccess, LambdaFunction
from perdure._runtime.lambda_invoker import LambdaInvoker
from perdure._runtime.process_invoker import ProcessInvoker, child_targets
from perdure._runtime.registry import FUNCTION_NAME_RE, Registry, registry_from_modules
from perdure._sdk.transport.http_client import HttpDurableServiceClient
from perdure._sdk.transport.http_transport import HttpTransport, TransportError
from perdure._wire.durable_config import durable_config_to_json
from perdure._wire.envelope import invocation_input_from_json, invocation_output_to_json
from perdure._wire.operations import error_to_json
from perdure._wire.validation import WireFormatError
from perdure.errors import ApiError

log = logging.getLogger("perdure.worker")

CLAIM = "/perdure/v1/invocations/claim"
INVOCATION = "/perdure/v1/invocations/"
MAX_FUNCTIONS = 100  # the most one claim may name
AUTH_REFUSALS = frozenset({401, 403})


class CredentialsRefusedError(Exception):
    """The server refused the worker's credentials; retrying cannot help."""

    def __init__(self, endpoint: str, refusal: ApiError) -> None:
        super().__init__(
            f"{endpoint} refused the worker's credentials "
            f"({refusal.status} {refusal.code}: {refusal.message})"
        )
        self.endpoint = endpoint
        self.refusal = refusal


@dataclass
class _Held:
    """An invocation this worker holds a lease on."""

    request_id: str
    arn: str
    function_name: str
    event: Any
    lost: bool = field(default=False)
    # Its handler has returned and its outcome is being reported: a heartbeat refused now
    # is most likely refused because the report already ended the invocation.
    reporting: bool = field(default=False)


class Worker:
    """Runs the functions of `registry` for the server at `endpoint` until `stop()`."""

    def __init__(
        self,
        endpoint: str,
        registry: Registry,
        *,
        concurrency: int = 8,
        lease_seconds: int = 30,
        token: str | None = None,
        worker_id: str | None = None,
        poll_seconds: int = 5,
        drain_seconds: float = 60.0,
        isolation: Isolation = "process",
        defaults: DurableConfig | None = None,
        lambda_functions: Sequence[LambdaFunction] = (),
        lambda_access: HandlerAccess | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if not 1 <= lease_seconds <= 12 * 60 * 60:
            raise ValueError("lease_seconds must be between 1 and 43200")
        names = sorted(registry)
        if not 1 <= len(names) <= MAX_FUNCTIONS:
            raise ValueError(f"A worker runs 1 to {MAX_FUNCTIONS} functions, got {len(names)}")
        invalid = [n for n in names if not FUNCTION_NAME_RE.fullmatch(n)]
        if invalid:
            raise ValueError(f"Invalid function names (1-64 of a-z A-Z 0-9 - _): {invalid}")
        self.registry = registry
        self.worker_id = worker_id or default_worker_id()
        self._functions = names
        # Each function's DurableConfig, sent with every claim: the server starts the
        # function's executions with it (`defaults` fills what a function leaves unset).
        self._configs = {
            name: durable_config_to_json(
                (registry.config(name) or DurableConfig()).or_else(defaults or DurableConfig())
            )
            for name in names
        }
        self._concurrency = concurrency
        self._lease_seconds = lease_seconds
        self._poll_seconds = max(0, min(poll_seconds, 20))
        self._drain_seconds = drain_seconds
        self._endpoint = endpoint
        self._refused: ApiError | None = None
        self._transport = HttpTransport(endpoint, token=token, timeout=60.0)
        client = HttpDurableServiceClient(self._transport)
        # AWS Lambda handlers run in warm Lambda-style processes whose own SDK talks to
        # the server; the registry holds them under their handler setting.
        lambdas = {fn.name: fn for fn in lambda_functions}
        own = [name for name in names if name not in lambdas]
        self.lambda_invoker = (
            LambdaInvoker(lambdas, lambda_access or HandlerAccess(endpoint)) if lambdas else None
        )
        chosen: Invoker | None
        if not own:
            chosen = None
        elif isolation == "process":
            targets = child_targets({name: registry.target(name) for name in own})
            modules = {target.partition(":")[0] for target in targets.values()}
            chosen = ProcessInvoker(client, preload=modules)
        else:
            chosen = ThreadInvoker(client, SystemClock())
        self._invoker: Invoker
        if self.lambda_invoker is None:
            assert chosen is not None
            self._invoker = chosen
        else:
            self._invoker = InvokerRoutes(chosen, dict.fromkeys(lambdas, self.lambda_invoker))
        self._queue: queue.Queue[_Held | None] = queue.Queue()
        self._held: dict[str, _Held] = {}
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- control ----------------------------------------------------------------------

    def stop(self) -> None:
        """Stop claiming; `run` returns once the held invocations are finished."""
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def held(self) -> int:
        with self._changed:
            return len(self._held)

    def run(self) -> bool:
        """Claim and run until `stop()`, then drain. True if every held invocation
        finished within the drain bound. Raises CredentialsRefusedError, after draining,
        if the server refused a claim for its credentials."""
        self._start_threads()
        try:
            self._claim_loop()
            drained = self._drain()
        finally:
            for _ in range(self._concurrency):
                self._queue.put(None)
            self._transport.close()
            if self.lambda_invoker is not None:
                self.lambda_invoker.close()
        if self._refused is not None:
            raise CredentialsRefusedError(self._endpoint, self._refused)
        return drained

    # -- threads ----------------------------------------------------------------------

    def _start_threads(self) -> None:
        for i in range(self._concurrency):
            t = threading.Thread(target=self._work, name=f"perdure-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        beat = threading.Thread(target=self._heartbeat_loop, name="perdure-heartbeat", daemon=True)
        beat.start()
        self._threads.append(beat)

    def _claim_loop(self) -> None:
        backoff = 0.0
        while not self._stopping.is_set():
            with self._changed:
                while len(self._held) >= self._concurrency and not self._stopping.is_set():
                    self._changed.wait()
                free = self._concurrency - len(self._held)
            if self._stopping.is_set():
                return
            try:
                claimed = self._claim(free)
            except (ApiError, TransportError, WireFormatError, KeyError, TypeError) as exc:
                if isinstance(exc, ApiError) and exc.status in AUTH_REFUSALS:
                    self._refused = exc
                    self.stop()
                    return
                backoff = min(5.0, backoff * 2 or 0.1)
                log.warning("claim failed (retrying in %.1fs): %s", backoff, exc)
                self._stopping.wait(backoff)
                continue
            backoff = 0.0
            for held in claimed:
                with self._changed:
                    self._held[held.request_id] = held
                self._queue.put(held)

    def _claim(self, free: int) -> list[_Held]:
        body = {
            "WorkerId": self.worker_id,
            "Functions": self._functions,
            "LeaseSeconds": self._lease_seconds,
            "WaitSeconds": self._poll_seconds,
            "MaxInvocations": free,
            "DurableConfigs": self._configs,
        }
        # Not retried: a repeated claim could take invocations the first one already
        # took, and they would wait out their lease. The loop simply claims again.
        status, doc = self._transport.call(
            "POST", CLAIM, body, timeout=self._poll_seconds + 30.0, retry=False
        )
        if status == 204 or not doc:
            return []
        return [
            _Held(
                request_id=str(item["RequestId"]),
                arn=str(item["DurableExecutionArn"]),
                function_name=str(item["FunctionName"]),
                event=item["Event"],
            )
            for item in doc["Invocations"]
        ]

    def _work(self) -> None:
        while True:
            held = self._queue.get()
            if held is None:
                return
            try:
                outcome = self._invoke(held)
                held.reporting = True
                self._complete(held, outcome)
            except Exception:
                log.exception("invocation %s could not be reported", held.request_id)
            finally:
                with self._changed:
                    self._held.pop(held.request_id, None)
                    self._changed.notify_all()

    def _invoke(self, held: _Held) -> Outcome:
        if held.function_name not in self.registry:
            return Outcome(
                None,
                ErrorObject(
                    f"Function not found in this worker: {held.function_name}",
                    "ResourceNotFoundException",
                ),
            )
        try:
            inp = invocation_input_from_json(held.event)
        except WireFormatError as exc:
            return Outcome(None, ErrorObject(str(exc), "InvalidInvocationInput"))
        target = self.registry.target(held.function_name)
        return self._invoker.invoke(held.function_name, target, inp, held.request_id)

    def _complete(self, held: _Held, outcome: Outcome) -> None:
        body: dict[str, Any] = {"DurableExecutionArn": held.arn, "WorkerId": self.worker_id}
        if outcome.output is not None:
            body["Output"] = invocation_output_to_json(outcome.output)
        else:
            failure = outcome.failure or ErrorObject("The handler returned nothing", "Unknown")
            body["Error"] = error_to_json(failure)
        # Safe to repeat: a second report of the same invocation is refused (409). A
        # server that is failing for now (503: its database is locked or full) or out of
        # reach is asked again: the outcome is not thrown away for a passing fault.
        delay, deadline, last = 0.1, monotonic() + _REPORT_PATIENCE, ""
        while True:
            try:
                self._transport.call("POST", f"{INVOCATION}{held.request_id}/complete", body)
                return
            except ApiError as exc:
                if exc.status == 409:
                    log.info(
                        "invocation %s ended after its lease was lost: %s", held.request_id, exc
                    )
                    return
                if exc.status < 500 and exc.status != 429:
                    raise
                problem: Exception = exc
            except TransportError as exc:
                problem = exc
            if held.lost or monotonic() > deadline:
                raise problem
            if str(problem) != last:
                last = str(problem)
                log.warning("reporting %s failed, retrying: %s", held.request_id, problem)
            real_sleep(delay)
            delay = min(2.0, delay * 2)

    def _heartbeat_loop(self) -> None:
        interval = self._lease_seconds / 3
        while True:
            real_sleep(interval)
            with self._changed:
                if self._stopping.is_set() and not self._held:
                    return
                held = [h for h in self._held.values() if not h.lost]
            for h in held:
                self._heartbeat(h)

    def _heartbeat(self, held: _Held) -> None:
        body = {
            "DurableExecutionArn": held.arn,
            "WorkerId": self.worker_id,
            "LeaseSeconds": self._lease_seconds,
        }
        try:
            self._transport.call("POST", f"{INVOCATION}{held.request_id}/heartbeat", body)
        except ApiError as exc:
            if exc.status in (404, 409) and held.reporting:
                # The report decides what happened; it says so if the lease was lost.
                log.debug("heartbeat of reported invocation %s refused: %s", held.request_id, exc)
            elif exc.status in (404, 409):
                held.lost = True
                log.warning("lost the lease of invocation %s: %s", held.request_id, exc)
            else:
                log.warning("heartbeat of %s failed: %s", held.request_id, exc)
        except TransportError as exc:
            log.warning("heartbeat of %s failed: %s", held.request_id, exc)

    def _drain(self) -> bool:
        deadline = monotonic() + self._drain_seconds
        with self._changed:
            while self._held:
                remaining = deadline - monotonic()
                if remaining <= 0:
                    log.error(
                        "gave up waiting for %d invocation(s); their leases will expire",
                        len(self._held),
                    )
                    return False
                self._changed.wait(remaining)
        return True


# How long a finished invocation's outcome is offered to a failing server.
_REPORT_PATIENCE = 300.0


def default_worker_id() -> str:
    """host:pid:random, unique per process and readable in the lease records."""
    return owners.process_owner_id()


def run_worker(
    endpoint: str,
    modules: Sequence[str],
    *,
    concurrency: int = 8,
    lease_seconds: int = 30,
    token: str | None = None,
    poll_seconds: int = 5,
    drain_seconds: float = 60.0,
    worker_id: str | None = None,
    isolation: Isolation = "process",
    defaults: DurableConfig | None = None,
    lambda_functions: Sequence[LambdaFunction] = (),
    lambda_access: HandlerAccess | None = None,
) -> int:
    """Run a worker for the durable functions of `modules` against the server at
    `endpoint` until SIGTERM or SIGINT; the process exit code (0 once drained, 1 if
    invocations were still running at the drain bound). Call it from the main thread:
    it installs the signal handlers. Raises CredentialsRefusedError if the server
    refuses the worker's credentials. `isolation`: each invocation in a child process
    ("process") or on a thread of this one ("thread"). `lambda_functions` are AWS Lambda
    handlers, run in warm Lambda-style processes that reach the server as
    `lambda_access` says; each is imported before the first claim, and one that cannot
    be raises LambdaInitError."""
    registry = registry_from_modules(modules) if modules else Registry()
    for fn in lambda_functions:
        if fn.name in registry:
            raise ValueError(
                f"two functions are named {fn.name!r}: a durable function of the modules "
                f"and the Lambda handler {fn.handler}; name the handler NAME={fn.handler}"
            )
        registry.register(fn.name, fn.handler)
    worker = Worker(
        endpoint,
        registry,
        concurrency=concurrency,
        lease_seconds=lease_seconds,
        token=token,
        worker_id=worker_id,
        poll_seconds=poll_seconds,
        drain_seconds=drain_seconds,
        isolation=isolation,
        defaults=defaults,
        lambda_functions=lambda_functions,
        lambda_access=lambda_access,
    )
    if worker.lambda_invoker is not None:
        try:
            worker.lambda_invoker.start()
        except BaseException:
            worker.lambda_invoker.close()
            raise

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("signal %d: draining %d invocation(s)", signum, worker.held())
        worker.stop()
        # A second signal ends the process at once.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    log.info(
        "worker %s serving %s from %s", worker.worker_id, ", ".join(sorted(registry)), endpoint
    )
    try:
        return 0 if worker.run() else 1
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
