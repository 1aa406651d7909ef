"""Running AWS Lambda handlers the way Lambda runs them.

`LambdaInvoker` calls `module.handler(event, context)` in a process of its own, where
the event is the durable invocation envelope exactly as Lambda sends it and the context
is a Lambda context object (`lambda_function.invocation_context`). The handler's SDK,
AWS's own and unmodified, checkpoints and reads state over HTTP through Perdure's
durable-execution API, which it finds through `AWS_ENDPOINT_URL_LAMBDA`, signing its
requests with the access key Perdure put in its environment
(`lambda_function.handler_environment`). Nothing of Perdure runs in that process but a
small stdlib-only runtime loop (`lambda_bootstrap`).

What Lambda does, this does:

- **Warm environments.** A process imports the handler once (the init phase) and then
  serves invocations one at a time for as long as it stays healthy; an idle one is
  reused by the next invocation of its function. Several invocations at once get
  several processes. A handler error leaves its process warm, as on Lambda.
- **The outcome is read as Lambda reads it**: the return value, JSON, is the
  invocation's output (`{"Status": "SUCCEEDED"|"FAILED"|"PENDING", ...}`, validated
  as the service validates it); a raised error is a function error, a failed
  invocation that the service retries. So is an init error (`Runtime.ImportModuleError`,
  `Runtime.HandlerNotFound`, ...).
- **Timeouts.** An invocation still running at its deadline is killed, with its whole
  process group, and is a failed invocation (`Sandbox.Timedout`, "Task timed out after
  N seconds"); a process that dies (`os._exit`, a signal, the OOM killer) is one too
  (`Runtime.ExitError`, as the child-process invoker reports it). Either way the
  process is replaced by a fresh one on the next invocation.
- **Logs.** What the handler writes to stdout and stderr, and its Python logging
  (formatted as Lambda formats it), goes to the log sink of the invocation's
  execution when there is one, one record per line (a JSON line is the record itself),
  and to this process's stderr otherwise.

Node.js handlers run in the same pool, with the same envelope, context, environment,
timeouts and outcomes: only their environment differs, a `node` process polling a Lambda
Runtime API that Perdure serves for it (`lambda_node.NodeEnvironment`), chosen by the
function's runtime.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import selectors
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from perdure._clock import SystemClock, monotonic
from perdure._model import ErrorObject, InvocationInput
from perdure._runtime.invokers import Outcome, outcome_of
from perdure._runtime.lambda_function import (
    NODEJS,
    HandlerAccess,
    LambdaFunction,
    handler_environment,
    invocation_context,
    log_stream_name,
)
from perdure._runtime.lambda_node import NodeEnvironment, find_node
from perdure._runtime.lambda_output import LogSink, OutputPump, stderr_line, timed_out
from perdure._runtime.process_invoker import exit_failure
from perdure._runtime.registry import Handler
from perdure._runtime.warm_process import EXIT_GRACE_SECONDS, WarmProcess
from perdure._wire.envelope import invocation_input_to_json

log = logging.getLogger("perdure.lambda")

BOOTSTRAP = Path(__file__).with_name("lambda_bootstrap.py")
# Loads the bootstrap by its path, so the handler's process imports no Perdure package.
_LAUNCH = (
    "import importlib.util, sys\n"
    "spec = importlib.util.spec_from_file_location('perdure_lambda_runtime', sys.argv[1])\n"
    "runtime = importlib.util.module_from_spec(spec)\n"
    "sys.modules[spec.name] = runtime\n"
    "spec.loader.exec_module(runtime)\n"
    "sys.exit(runtime.main(sys.argv[2:]))\n"
)
# How long the output of a finished invocation may trail its reply.
_OUTPUT_GRACE_SECONDS = 2.0


class LambdaInitError(Exception):
    """A handler that cannot start: its module does not import, the handler is missing
    or not callable, or its process died or hung while importing."""

    def __init__(self, function: LambdaFunction, error: ErrorObject) -> None:
        super().__init__(
            f"function {function.name} ({function.handler}): {error.type}: {error.message}"
        )
        self.function = function
        self.error = error


class _TimedOut(Exception):
    pass


class Environment(Protocol):
    """One warm execution environment of a function, whatever runs its handler."""

    fn: LambdaFunction
    log_stream: str

    @property
    def pid(self) -> int: ...

    @property
    def alive(self) -> bool: ...

    def wait_ready(self, timeout: float, request_id: str) -> ErrorObject | None: ...

    def invoke(
        self, request: Mapping[str, Any], request_id: str, sink: LogSink | None
    ) -> Outcome: ...

    def kill(self) -> None: ...

    def close(self) -> None: ...


class _HandlerProcess(WarmProcess):
    """One warm environment: a process running `lambda_bootstrap` for one handler."""

    def __init__(
        self,
        fn: LambdaFunction,
        access: HandlerAccess,
        python: str,
        environ: Mapping[str, str],
        default_output: Callable[[str], None],
    ) -> None:
        self.fn = fn
        self.log_stream = log_stream_name(fn.version, dt.datetime.now(dt.UTC))
        env = handler_environment(fn, access, log_stream=self.log_stream, inherited=environ)
        # The folders this process imports from (the current one, those of the files the
        # command was given), so the handler's module is found as it was here.
        paths = [entry or os.getcwd() for entry in sys.path]
        extra = env.get("PYTHONPATH")
        # A function with a folder of its own (a template's CodeUri) runs in it and
        # imports from it first, as Lambda runs a handler in its task root.
        root = str(Path(fn.task_root).resolve()) if fn.task_root else None
        if root is not None:
            env["LAMBDA_TASK_ROOT"] = root
        env["PYTHONPATH"] = os.pathsep.join(
            [*([root] if root else []), *([extra] if extra else []), *paths]
        )
        inbox_r, inbox_w = os.pipe()
        outbox_r, outbox_w = os.pipe()
        life_r, life_w = os.pipe()
        ours = (inbox_r, outbox_w, life_r)
        try:
            self._proc = subprocess.Popen(
                [python, "-c", _LAUNCH, str(BOOTSTRAP), fn.handler, *map(str, ours)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=ours,
                env=env,
                cwd=root,
                # Its own process group: a timeout kills what the handler started too,
                # and Ctrl-C at the terminal is the worker's to handle, not the handler's.
                start_new_session=True,
            )
        except BaseException:
            for fd in (inbox_w, outbox_r, life_w):
                os.close(fd)
            raise
        finally:
            for fd in ours:
                os.close(fd)
        self._inbox = os.fdopen(inbox_w, "wb")
        self._outbox = outbox_r
        self._lifeline = life_w
        self._buffer = b""
        self._selector = selectors.DefaultSelector()
        self._selector.register(outbox_r, selectors.EVENT_READ)
        assert self._proc.stdout is not None
        self._output = OutputPump(
            self._proc.stdout, f"perdure-lambda-output-{self.pid}", default_output
        )

    # -- the init phase and invocations ------------------------------------------------

    def wait_ready(self, timeout: float, request_id: str) -> ErrorObject | None:
        """None once the handler is imported, else why it cannot run."""
        try:
            message = self._receive(monotonic() + timeout)
        except _TimedOut:
            self.kill()
            return ErrorObject(
                f"RequestId: {request_id} Error: the handler's init phase did not finish "
                f"within {timeout:.2f} seconds",
                "Sandbox.Timedout",
            )
        if message is None:
            return exit_failure(request_id, self._wait_exit())
        if message.get("op") == "ready":
            return None
        error = message.get("error") or {}
        self.kill()
        return ErrorObject(
            str(error.get("errorMessage", "")),
            str(error.get("errorType", "Runtime.Unknown")),
            None,
            list(error.get("stackTrace") or []) or None,
        )

    def invoke(self, request: Mapping[str, Any], request_id: str, sink: LogSink | None) -> Outcome:
        deadline = monotonic() + self.fn.timeout_seconds
        self._output.attach(request_id, sink)
        try:
            try:
                self._inbox.write(json.dumps(request).encode("utf-8") + b"\n")
                self._inbox.flush()
                message = self._receive(deadline)
            except (BrokenPipeError, ConnectionResetError):
                message = None
            except _TimedOut:
                self.kill()
                return Outcome(None, timed_out(request_id, self.fn.timeout_seconds))
            if message is None:
                return Outcome(None, exit_failure(request_id, self._wait_exit()))
            self._output.wait_end(_OUTPUT_GRACE_SECONDS)
            return _outcome(message)
        finally:
            self._output.detach()

    # -- ending ------------------------------------------------------------------------

    def close(self) -> None:
        """Let the runtime loop end (end-of-file on its control pipe), then kill it if
        it has not within a grace period."""
        try:
            self._inbox.close()
        except OSError:
            pass
        try:
            self._proc.wait(EXIT_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        self.kill()

    def _release(self) -> None:
        for close in (self._inbox.close, self._selector.close):
            try:
                close()
            except OSError:
                pass
        for fd in (self._outbox, self._lifeline):
            try:
                os.close(fd)
            except OSError:
                pass
        self._outbox = self._lifeline = -1

    # -- the pipes ---------------------------------------------------------------------

    def _receive(self, deadline: float | None) -> dict[str, Any] | None:
        """The next message from the runtime; None at end-of-file (it died)."""
        while b"\n" not in self._buffer:
            timeout = None if deadline is None else deadline - monotonic()
            if timeout is not None and timeout <= 0:
                raise _TimedOut
            if not self._selector.select(timeout):
                raise _TimedOut
            chunk = os.read(self._outbox, 1 << 16)
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        message: dict[str, Any] = json.loads(line)
        return message


def _outcome(message: Mapping[str, Any]) -> Outcome:
    if message.get("op") == "result":
        return outcome_of(message.get("result"))
    error = message.get("error") or {}
    return Outcome(
        None,
        ErrorObject(
            str(error.get("errorMessage", "")),
            str(error.get("errorType", "Unknown")),
            None,
            list(error.get("stackTrace") or []) or None,
        ),
    )


class LambdaInvoker:
    """Runs the functions in `functions` (by name) in warm handler processes. `access`
    is how their SDKs reach the API; `log_sink` gives the sink for an execution's log
    records (by ARN), or None to write them to stderr. `python` is the interpreter of
    Python handlers (this one's by default: AWS's SDK must be installed in it); Node.js
    handlers run on the `node` on PATH, and NodeNotFoundError says so at once when
    there is none."""

    def __init__(
        self,
        functions: Mapping[str, LambdaFunction],
        access: HandlerAccess,
        log_sink: Callable[[str], LogSink | None] | None = None,
        *,
        python: str | None = None,
        environ: Mapping[str, str] | None = None,
        output: Callable[[str], None] = stderr_line,
    ) -> None:
        self.functions = dict(functions)
        self._access = access
        self._log_sink = log_sink
        self._python = python or sys.executable
        self._environ = dict(os.environ if environ is None else environ)
        needs_node = any(fn.family == NODEJS for fn in self.functions.values())
        self._node = find_node(self._environ) if needs_node else None
        self._output = output
        self._lock = threading.Lock()
        self._idle: dict[str, list[Environment]] = {name: [] for name in self.functions}
        self._busy: set[Environment] = set()
        self._closed = False

    def start(self) -> None:
        """Start one warm process per function now, so that a handler that cannot be
        imported is an error at start (LambdaInitError) rather than a failed
        invocation later."""
        for fn in self.functions.values():
            proc = self._spawn(fn)
            problem = proc.wait_ready(fn.timeout_seconds, "init")
            if problem is not None:
                raise LambdaInitError(fn, problem)
            self._give_back(proc)

    def invoke(
        self, function_name: str, target: Handler | str, inp: InvocationInput, request_id: str
    ) -> Outcome:
        fn = self.functions.get(function_name)
        if fn is None:
            return Outcome(
                None,
                ErrorObject(
                    f"Function not found among the Lambda handlers: {function_name}",
                    "ResourceNotFoundException",
                ),
            )
        proc = self._take(fn)
        if proc is None:
            proc = self._spawn(fn)
            problem = proc.wait_ready(fn.timeout_seconds, request_id)
            if problem is not None:
                self._forget(proc)
                return Outcome(None, problem)
        deadline_ms = SystemClock().now_ms() + int(fn.timeout_seconds * 1000)
        request = {
            "event": invocation_input_to_json(inp),
            "context": invocation_context(
                fn,
                durable_execution_arn=inp.durable_execution_arn,
                request_id=request_id,
                deadline_ms=deadline_ms,
                log_stream=proc.log_stream,
            ),
        }
        sink = self._log_sink(inp.durable_execution_arn) if self._log_sink else None
        try:
            outcome = proc.invoke(request, request_id, sink)
        except BaseException:
            proc.kill()
            self._forget(proc)
            raise
        # A handler error leaves the process warm, as on Lambda; a timeout or a crash
        # has ended it already.
        if proc.alive:
            self._give_back(proc)
        else:
            self._forget(proc)
        return outcome

    def close(self) -> None:
        """End every handler process: idle ones now, busy ones as their invocations end."""
        with self._lock:
            self._closed = True
            idle = [p for procs in self._idle.values() for p in procs]
            for procs in self._idle.values():
                procs.clear()
        for proc in idle:
            proc.close()

    def processes(self, function_name: str) -> list[int]:
        """The pids of the function's idle warm processes (for tests and diagnostics)."""
        with self._lock:
            return [p.pid for p in self._idle.get(function_name, [])]

    # -- the pool ----------------------------------------------------------------------

    def _spawn(self, fn: LambdaFunction) -> Environment:
        proc: Environment
        if fn.family == NODEJS:
            assert self._node is not None
            proc = NodeEnvironment(fn, self._access, self._node, self._environ, self._output)
        else:
            proc = _HandlerProcess(fn, self._access, self._python, self._environ, self._output)
        with self._lock:
            self._busy.add(proc)
        log.debug("started a handler process for %s (pid %d)", fn.name, proc.pid)
        return proc

    def _take(self, fn: LambdaFunction) -> Environment | None:
        with self._lock:
            idle = self._idle[fn.name]
            while idle:
                proc = idle.pop()
                if proc.alive:
                    self._busy.add(proc)
                    return proc
                proc.kill()
        return None

    def _give_back(self, proc: Environment) -> None:
        with self._lock:
            self._busy.discard(proc)
            if not self._closed and proc.alive:
                self._idle[proc.fn.name].append(proc)
                return
        proc.close()

    def _forget(self, proc: Environment) -> None:
        with self._lock:
            self._busy.discard(proc)
