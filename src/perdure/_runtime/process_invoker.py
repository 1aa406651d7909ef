"""Running each invocation in its own child process.

The child imports the handler by `module:attribute`, runs it, and talks to the service
through this process over a pipe: checkpoint and state requests go up, answers and log
records come back (`process_child`). If the child dies (`os._exit`, a signal, a
segfault, the OOM killer), the invocation is recorded as failed with `Runtime.ExitError`
and a message naming the exit status or signal, as a crashed Lambda invocation is, and
the service retries it. The calling thread is freed as soon as the child is gone.

Children are forked from a fork server where the platform has one (Linux, macOS): a
small process started once, which has already imported Perdure and the handlers'
modules, so a child costs a fork (milliseconds) rather than a fresh interpreter and
its imports. Each invocation still gets a process of its own, so nothing one does to
its memory or its process can reach another. Elsewhere children are spawned.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from multiprocessing import forkserver
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any

from perdure._config import ConfigError
from perdure._model import ErrorObject, InvocationInput, Operation
from perdure._runtime.invokers import Outcome, outcome_of
from perdure._runtime.process_child import child_main
from perdure._runtime.registry import Handler
from perdure._sdk.transport.service_client import DurableServiceClient, LogSink
from perdure._wire.envelope import invocation_input_to_json
from perdure._wire.operations import operation_to_json, update_from_json
from perdure.errors import ApiError

# How long a child that has answered may take to exit (a handler may leave a
# non-daemon thread behind) before it is killed.
EXIT_GRACE_SECONDS = 5.0

# Process.start() is not meant to be called from several threads at once.
_start_lock = threading.Lock()


def child_target(function_name: str, target: Handler | str) -> str:
    """The `module:attribute` a child process imports to get `target`. Raises
    ConfigError when there is none: a handler made inside a function, or defined in
    the script being run (`__main__`), cannot be imported by another process."""
    if isinstance(target, str):
        return target
    module_name = getattr(target, "__module__", None)
    module = sys.modules.get(module_name) if isinstance(module_name, str) else None
    if module is not None and module_name != "__main__":
        qualname = getattr(target, "__qualname__", "")
        found: Any = module
        for part in qualname.split("."):
            found = getattr(found, part, None)
        if found is target:
            return f"{module_name}:{qualname}"
        # Registered under another name (`handler = durable_execution(other)`).
        for attr, value in vars(module).items():
            if value is target:
                return f"{module_name}:{attr}"
    raise ConfigError(
        f"function {function_name!r} cannot run in a child process: a child imports its "
        "handler by module and attribute, and this one is not a module-level attribute of "
        f"an importable module (it is {getattr(target, '__qualname__', target)!r} in "
        f"{module_name or 'no module'}). Define it at module level in a module, or run "
        "handlers in threads (--isolation thread, or invoker='thread')."
    )


def child_targets(functions: Mapping[str, Handler | str]) -> dict[str, str]:
    """`child_target` of every function, checked up front so a handler a child cannot
    import is a clear error at start, not a failed invocation later."""
    return {name: child_target(name, target) for name, target in functions.items()}


def _context(preload: Iterable[str]) -> BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    mp = multiprocessing.get_context("forkserver")
    # What the fork server imports once for all children: the handlers' modules, and
    # every Perdure module this process has loaded, which covers what multiprocessing
    # re-runs in each child when this process's main module is Perdure's (`perdure
    # dev`, `perdure worker`). Perdure's modules have no import-time effects.
    ours = [name for name in sys.modules if name == "perdure" or name.startswith("perdure.")]
    mp.set_forkserver_preload(sorted({*ours, "perdure._runtime.process_child", *preload}))
    with _start_lock:
        # The fork server starts with this process's environment but not its sys.path,
        # which names the folders of the files `perdure dev` and `perdure worker` were
        # given: lend it as PYTHONPATH. Started now, not on the first invocation, so the
        # imports overlap with the rest of start-up. One already running keeps its own
        # list, and children then import the rest themselves.
        saved = os.environ.get("PYTHONPATH")
        paths = [entry or os.getcwd() for entry in sys.path]
        os.environ["PYTHONPATH"] = os.pathsep.join(paths)
        try:
            forkserver.ensure_running()
        finally:
            if saved is None:
                del os.environ["PYTHONPATH"]
            else:
                os.environ["PYTHONPATH"] = saved
    return mp


def _ops_json(ops: Iterable[Operation]) -> list[dict[str, Any]]:
    return [operation_to_json(op, time_unit="ms") for op in ops]


def exit_failure(request_id: str, exitcode: int | None) -> ErrorObject:
    """The failure of an invocation whose process ended without an answer, in Lambda's
    words (`Runtime exited with error: exit status 3`, `signal: killed`)."""
    if exitcode is not None and exitcode < 0:
        signum = -exitcode
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = f"signal {signum}"
        described = (signal.strsignal(signum) or name).lower()
        how = f"signal: {described} ({name})"
    else:
        how = f"exit status {exitcode}"
    return ErrorObject(
        message=f"RequestId: {request_id} Error: Runtime exited with error: {how} "
        "(the handler's process ended before the invocation finished)",
        type="Runtime.ExitError",
    )


class ProcessInvoker:
    """Runs each invocation in a child process. `client` is the service the children's
    checkpoints go to: the embedded one in `perdure dev`, the HTTP one in a worker.
    `preload` names modules (the handlers') the fork server imports once for all."""

    def __init__(
        self,
        client: DurableServiceClient,
        log_sink: Callable[[str], LogSink | None] | None = None,
        *,
        preload: Iterable[str] = (),
    ) -> None:
        self._client = client
        self._log_sink = log_sink
        self._mp = _context(preload)

    def invoke(
        self, function_name: str, target: Handler | str, inp: InvocationInput, request_id: str
    ) -> Outcome:
        name = child_target(function_name, target)
        parent, child = self._mp.Pipe()
        payload = json.dumps(
            {
                "input": invocation_input_to_json(inp),
                "request_id": request_id,
                "env": dict(os.environ),
            }
        )
        proc = self._mp.Process(  # type: ignore[attr-defined]
            target=child_main,
            args=(child, name, payload),
            name=f"perdure-invocation-{request_id}",
            daemon=True,
        )
        try:
            with _start_lock:
                proc.start()
        finally:
            child.close()
        sink = self._log_sink(inp.durable_execution_arn) if self._log_sink else None
        outcome: Outcome | None = None
        try:
            outcome = self._converse(parent, proc, sink)
        finally:
            parent.close()  # a child still waiting for an answer gets end-of-file
            if outcome is None:
                _reap(proc)
        if outcome is not None:
            # The answer is in: the outcome need not wait for the process to exit.
            threading.Thread(target=_reap, args=(proc,), name="perdure-reap", daemon=True).start()
            return outcome
        return Outcome(None, exit_failure(request_id, proc.exitcode))

    def _converse(
        self,
        conn: multiprocessing.connection.Connection,
        proc: BaseProcess,
        sink: LogSink | None,
    ) -> Outcome | None:
        """Serve the child's requests until it answers (its outcome) or dies (None).
        Waits on the process as well as the pipe: a grandchild that inherited the pipe
        would otherwise keep it open after the child died."""
        while True:
            ready = multiprocessing.connection.wait([conn, proc.sentinel])
            if conn not in ready:
                return None
            try:
                message = json.loads(conn.recv())
            except (EOFError, OSError):
                return None
            kind = message["op"]
            if kind == "log":
                if sink is not None:
                    sink(message["record"])
            elif kind == "done":
                return outcome_of(message["output"])
            elif kind == "raised":
                e = message["error"]
                return Outcome(None, ErrorObject(e["message"], e["type"], None, e["stack"]))
            else:
                conn.send(json.dumps(self._serve(message)))

    def _serve(self, message: Mapping[str, Any]) -> dict[str, Any]:
        try:
            if message["op"] == "checkpoint":
                resp = self._client.checkpoint(
                    message["arn"],
                    message["token"],
                    [update_from_json(u) for u in message["updates"]],
                    message.get("client_token"),
                )
                body: dict[str, Any] = {
                    "NewExecutionState": {"Operations": _ops_json(resp.operations)}
                }
                if resp.checkpoint_token is not None:
                    body["CheckpointToken"] = resp.checkpoint_token
                return {"ok": body}
            state = self._client.get_execution_state(
                message["arn"], message["token"], message["marker"], message["max_items"]
            )
            page: dict[str, Any] = {"Operations": _ops_json(state.operations)}
            if state.next_marker:
                page["NextMarker"] = state.next_marker
            return {"ok": page}
        except ApiError as exc:
            return {"error": {"code": exc.code, "message": exc.message, "status": exc.status}}
        except Exception as exc:
            # Not a refusal: the call did not get through (a remote worker's server
            # unreachable). The child raises it as the SDK's invocation-level error.
            return {"failed": f"{type(exc).__name__}: {exc}"}


def _reap(proc: BaseProcess) -> None:
    proc.join(EXIT_GRACE_SECONDS)
    if proc.exitcode is None:
        proc.kill()
        proc.join()
