"""`@durable_execution`: turn `handler(event, context)` into an invocation handler.

One invocation: build ExecutionState from the invocation input (plus any further pages),
run the user function on a worker thread while the batcher thread checkpoints, and map
how it ended onto the output the service expects — SUCCEEDED with a JSON result, PENDING
when it suspended or its token was revoked, FAILED for errors that retrying cannot fix.
Errors worth another invocation (stale token, throttling, server faults) are re-raised:
the runtime records a failed invocation and the service retries it.

Two ways in: a Perdure runtime passes an `EmbeddedInvocation` (model objects, a client —
direct in-process, HTTP in a remote worker — and the runtime's clock); a Lambda-style
caller passes the JSON envelope and the SDK talks back over the Lambda API, with the
standard-library HTTP client when `PERDURE_ENDPOINT` is set, else with boto3.
"""

from __future__ import annotations

import contextvars
import functools
import json
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast, overload

from perdure._clock import Clock, SystemClock
from perdure._model import ErrorObject, InvocationInput, OperationAction, OperationType
from perdure._model import OperationUpdate as _Update
from perdure._model.durable_config import DurableConfig
from perdure._sdk.context import DurableContext, ExecutionContext
from perdure._sdk.error_mapping import error_object_from_exception, error_object_to_dict
from perdure._sdk.logger import Logger, LogInfo
from perdure._sdk.plugin_discovery import load_configured_plugins
from perdure._sdk.plugins import PluginHost
from perdure._sdk.state import ExecutionState, ReplayStatus
from perdure._sdk.transport.invocation_input import DurableExecutionInvocationInputWithClient
from perdure._sdk.transport.service_client import DurableServiceClient, EmbeddedInvocation, LogSink
from perdure.errors import (
    BackgroundThreadError,
    BotoClientError,
    ExecutionError,
    InvocationError,
    OrphanedChildException,
    SuspendExecution,
)

__all__ = [
    "LAMBDA_RESPONSE_SIZE_LIMIT",
    "durable_execution",
]

LAMBDA_RESPONSE_SIZE_LIMIT = 6 * 1024 * 1024 - 50
# A Lambda-style caller that sets these (and no boto3 client) is answered over Perdure's
# HTTP API with the standard library instead of boto3.
ENDPOINT_ENV = "PERDURE_ENDPOINT"
TOKEN_ENV = "PERDURE_TOKEN"

T = TypeVar("T")
Handler = Callable[[Any, DurableContext], Any]
Output = dict[str, Any]


# What the decorator makes: `(event, lambda_context=None) -> output`, as Lambda calls it.
InvocationHandler = Callable[..., Output]


@overload
def durable_execution(
    func: Handler,
    *,
    boto3_client: Any = None,
    plugins: Sequence[Any] | None = None,
    durable_config: DurableConfig | None = None,
) -> InvocationHandler: ...


@overload
def durable_execution(
    func: None = None,
    *,
    boto3_client: Any = None,
    plugins: Sequence[Any] | None = None,
    durable_config: DurableConfig | None = None,
) -> Callable[[Handler], InvocationHandler]: ...


def durable_execution(
    func: Handler | None = None,
    *,
    boto3_client: Any = None,
    plugins: Sequence[Any] | None = None,
    durable_config: DurableConfig | None = None,
) -> InvocationHandler | Callable[[Handler], InvocationHandler]:
    """Decorate `handler(event, context: DurableContext)`; usable bare or with kwargs.

    `durable_config` (Perdure's addition; on AWS it is set on the function, not in
    code) gives the function's execution timeout and retention period wherever it is
    served: `perdure dev`, `perdure worker`, the test runner."""
    if func is None:
        return functools.partial(
            durable_execution,
            boto3_client=boto3_client,
            plugins=plugins,
            durable_config=durable_config,
        )
    if durable_config is not None and not isinstance(durable_config, DurableConfig):
        raise TypeError(
            "durable_config must be a perdure.config.DurableConfig, got "
            f"{type(durable_config).__name__}"
        )
    factories = load_configured_plugins(plugins)  # PluginLoadError here, at decoration
    handler = func

    @functools.wraps(handler)
    def wrapper(event: Any, lambda_context: Any = None) -> Output:
        return _run_invocation(handler, event, lambda_context, boto3_client, factories)

    # The mark `perdure worker`/`perdure dev` look for when they build a registry from
    # the modules they are given (no import-time registration, no globals).
    wrapper.__durable_execution__ = True  # type: ignore[attr-defined]
    wrapper.__durable_config__ = durable_config  # type: ignore[attr-defined]
    return wrapper


