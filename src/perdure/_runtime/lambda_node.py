"""Node.js execution environments: AWS Lambda handlers written in JavaScript, run by
`node` as Lambda runs them.

Each environment is a `node` process running Perdure's own runtime
(`lambda_node_bootstrap.mjs`, shipped with this package) against a Lambda Runtime API
that Perdure serves for that environment alone (`lambda_runtime_api`), on a loopback
port given in `AWS_LAMBDA_RUNTIME_API`. The runtime loads the handler (`_HANDLER`,
relative to `LAMBDA_TASK_ROOT`) as Lambda's Node.js runtime does, then takes events from
`next` and posts what the handler returns or throws. The handler's SDK
(`@aws/durable-execution-sdk-js`, unmodified) checkpoints over HTTP to Perdure's API,
which the AWS SDK for JavaScript finds through `AWS_ENDPOINT_URL_LAMBDA`, signing with
the access key in its environment: the same environment the Python handlers get
(`lambda_function.handler_environment`).

`NodeEnvironment` is driven by `lambda_invoker.LambdaInvoker` exactly as a Python
environment is: the same warm pool, the same envelope, context and outcome, the same
timeout (the process group is killed: `Sandbox.Timedout`) and crash handling (the
process ended mid-invocation: `Runtime.ExitError`); only the channel differs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from perdure import _ids
from perdure._config import ConfigError
from perdure._model import ErrorObject
from perdure._runtime.invokers import Outcome, outcome_of
from perdure._runtime.lambda_function import (
    NODEJS,
    HandlerAccess,
    LambdaFunction,
    handler_environment,
    log_stream_name,
)
from perdure._runtime.lambda_output import LogSink, OutputPump, timed_out
from perdure._runtime.lambda_runtime_api import (
    ENDED,
    TIMED_OUT,
    Invocation,
    Reply,
    RuntimeApi,
)
from perdure._runtime.process_invoker import exit_failure
from perdure._runtime.warm_process import EXIT_GRACE_SECONDS, WarmProcess

BOOTSTRAP = Path(__file__).with_name("lambda_node_bootstrap.mjs")
# The oldest Node.js the bootstrap runs on (Lambda's oldest supported runtime).
MIN_NODE_MAJOR = 18
# How long the output of a finished invocation may trail its reply.
_OUTPUT_GRACE_SECONDS = 2.0

_node_lock = threading.Lock()
_node_versions: dict[str, str] = {}


class NodeNotFoundError(ConfigError):
    """Node.js handlers were asked for, and no usable `node` is on the PATH."""


def find_node(environ: Mapping[str, str] | None = None) -> str:
    """The path of the `node` that runs Node.js handlers: the first on PATH (of
    `environ`, by default this process's). NodeNotFoundError says what is missing and
    how to fix it when there is none, or when it is older than MIN_NODE_MAJOR."""
    env = os.environ if environ is None else environ
    found = shutil.which("node", path=env.get("PATH", os.defpath))
    if found is None:
        raise NodeNotFoundError(
            "Node.js handlers need `node` on the PATH, and there is none: install Node.js "
            f"{MIN_NODE_MAJOR} or later (for example `apt-get install nodejs`, or from "
            "nodejs.org) or put the folder that holds `node` on PATH"
        )
    version = node_version(found)
    major = re.match(r"v?(\d+)", version)
    if major is None or int(major.group(1)) < MIN_NODE_MAJOR:
        raise NodeNotFoundError(
            f"{found} is Node.js {version or '(unknown version)'}; Node.js handlers need "
            f"Node.js {MIN_NODE_MAJOR} or later on the PATH"
        )
    return found


def node_version(node: str) -> str:
    """`node --version` (v20.11.1), asked once per path."""
    with _node_lock:
        if node not in _node_versions:
            try:
                done = subprocess.run(
                    [node, "--version"], capture_output=True, text=True, timeout=30, check=False
                )
                _node_versions[node] = done.stdout.strip()
            except (OSError, subprocess.TimeoutExpired):
                _node_versions[node] = ""
        return _node_versions[node]


def trace_id() -> str:
    """An X-Ray trace header as Lambda passes one (`Root=1-<time>-<24 hex>;...`)."""
    seconds = int(dt.datetime.now(dt.UTC).timestamp())
    root = f"1-{seconds:08x}-{_ids.random_string(24, '0123456789abcdef')}"
    parent = _ids.random_string(16, "0123456789abcdef")
    return f"Root={root};Parent={parent};Sampled=0;Lineage=1:{parent[:8]}:0"


class NodeEnvironment(WarmProcess):
    """One warm Node.js environment: a `node` process running the bootstrap for `fn`'s
    handler, and the Runtime API it polls."""

    def __init__(
        self,
        fn: LambdaFunction,
        access: HandlerAccess,
        node: str,
        environ: Mapping[str, str],
        default_output: Callable[[str], None],
    ) -> None:
        self.fn = fn
        self.log_stream = log_stream_name(fn.version, dt.datetime.now(dt.UTC))
        task_root = str(Path(fn.task_root or os.getcwd()).resolve())
        env = handler_environment(fn, access, log_stream=self.log_stream, inherited=environ)
        env.pop("PYTHONUNBUFFERED", None)
        self._api = RuntimeApi()
        life_r, life_w = os.pipe()
        env.update(
            {
                "AWS_LAMBDA_RUNTIME_API": self._api.address,
                "LAMBDA_TASK_ROOT": task_root,
                "LAMBDA_RUNTIME_DIR": str(BOOTSTRAP.parent),
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{_runtime_name(fn, node)}",
                "PERDURE_LIFELINE_FD": str(life_r),
            }
        )
        try:
            self._proc = subprocess.Popen(
                [node, str(BOOTSTRAP)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(life_r,),
                env=env,
                cwd=task_root,
                # Its own process group: a timeout kills what the handler started too,
                # and Ctrl-C at the terminal is the worker's to handle.
                start_new_session=True,
            )
        except BaseException:
            os.close(life_w)
            self._api.close()
            raise
        finally:
            os.close(life_r)
        self._lifeline = life_w
        assert self._proc.stdout is not None
        self._output = OutputPump(
            self._proc.stdout, f"perdure-node-output-{self._proc.pid}", default_output
        )
        self._watcher = threading.Thread(
            target=self._watch, name=f"perdure-node-exit-{self._proc.pid}", daemon=True
        )
        self._watcher.start()
        self._released = False

    def wait_ready(self, timeout: float, request_id: str) -> ErrorObject | None:
        """None once the runtime has loaded the handler and asks for an event, else why
        it cannot run (its init error, or how its process ended)."""
        state = self._api.wait_ready(timeout)
        if state is None:
            return None
        if state is TIMED_OUT:
            self.kill()
            return ErrorObject(
                f"RequestId: {request_id} Error: the handler's init phase did not finish "
                f"within {timeout:.2f} seconds",
                "Sandbox.Timedout",
            )
        if state is ENDED:
            return exit_failure(request_id, self._wait_exit())
        assert isinstance(state, Reply)
        self.kill()
        return error_object(state.error())

    def invoke(self, request: Mapping[str, Any], request_id: str, sink: LogSink | None) -> Outcome:
        """One invocation, read as Lambda reads it: the handler's JSON response is the
        durable invocation's output, its error or the process's fate a failure."""
        reply = self.run(request, request_id, sink)
        if isinstance(reply, ErrorObject):
            return Outcome(None, reply)
        if not reply.ok:
            return Outcome(None, error_object(reply.error()))
        try:
            result = json.loads(reply.body)
        except ValueError as exc:
            return Outcome(
                None,
                ErrorObject(f"The handler's response is not JSON: {exc}", "Runtime.MarshalError"),
            )
        return outcome_of(result)

    def run(
        self, request: Mapping[str, Any], request_id: str, sink: LogSink | None
    ) -> Reply | ErrorObject:
        """Hand the event to the runtime; its reply, or why there is none (the deadline
        passed and the process was killed, or the process ended)."""
        context = request["context"]
        invocation = Invocation(
            request_id=request_id,
            event=json.dumps(request["event"]).encode("utf-8"),
            deadline_ms=int(context["deadline_ms"]),
            invoked_function_arn=str(context["invoked_function_arn"]),
            trace_id=trace_id(),
        )
        self._output.attach(request_id, sink)
        try:
            reply = self._api.run(invocation, self.fn.timeout_seconds)
            if reply is TIMED_OUT:
                self.kill()
                return timed_out(request_id, self.fn.timeout_seconds)
            if reply is ENDED:
                return exit_failure(request_id, self._wait_exit())
            assert isinstance(reply, Reply)
            self._output.wait_end(_OUTPUT_GRACE_SECONDS)
            return reply
        finally:
            self._output.detach()

    def close(self) -> None:
        """End the environment: the runtime gets no more events, and its process is
        asked to stop (SIGTERM, as Lambda's shutdown phase) and killed after a grace
        period."""
        if self.alive:
            try:
                os.killpg(self._proc.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self._proc.wait(EXIT_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        self.kill()

    # -- internals -----------------------------------------------------------------------

    def _watch(self) -> None:
        self._proc.wait()
        self._api.process_ended()

    def _release(self) -> None:
        if self._released:
            return
        self._released = True
        self._api.close()
        try:
            os.close(self._lifeline)
        except OSError:
            pass


def _runtime_name(fn: LambdaFunction, node: str) -> str:
    """Lambda's runtime identifier: the function's own (nodejs22.x), or for a bare
    `nodejs` that of the node that runs it."""
    if fn.runtime != NODEJS:
        return fn.runtime
    major = re.match(r"v?(\d+)", node_version(node))
    return f"nodejs{major.group(1)}.x" if major else NODEJS


def error_object(error: Mapping[str, Any]) -> ErrorObject:
    """A runtime's error document (`errorType`, `errorMessage`, `stackTrace`) as the
    failure it records."""
    return ErrorObject(
        str(error.get("errorMessage", "")),
        str(error.get("errorType", "Unknown")),
        None,
        list(error.get("stackTrace") or []) or None,
    )
