"""The chained-invoke targets of AWS's invoke template, registered with the runner under the
function names the invoke handlers call: ``TargetEcho``, ``TargetError``, ``TargetEchoTenant``.

All three are durable and wait 1 s first, so the caller really suspends and is re-invoked by
the target's completion.
"""

from __future__ import annotations

from typing import Any

from perdure import DurableContext, durable_execution
from perdure.config import Duration


class TargetFailure(Exception):
    """What TargetError raises, surfacing as ChainedInvokeFailed in the caller's history."""


@durable_execution
def target_echo(event: Any, context: DurableContext) -> Any:
    """Waits 1 s, then returns its input unchanged."""
    context.wait(Duration.from_seconds(1))
    return event


@durable_execution
def target_error(event: Any, context: DurableContext) -> Any:
    """Waits 1 s, then fails."""
    context.wait(Duration.from_seconds(1))
    raise TargetFailure("TargetError always fails")


@durable_execution
def target_echo_tenant(event: Any, context: DurableContext) -> Any:
    """The echo target deployed with per-tenant isolation (5-8 passes a tenant id)."""
    context.wait(Duration.from_seconds(1))
    return event


FUNCTIONS: dict[str, str] = {
    "TargetEcho": "tests.conformance.handlers.targets:target_echo",
    "TargetError": "tests.conformance.handlers.targets:target_error",
    "TargetEchoTenant": "tests.conformance.handlers.targets:target_echo_tenant",
}