def is_durable_handler(obj: object) -> bool:
    """Whether `obj` is a handler made by `@durable_execution`."""
    return callable(obj) and getattr(obj, "__durable_execution__", False) is True


def durable_config_of(obj: object) -> DurableConfig | None:
    """The `DurableConfig` `@durable_execution(durable_config=...)` gave a handler."""
    config = getattr(obj, "__durable_config__", None)
    return config if isinstance(config, DurableConfig) else None


def _run_invocation(
    handler: Handler,
    event: Any,
    lambda_context: Any,
    boto3_client: Any,
    factories: Sequence[Any],
) -> Output:
    invocation, client, clock, sink, request_id = _parse_event(event, boto3_client)
    state = ExecutionState(
        invocation.durable_execution_arn,
        invocation.checkpoint_token,
        client,
        clock,
        invocation.operations,
    )
    try:
        state.fetch_paginated_operations(invocation.next_marker)
    except BotoClientError as exc:
        if exc.is_retryable():
            raise
        return _failed(error_object_from_exception(exc))
    replaying = state.has_prior_operations()
    host = None
    if factories:
        try:
            host = PluginHost.create(
                factories,
                state,
                invocation,
                request_id or getattr(lambda_context, "aws_request_id", None),
                not replaying,
                lambda: _plugin_input(state),
            )
        except Exception:  # a plugin can never fail an invocation
            logging.getLogger("perdure.plugins").exception("Plugins disabled for this invocation")
    state.plugins = host
    root_logger = Logger.from_log_info(None, LogInfo(state)).with_sink(sink)
    context = DurableContext(
        state,
        ExecutionContext(invocation.durable_execution_arn),
        lambda_context,
        logger=root_logger,
        replay_status=ReplayStatus.REPLAY if replaying else ReplayStatus.NEW,
    )
    outcome: list[Output] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            if host is not None:
                host.invocation_started()  # before the checkpoint thread exists
            state.start()
            outcome.append(_run_handler(handler, state, context))
        except BaseException as exc:  # re-raised on the calling thread
            failure.append(exc)
        finally:
            try:
                state.close()
            except BaseException as exc:
                failure.append(exc)
            if host is not None:
                _finish_plugins(host, state, outcome, failure)

    if isinstance(event, EmbeddedInvocation):
        # The in-process runtime calls us on a worker thread of its own already.
        contextvars.copy_context().run(work)
    else:
        worker = threading.Thread(
            target=contextvars.copy_context().run, args=(work,), name="perdure-handler"
        )
        worker.start()
        worker.join()
    if failure:
        raise failure[0]
    return _final_output(state, outcome[0])


def _final_output(state: ExecutionState, output: Output) -> Output:
    """The revocation re-check: a token revoked by the last batch ends PENDING."""
    return {"Status": "PENDING"} if state.is_checkpoint_token_revoked else output


def _finish_plugins(
    host: PluginHost, state: ExecutionState, outcome: list[Output], failure: list[BaseException]
) -> None:
    """Last on the worker, after checkpointing stopped: pending changes, unreported ends,
    then `on_invocation_end` with the output the caller will get."""
    try:
        if failure:
            host.finish(None, failure[0])
        else:
            host.finish(_final_output(state, outcome[0]), None)
    except Exception:
        logging.getLogger("perdure.plugins").exception("Ending the invocation's plugins failed")


def _plugin_input(state: ExecutionState) -> Any:
    """A fresh copy of the input event for plugin infos (None when it cannot be parsed:
    the handler reports that, not the plugins)."""
    try:
        return _input_event(state)
    except ValueError:
        return None


