"""Composition root: the one place that picks concrete classes (store, clock, invoker)
and wires the service, runtime and drivers together."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

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
