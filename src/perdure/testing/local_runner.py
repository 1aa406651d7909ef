"""Perdure's own test runner: the real engine and a SQLite store, on a clock you control."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from perdure._app import EmbeddedApp, InvokerKind, build_embedded
from perdure._clock import ManualClock, SystemClock, monotonic
from perdure._config import RetryPolicy, Synchronous
from perdure._model import (
    TERMINAL_EXECUTION_STATUSES,
    ErrorObject,
    Event,
    EventType,
    OperationSubType,
)
from perdure._model.durable_config import DurableConfig
from perdure._model.limits import DEFAULT_LIMITS, Limits
from perdure._model.state import InvocationState, TimerKind
from perdure._runtime.registry import Handler
from perdure._sdk.transport.service_client import LogSink
from perdure._service import callbacks, pause, queries, start, stop
from perdure._service.commit_signal import commit_signal
from perdure._service.context import ServiceSettings
from perdure._wire.events import event_to_json
from perdure._wire.executions import execution_to_json
from perdure._wire.json_text import parse_strict
from perdure.testing.log_capture import JsonLogCapture
from perdure.testing.result import TestResult

TimeMode = Literal["virtual", "manual", "real"]

# The longest between two looks when no commit wakes the runner (a commit that sends
# no notice is then seen this late, never missed).
_LOOK_AT_LEAST = 0.05


class DurableTestRunner:
    """Runs durable functions on the real engine and a SQLite store in a temp directory.

    `handler` is a `@durable_execution` function or a `"module:attr"` string.
    `invoker="process"` runs each invocation in a child process, so a crash is recorded
    and retried instead of ending the test run; the child imports the handler by name,
    so it must then be a module-level function (or given as the string). `functions`
    registers more functions that the handler can `context.invoke`.

    Executions are held to the same `Limits` as `perdure dev` and `perdure server`
    (AWS's values unless `limits` says otherwise) and started as an asynchronous
    Invoke is, as `perdure invoke` starts them: an input over 1 MiB is refused with
    `RequestTooLargeError`, a step result over 1 MiB fails the execution. A function's
    `DurableConfig` (from `@durable_execution(durable_config=...)` or `durable_config`
    here) sets its execution timeout and retention; unset, the timeout is a year.

    `time` picks the clock: `"virtual"` (the default) jumps to the next due timer
    whenever the runner waits and nothing else is left to do, so a day-long wait takes
    milliseconds; `"manual"` moves only through `advance`/`advance_to`; `"real"` is the
    wall clock.

    Example::

        with DurableTestRunner(handler) as runner:
            arn = runner.run_async({"order_id": "o-1"})
            callback_id = runner.wait_for_callback(arn, name="review")
            runner.send_callback_success(callback_id, '"approved"')
            result = runner.wait_for_result(arn)
        assert result.status == "SUCCEEDED"
    """

    def __init__(
        self,
        handler: Handler | str,
        *,
        functions: Mapping[str, Handler | str] | None = None,
        time: TimeMode = "virtual",
        invoker: InvokerKind = "thread",
        function_name: str = "test-function",
        db_path: str | None = None,
        synchronous: Synchronous = "NORMAL",
        max_invocation_failures: int = 5,
        limits: Limits = DEFAULT_LIMITS,
        durable_config: DurableConfig | None = None,
    ) -> None:
        if time not in ("virtual", "manual", "real"):
            raise ValueError(f"time must be 'virtual', 'manual' or 'real', not {time!r}")
        if invoker not in ("thread", "process"):
            raise ValueError(f"invoker must be 'thread' or 'process', not {invoker!r}")
        self.function_name = function_name
        self._closed = False
        self.time: TimeMode = time
        self._tmp = None if db_path else tempfile.mkdtemp(prefix="perdure-test-")
        path = db_path or str(Path(self._tmp or ".") / "perdure.db")
        self._clock = SystemClock() if time == "real" else ManualClock()
        self._logs: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        self._log_lock = threading.Lock()
        self._invoked: set[str] = set()  # executions this runner handed a log sink to
        # JSON lines logged outside the SDK logger (plugins) join get_logs: log_capture.py
        self._capture = JsonLogCapture(self._invoked.__contains__, self._append_log)
        settings = ServiceSettings(
            retry=RetryPolicy(max_consecutive_failures=max_invocation_failures),
            limits=limits,
        )
        registry: dict[str, Handler | str] = {function_name: handler, **(functions or {})}
        self._app: EmbeddedApp = build_embedded(
            path,
            registry,
            clock=self._clock,
            invoker=invoker,
            synchronous=synchronous,
            settings=settings,
            log_sink=self._sink_for,
            real_time=time == "real",
            configs={function_name: durable_config} if durable_config is not None else None,
        )
        self._capture.attach()

    # -- lifecycle --------------------------------------------------------------------

    def __enter__(self) -> DurableTestRunner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the runtime and remove the temporary database (safe to call twice)."""
        if self._closed:
            return
        self._closed = True
        self._app.close()
        self._capture.detach()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def register_function(
        self, name: str, handler: Handler | str, durable_config: DurableConfig | None = None
    ) -> None:
        """Serve one more function under `name`: a target for the handler's
        `context.invoke(name, ...)`, or one to start with `run_async(function_name=name)`."""
        self._app.registry.register(name, handler, durable_config)

    def has_function(self, name: str) -> bool:
        """Whether a function of this name is registered (the handler under test included)."""
        return name in self._app.registry

    # -- starting and waiting ---------------------------------------------------------

    def run_async(
        self,
        input: Any = None,
        *,
        name: str | None = None,
        execution_timeout: int | None = None,
        function_name: str | None = None,
    ) -> str:
        """Start an execution and return its ARN without waiting, so the test can act on
        it while it runs (answer callbacks, pause, stop) before `wait_for_result`.

        `input` is JSON-encoded (None starts it with no input); `name` is the execution
        name, `execution_timeout` in seconds overrides the function's, and
        `function_name` starts another registered function instead of the handler."""
        try:
            payload = None if input is None else json.dumps(input)
            if payload is not None:
                parse_strict(payload, "The input")  # refused as the service refuses it
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"input must be JSON-serializable (it becomes the execution's input payload): {exc}"
            ) from None
        return self.start_payload(
            payload, name=name, execution_timeout=execution_timeout, function_name=function_name
        )

    def start_payload(
        self,
        payload: str | None,
        *,
        name: str | None = None,
        execution_timeout: int | None = None,
        function_name: str | None = None,
    ) -> str:
        """`run_async` with the input given as the JSON text to store, unchanged."""
        if payload is not None:
            try:
                parse_strict(payload, "The input")  # refused as the service refuses it
            except ValueError as exc:
                raise ValueError(f"the input payload must be JSON text: {exc}") from None
        started = start.start_execution(
            self._app.ctx,
            function_name or self.function_name,
            payload,
            name=name,
            execution_timeout=execution_timeout,
        )
        return started.arn

    def run(
        self,
        input: Any = None,
        *,
        name: str | None = None,
        execution_timeout: int | None = None,
        timeout: float = 60.0,
    ) -> TestResult:
        """Start an execution and wait for it to end: `run_async` then `wait_for_result`.
        `timeout` is in seconds of wall time, however far the virtual clock moves."""
        arn = self.run_async(input, name=name, execution_timeout=execution_timeout)
        return self.wait_for_result(arn, timeout=timeout)

    def wait_for_result(self, arn: str, timeout: float = 60.0) -> TestResult:
        """Wait for the execution to end (in virtual time, moving the clock to each due
        timer) and return its result; TimeoutError after `timeout` seconds of wall time."""
        if not self._advance_until(lambda: self._is_terminal(arn), timeout):
            raise TimeoutError(f"Execution {arn} did not finish within {timeout} s of wall time")
        return self.result(arn)

    def wait_for_callback(self, arn: str, name: str | None = None, timeout: float = 60.0) -> str:
        """The id of a started callback (the latest one, or the one named `name`), once
        the invocation that created it has ended.

        `name` is the name given in the handler: `context.wait_for_callback(...,
        name="review")` creates a callback operation named `review create callback id`
        (the name AWS's SDK gives it) inside a child context named `review`; either name
        finds it. If the execution ends, or is only waiting for callbacks and its own
        execution timeout, without starting the callback asked for, this raises at once
        (naming the callbacks it did start) rather than moving the virtual clock to the
        timeout. Raises TimeoutError either way, as AWS's runner does.
        """
        found: list[str] = []

        def ready() -> bool:
            cid = self._find_callback(arn, name)
            if cid is not None:
                found.append(cid)
                return True
            return self._is_terminal(arn)

        done = self._advance_until(ready, timeout, hold_timeout_of=arn)
        if not found:
            wanted = f"named {name!r} " if name else ""
            if not done:
                raise TimeoutError(
                    f"No callback {wanted}was started by {arn} within {timeout} s of wall "
                    f"time. {self._callbacks_summary(arn)}"
                )
            raise TimeoutError(
                f"No callback {wanted}was started by {arn}: {self._why_no_more(arn)}. "
                f"{self._callbacks_summary(arn)}"
            )
        return found[0]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no invocation is running and nothing is due at the current time,
        without moving the clock: the point to inspect or act on an execution between
        invocations. False if that did not happen within `timeout` seconds."""
        return self._app.dispatcher.wait_idle(timeout)

    def now_ms(self) -> int:
        """The runner's clock, in epoch milliseconds (virtual unless `time="real"`)."""
        return self._clock.now_ms()

    def next_timer_at(self) -> int | None:
        """When the next timer or queued invocation of any execution becomes due, in
        epoch milliseconds, or None: how far `advance_to` must go for something to run."""
        return self._app.store.next_wakeup()

    def advance_to(self, when_ms: int) -> None:
        """Move the virtual or manual clock to `when_ms` (epoch milliseconds) and let
        whatever became due run; RuntimeError with `time="real"`."""
        if not isinstance(self._clock, ManualClock):
            raise RuntimeError("advance_to needs time='virtual' or time='manual'")
        self._clock.advance_to(when_ms)
        self._app.dispatcher.kick()

    def advance(self, seconds: float) -> None:
        """Move the virtual or manual clock `seconds` ahead (see `advance_to`)."""
        self.advance_to(self.now_ms() + int(seconds * 1000))

    # -- callbacks and control --------------------------------------------------------

    def send_callback_success(self, callback_id: str, result: bytes | str | None = None) -> None:
        """Complete a callback as SendDurableExecutionCallbackSuccess does: `result` is
        the answer's payload (a str is encoded as UTF-8), from which the handler's
        callback reads its result."""
        data = result.encode("utf-8") if isinstance(result, str) else result
        callbacks.send_success(self._app.ctx, callback_id, data)

    def send_callback_failure(self, callback_id: str, error: ErrorObject | None = None) -> None:
        """Fail a callback as SendDurableExecutionCallbackFailure does: the handler's
        wait for it raises a CallbackError carrying `error`."""
        callbacks.send_failure(self._app.ctx, callback_id, error)

    def send_callback_heartbeat(self, callback_id: str) -> None:
        """Record a heartbeat for a callback, as SendDurableExecutionCallbackHeartbeat
        does, so one with a heartbeat timeout does not time out yet."""
        callbacks.send_heartbeat(self._app.ctx, callback_id)

    def stop(self, arn: str, error: ErrorObject | None = None) -> None:
        """End the execution as STOPPED, as StopDurableExecution does, with `error` as
        the reason; an execution that has already ended is left as it is."""
        stop.stop_execution(self._app.ctx, arn, error)

    def pause_execution(
        self, arn: str, reason: str | None = None, execution_timeout_paused: bool = True
    ) -> None:
        """Pause as PauseDurableExecution does: PAUSING while an invocation runs, PAUSED
        from its next checkpoint on; no invocation starts until `resume_execution`."""
        pause.pause(self._app.ctx, arn, reason, execution_timeout_paused)

    def resume_execution(self, arn: str, reason: str | None = None) -> None:
        """Resume a paused (or pausing) execution: what was held while it was paused
        runs. A running one is left as it is, an ended one refused."""
        pause.resume(self._app.ctx, arn, reason)

    # -- inspection -------------------------------------------------------------------

    def get_execution(self, arn: str) -> dict[str, Any]:
        """The execution as GetDurableExecution returns it (status, input, result,
        timestamps), at this moment."""
        return execution_to_json(queries.get_execution(self._app.ctx, arn))

    def get_execution_history(self, arn: str, include_data: bool = True) -> list[dict[str, Any]]:
        """The events as the history API returns them; `include_data=False` withholds
        payloads as its `IncludeExecutionData=false` does."""
        return [
            event_to_json(e, include_data=include_data)
            for e in queries.all_events(self._app.ctx, arn)
        ]

    def get_logs(self, arn: str) -> list[Mapping[str, Any]]:
        """The records the execution logged through `context.logger` (and plugins'
        JSON log lines), in order, each as the dict the SDK logger emitted."""
        with self._log_lock:
            return list(self._logs.get(arn, ()))

    def result(self, arn: str) -> TestResult:
        """The execution as it stands now, ended or not: status, result or error, its
        operations, history and logs. `wait_for_result` returns the same once it ends."""
        ex = queries.get_execution(self._app.ctx, arn)
        _, state = self._app.ctx.load(arn)
        return TestResult(
            arn=arn,
            status=ex.status.value,
            raw_result=ex.result,
            error=ex.error,
            operations=list(state.ops.values()),
            history=self.get_execution_history(arn),
            logs=self.get_logs(arn),
        )

    # -- internals --------------------------------------------------------------------

    def _sink_for(self, arn: str) -> LogSink:
        self._invoked.add(arn)

        def sink(record: Mapping[str, Any]) -> None:
            self._append_log(arn, record)

        return sink

    def _append_log(self, arn: str, record: Mapping[str, Any]) -> None:
        with self._log_lock:
            self._logs[arn].append(dict(record))

    def _is_terminal(self, arn: str) -> bool:
        return queries.get_execution(self._app.ctx, arn).status in TERMINAL_EXECUTION_STATUSES

    def _find_callback(self, arn: str, name: str | None) -> str | None:
        events = queries.all_events(self._app.ctx, arn)
        names = _callback_names(events)
        started: dict[str, int] = {}
        last_completed = 0
        for ev in events:
            if ev.event_type is EventType.CALLBACK_STARTED and (
                name is None or name in names[str(ev.details["CallbackId"])]
            ):
                started[str(ev.details["CallbackId"])] = ev.event_id
            if ev.event_type is EventType.INVOCATION_COMPLETED:
                last_completed = ev.event_id
        ready = [cid for cid, eid in started.items() if eid < last_completed]
        return ready[-1] if ready else None

    def _callbacks_summary(self, arn: str) -> str:
        names = _callback_names(queries.all_events(self._app.ctx, arn))
        if not names:
            return "It has started no callback."
        listed = ", ".join(f"{n[0]!r} (id {cid})" for cid, n in names.items())
        return f"Callbacks it started, by the name given in the handler: {listed}."

    def _why_no_more(self, arn: str) -> str:
        status = queries.get_execution(self._app.ctx, arn).status
        if status in TERMINAL_EXECUTION_STATUSES:
            return f"the execution ended {status.value}"
        return (
            "it is waiting, and nothing but its execution timeout is due, so it cannot go "
            "on until one of its callbacks is completed"
        )

    def _only_timeout_ahead(self, arn: str) -> bool:
        """Whether the next due thing anywhere is `arn`'s own execution timeout, with no
        invocation of it running or queued: moving the clock on would only time it out."""
        _, state = self._app.ctx.load(arn)
        record = state.record
        if record.invocation is not InvocationState.IDLE:
            return False
        due = state.timers.get((record.execution.execution_id, TimerKind.EXECUTION_TIMEOUT))
        nxt = self._app.store.next_wakeup()
        return due is not None and nxt is not None and nxt >= due

    def _advance_until(
        self, done: Callable[[], bool], timeout: float, hold_timeout_of: str | None = None
    ) -> bool:
        """Run until `done()`, moving the virtual clock to each next due timer. With
        `hold_timeout_of`, never move it to that execution's timeout: return `done()` then."""
        deadline = monotonic() + timeout
        dispatcher = self._app.dispatcher
        # Woken by the service's commits rather than a timer: `done()` can only change
        # when something commits, and each look comes after noting the count, so a
        # commit in between wakes the wait instead of being missed.
        signal = commit_signal(self._app.ctx)
        while monotonic() < deadline:
            seen = signal.count
            if done():
                return True
            if self.time == "real":
                signal.wait_past(seen, min(_LOOK_AT_LEAST, max(0.0, deadline - monotonic())))
                continue
            dispatcher.wait_idle(max(0.0, deadline - monotonic()))
            if done():
                return True
            nxt = self._app.store.next_wakeup()
            if self.time == "virtual" and nxt is not None and isinstance(self._clock, ManualClock):
                if hold_timeout_of is not None and self._only_timeout_ahead(hold_timeout_of):
                    return True
                self._clock.advance_to(nxt)
                dispatcher.kick()
            else:
                signal.wait_past(seen, min(_LOOK_AT_LEAST, max(0.0, deadline - monotonic())))
        return done()


def _callback_names(events: Sequence[Event]) -> dict[str, tuple[str, ...]]:
    """Each started callback's id → the names it answers to: the one the handler gave
    first (a `wait_for_callback`'s own name, carried by its child context), then the
    callback operation's name."""
    contexts: dict[str, str] = {}
    names: dict[str, tuple[str, ...]] = {}
    for ev in events:
        if (
            ev.event_type is EventType.CONTEXT_STARTED
            and ev.sub_type == OperationSubType.WAIT_FOR_CALLBACK
            and ev.operation_id
            and ev.name
        ):
            contexts[ev.operation_id] = ev.name
        elif ev.event_type is EventType.CALLBACK_STARTED:
            own = ev.name or ""
            parent = contexts.get(ev.parent_id or "")
            names[str(ev.details["CallbackId"])] = (parent, own) if parent else (own,)
    return names
