"""Decorators that turn plain functions into durable-operation callables.

Each one binds the extra arguments now and leaves the context argument for later, and
records the function's name as `_original_name`, which is the default operation name
(AWS §1.2: only decorated functions get a default name; plain functions and lambdas get
none).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from perdure._sdk.config import ParallelBranch
from perdure._sdk.types import StepContext, WaitForCallbackContext

if TYPE_CHECKING:
    from perdure._sdk.context import DurableContext

__all__ = [
    "durable_parallel_branch",
    "durable_step",
    "durable_wait_for_callback",
    "durable_with_child_context",
]

P = ParamSpec("P")
T = TypeVar("T")


def durable_step(
    func: Callable[Concatenate[StepContext, P], T],
) -> Callable[P, Callable[[StepContext], T]]:
    """`f(step_ctx, *a, **kw)` → `f(*a, **kw)` returns a step function for `context.step`."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Callable[[StepContext], T]:
        def step_func(step_context: StepContext) -> T:
            return func(step_context, *args, **kwargs)

        step_func._original_name = func.__name__  # type: ignore[attr-defined]
        return step_func

    return wrapper


def durable_with_child_context(
    func: Callable[Concatenate[DurableContext, P], T],
) -> Callable[P, Callable[[DurableContext], T]]:
    """`f(ctx, *a, **kw)` → `f(*a, **kw)` returns a body for `run_in_child_context`."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Callable[[DurableContext], T]:
        def child_func(context: DurableContext) -> T:
            return func(context, *args, **kwargs)

        child_func._original_name = func.__name__  # type: ignore[attr-defined]
        return child_func

    return wrapper


def durable_wait_for_callback(
    func: Callable[Concatenate[str, WaitForCallbackContext, P], T],
) -> Callable[P, Callable[[str, WaitForCallbackContext], T]]:
    """`f(callback_id, ctx, *a, **kw)` → `f(*a, **kw)` returns a submitter."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Callable[[str, WaitForCallbackContext], T]:
        def submitter(callback_id: str, context: WaitForCallbackContext) -> T:
            return func(callback_id, context, *args, **kwargs)

        submitter._original_name = func.__name__  # type: ignore[attr-defined]
        return submitter

    return wrapper


def durable_parallel_branch(
    name: str | None = None,
) -> Callable[[Callable[..., T]], Callable[..., ParallelBranch[T]]]:
    """Decorator factory: `f(ctx, *a, **kw)` → `f(*a, **kw)` returns a ParallelBranch.
    Like AWS, the branch is named only by an explicit `name` (else `parallel-branch-i`)."""

    def decorate(func: Callable[..., T]) -> Callable[..., ParallelBranch[T]]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> ParallelBranch[T]:
            def branch(context: DurableContext) -> T:
                return func(context, *args, **kwargs)

            branch._original_name = func.__name__  # type: ignore[attr-defined]
            return ParallelBranch(func=branch, name=name)

        return wrapper

    return decorate
