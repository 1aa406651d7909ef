"""One ASGI application serving the dashboard under `/ui` and the API everywhere else,
so `perdure dev` and `perdure server` serve both on one port."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from perdure._dashboard.app import PREFIX, Dashboard
from perdure._dashboard.requests import Receive, Scope, Send

Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class Mounted:
    """`/ui` and everything below it go to `dashboard`; the rest (and the lifespan
    messages) to `api`."""

    def __init__(self, dashboard: Dashboard, api: Asgi) -> None:
        self.dashboard = dashboard
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = str(scope.get("path", ""))
            if path == PREFIX or path.startswith(PREFIX + "/"):
                await self.dashboard(scope, receive, send)
                return
        await self.api(scope, receive, send)
