"""`context.wait_for_callback`: create a callback, hand its id to a submitter, wait.

It is a child context (subtype WaitForCallback) holding a CALLBACK and a submitter STEP,
so the submitter runs with step semantics and retries, and the whole thing replays as one
unit. Errors are translated at the call site as AWS does: a callback failure surfaces as
the callback error, a submitter failure as CallbackSubmitterError.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, cast

from perdure._sdk.config import StepConfig, WaitForCallbackConfig
from perdure._sdk.operations.callback import run_create_callback
from perdure._sdk.operations.child import run_child
from perdure._sdk.operations.scope import ScopeT
from perdure._sdk.operations.step import run_step
from perdure._sdk.types import StepContext, WaitForCallbackContext
from perdure.errors import CallbackError, CallbackSubmitterError, ChildContextError, StepError


def run_wait_for_callback(
    ctx: ScopeT,
    submitter: Callable[[str, WaitForCallbackContext], Any],
    name: str | None,
    config: WaitForCallbackConfig | None,
) -> Any:
    config = config or WaitForCallbackConfig()
    takes_context = _accepts_two_arguments(submitter)

    def body(child: ScopeT) -> Any:
        callback = run_create_callback(
            child, f"{name} create callback id" if name else "create callback id", config
        )

        def submit(step_ctx: StepContext) -> None:
            if takes_context:
                submitter(callback.callback_id, WaitForCallbackContext(logger=step_ctx.logger))
            else:
                cast(Callable[[str], Any], submitter)(callback.callback_id)

        run_step(
            child,
            submit,
            f"{name} submitter" if name else "submitter",
            StepConfig(retry_strategy=config.retry_strategy, serdes=config.serdes),
        )
        return callback.result()

    try:
        return run_child(ctx, body, name, sub_type="WaitForCallback")
    except ChildContextError as exc:
        cause = exc.__cause__
        if isinstance(cause, CallbackError):
            raise cause from exc
        if isinstance(cause, StepError):
            raise CallbackSubmitterError(
                message=exc.message,
                error_type=exc.error_type,
                data=exc.data,
                stack_trace=exc.stack_trace,
            ) from cause
        raise


def _accepts_two_arguments(func: Callable[..., Any]) -> bool:
    """AWS calls `submitter(callback_id, context)`; published examples also pass
    one-argument submitters, which get just the id."""
    try:
        inspect.signature(func).bind("id", None)
    except TypeError:
        return False
    except ValueError:  # no signature (builtins): assume AWS's shape
        return True
    return True
