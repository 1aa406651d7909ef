"""Composition root: the one place that picks concrete classes (store, clock, invoker)
and wires the service, runtime and drivers together."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from perdure._api.app import PerdureApi, create_app
from perdure._api.auth import AuthConfig
from perdure._api.context import DEFAULT_INVOKE_TIMEOUT
from perdure._clock import Clock, SystemClock
from perdure._runtime.dispatcher import Dispatcher
from perdure._runtime.embedded_client import EmbeddedClient
from perdure._runtime.invokers import Invoker, ThreadInvoker
from perdure._runtime.process_invoker import ProcessInvoker
from perdure._runtime.registry import Handler, Registry
from perdure._sdk.client import LogSink
from perdure._service.context import ServiceContext, ServiceSettings
from perdure._store.sqlite import SqliteStore, Synchronous

InvokerKind = Literal["thread", "process"]


@dataclass
class EmbeddedApp:
    store: SqliteStore
    ctx: ServiceContext
    registry: Registry
    dispatcher: Dispatcher
    client: EmbeddedClient

    def close(self) -> None:
        self.dispatcher.stop()
        self.store.close()


def build_embedded(
    db_path: str,
    functions: Mapping[str, Handler | str],
    *,
    clock: Clock | None = None,
    invoker: InvokerKind = "thread",
    synchronous: Synchronous = "FULL",
    settings: ServiceSettings | None = None,
    log_sink: Callable[[str], LogSink | None] | None = None,
    real_time: bool = True,
    workers: int = 8,
) -> EmbeddedApp:
    registry = Registry(functions)
    store = SqliteStore(db_path, synchronous=synchronous)
    the_clock = clock or SystemClock()
    ctx = ServiceContext(store, the_clock, settings, functions=lambda name: name in registry)
    client = EmbeddedClient(ctx)
    chosen: Invoker
    if invoker == "process":
        chosen = ProcessInvoker(client, log_sink)
    else:
        chosen = ThreadInvoker(client, the_clock, log_sink)
    dispatcher = Dispatcher(ctx, registry, chosen, workers=workers, real_time=real_time)
    dispatcher.start()
    return EmbeddedApp(store, ctx, registry, dispatcher, client)


@dataclass
class ServerApp:
    """A `perdure server` process: the HTTP API (`api`, an ASGI app to serve) over the
    store, with a scheduler that fires timers and expires leases. Handlers run in
    remote workers (`perdure worker`), which claim invocations through the API."""

    store: SqliteStore
    ctx: ServiceContext
    scheduler: Dispatcher
    api: PerdureApi

    def close(self) -> None:
        self.scheduler.stop()
        self.store.close()


def build_server(
    db_path: str,
    *,
    clock: Clock | None = None,
    synchronous: Synchronous = "FULL",
    settings: ServiceSettings | None = None,
    functions: Callable[[str], bool] | None = None,
    invoke_timeout: float = DEFAULT_INVOKE_TIMEOUT,
    auth: AuthConfig | None = None,
) -> ServerApp:
    """Open the store at `db_path` and build the API with a running scheduler-only
    dispatcher. Several server processes may share one database: each fires timers and
    expires leases, and the store's row-version guard lets exactly one of them record
    each. `functions` says which function names Invoke accepts (default: any, since
    the workers that run them register nowhere but in their claims)."""
    store = SqliteStore(db_path, synchronous=synchronous)
    ctx = ServiceContext(store, clock or SystemClock(), settings, functions=functions)
    scheduler = Dispatcher.scheduler(ctx)
    api = create_app(ctx, invoke_timeout=invoke_timeout, auth=auth)
    scheduler.start()
    return ServerApp(store, ctx, scheduler, api)
