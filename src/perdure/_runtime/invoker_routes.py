"""One invoker for a registry whose functions run in different ways.

`perdure dev` and `perdure worker` may serve Perdure's own handlers (in threads or
child processes) beside AWS Lambda handlers (in warm Lambda-style processes); the
dispatcher and the worker hold one `Invoker`, so this one sends each function to the
invoker that runs its kind of handler.
"""

from __future__ import annotations

from collections.abc import Mapping

from perdure._model import ErrorObject, InvocationInput
from perdure._runtime.invokers import Invoker, Outcome
from perdure._runtime.registry import Handler


class InvokerRoutes:
    """Invokes each function through `routes[function_name]`, or `default`."""

    def __init__(self, default: Invoker | None, routes: Mapping[str, Invoker]) -> None:
        self._default = default
        self._routes = dict(routes)

    def invoke(
        self, function_name: str, target: Handler | str, inp: InvocationInput, request_id: str
    ) -> Outcome:
        invoker = self._routes.get(function_name, self._default)
        if invoker is None:
            return Outcome(
                None,
                ErrorObject(f"Function not found: {function_name}", "ResourceNotFoundException"),
            )
        return invoker.invoke(function_name, target, inp, request_id)