def _parse_event(
    event: Any, boto3_client: Any
) -> tuple[InvocationInput, DurableServiceClient, Clock, LogSink | None, str]:
    if isinstance(event, EmbeddedInvocation):
        return event.input, event.client, event.clock, event.log_sink, event.request_id
    if isinstance(event, DurableExecutionInvocationInputWithClient) and event.service_client:
        return event.to_model(), event.service_client, SystemClock(), None, ""
    from perdure._wire.envelope import invocation_input_from_json

    try:
        invocation = invocation_input_from_json(event)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ExecutionError(f"Unexpected payload provided to start the execution: {exc}") from exc
    endpoint = os.environ.get(ENDPOINT_ENV)
    if boto3_client is None and endpoint:
        from perdure._sdk.transport.http_client import HttpDurableServiceClient

        client = HttpDurableServiceClient(endpoint, token=os.environ.get(TOKEN_ENV) or None)
        return invocation, client, SystemClock(), None, ""
    from perdure._sdk.transport.boto_client import BotoDurableServiceClient

    return invocation, BotoDurableServiceClient.create(boto3_client), SystemClock(), None, ""


def _input_event(state: ExecutionState) -> Any:
    op = state.execution_operation()
    payload = op.execution_details.input_payload if op and op.execution_details else None
    return json.loads(payload) if payload else {}


def _run_handler(handler: Handler, state: ExecutionState, context: DurableContext) -> Output:
    """Run the user function and map how it ended (AWS §2.1 + 3.0 §2.11)."""
    try:
        result = handler(_input_event(state), context)
        if state.is_checkpoint_token_revoked:
            return {"Status": "PENDING"}
        serialized = json.dumps(result)
        if len(serialized) > LAMBDA_RESPONSE_SIZE_LIMIT:
            _checkpoint_execution(state, OperationAction.SUCCEED, payload=serialized)
            return {"Status": "SUCCEEDED", "Result": ""}
        return {"Status": "SUCCEEDED", "Result": serialized}
    except SuspendExecution:
        return {"Status": "PENDING"}
    except BackgroundThreadError as exc:
        if state.is_checkpoint_token_revoked:
            return {"Status": "PENDING"}
        source = exc.source_exception
        if isinstance(source, BotoClientError) and not source.is_retryable():
            return _failed(error_object_from_exception(source))
        raise source if source is not None else exc from None
    except OrphanedChildException:
        # Only reachable once the execution has completed; the service ignores us then.
        return {"Status": "PENDING"} if state.is_checkpoint_token_revoked else {"Status": "FAILED"}
    except InvocationError as exc:
        if state.is_checkpoint_token_revoked:
            return {"Status": "PENDING"}
        if exc.is_retryable():
            raise
        return _failed(error_object_from_exception(exc))
    except Exception as exc:  # ExecutionError and anything else the handler raised
        if state.is_checkpoint_token_revoked:
            return {"Status": "PENDING"}
        error = error_object_from_exception(exc)
        if len(json.dumps(error_object_to_dict(error))) > LAMBDA_RESPONSE_SIZE_LIMIT:
            try:
                _checkpoint_execution(state, OperationAction.FAIL, error=error)
            except SuspendExecution:
                return {"Status": "PENDING"}
            return {"Status": "FAILED"}
        return _failed(error)


def _checkpoint_execution(state: ExecutionState, action: OperationAction, **fields: Any) -> None:
    """Record the execution's outcome itself when it is too large to return."""
    update = _Update(
        f"execution-result-{state.clock.now_ms()}", OperationType.EXECUTION, action, **fields
    )
    state.create_checkpoint(update, is_sync=True)


def _failed(error: ErrorObject) -> Output:
    return {"Status": "FAILED", "Error": error_object_to_dict(error)}


def output_error(output: Mapping[str, Any]) -> ErrorObject | None:
    """The Error of a FAILED output as an ErrorObject (for runtimes that read it back)."""
    from perdure._sdk.error_mapping import error_object_from_dict

    error = output.get("Error")
    return error_object_from_dict(cast(Mapping[str, Any], error)) if error else None
