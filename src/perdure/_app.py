"""Composition root: the one place that picks concrete classes (store, clock, invoker,
the API's credentials) and wires the service, runtime and drivers together. Commands
parse their arguments and call these builders; they never wire stores or apps."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from perdure._api.app import PerdureApi, create_app
from perdure._api.auth import (
    AuthConfig,
    auth_required_for,
    is_loopback_name,
    missing_credentials_message,
)
from perdure._api.context import DEFAULT_INVOKE_TIMEOUT
from perdure._clock import Clock, SystemClock
from perdure._config import ConfigError, Synchronous
from perdure._dashboard.app import Dashboard
from perdure._dashboard.catalog import Catalog, FunctionEntry, no_functions
from perdure._dashboard.mount import Asgi, Mounted
from perdure._dashboard.security import Gate, open_gate, secret_gate
from perdure._model.durable_config import DurableConfig
from perdure._runtime.dispatcher import Dispatcher
from perdure._runtime.embedded_client import EmbeddedClient
from perdure._runtime.invoker_routes import InvokerRoutes
from perdure._runtime.invokers import Invoker, ThreadInvoker
from perdure._runtime.lambda_function import HandlerAccess, LambdaFunction, minted_access_key
from perdure._runtime.lambda_invoker import LambdaInvoker
from perdure._runtime.process_invoker import ProcessInvoker, child_targets
from perdure._runtime.registry import Handler, Registry, function_configs
from perdure._sdk.transport.service_client import LogSink
from perdure._service.context import ServiceContext, ServiceSettings
from perdure._store.database_copy import CopyReport, Progress, copy_database
from perdure._store.sqlite import SqliteStore
from perdure._store.store import Store

InvokerKind = Literal["thread", "process"]

_POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_SQLITE_SCHEME = "sqlite:///"

# What opening a database raises when it cannot be opened at all (no such folder, not a
# SQLite file, permissions); a PostgreSQL store reports its own faults as StoreErrors.
DATABASE_ERRORS: tuple[type[Exception], ...] = (OSError, sqlite3.Error)


def sqlite_path(url: str) -> str | None:
    """The SQLite file a database URL names (a plain path, or `sqlite:///path` with the
    path relative unless it starts with `/` as in `sqlite:////abs/file.db`), or None for
    a PostgreSQL URL."""
    if url.startswith(_POSTGRES_SCHEMES):
        return None
    if url.startswith(_SQLITE_SCHEME):
        return url[len(_SQLITE_SCHEME) :]
    return url


def describe_database(url: str) -> str:
    """How to show the database in a banner: the SQLite file's absolute path, or the
    PostgreSQL URL without its password."""
    path = sqlite_path(url)
    if path is not None:
        return str(Path(path).resolve())
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def prepare_database(url: str) -> None:
    """Create the folder of a SQLite file (PostgreSQL databases are made by their admin)."""
    path = sqlite_path(url)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def open_store(url: str, *, synchronous: Synchronous = "FULL") -> Store:
    """The store for a database URL: `postgresql://...` opens PostgreSQL (many servers
    and workers on one database), anything else a SQLite file (see `sqlite_path`).
    Either way pending migrations are applied before it is returned."""
    path = sqlite_path(url)
    if path is not None:
        return SqliteStore(path, synchronous=synchronous)
    try:
        # Imported here, not at the top: psycopg is an optional extra, and SQLite users
        # must not need it.
        from perdure._store.postgres import PostgresStore
    except ImportError as exc:
        raise ConfigError(
            f"a postgresql:// database needs the PostgreSQL driver ({exc.name} is not "
            "installed): pip install 'perdure[postgres]'"
        ) from None
    return PostgresStore(url, synchronous=synchronous)


@dataclass(frozen=True)
class Migrated:
    """What `migrate_database` did: the migrations it applied now, and every one applied."""

    applied: list[str]
    schema: list[str]


def migrate_database(url: str, *, synchronous: Synchronous = "FULL") -> Migrated:
    """Create the database at `url` (as `open_store` takes it) or apply its pending
    migrations, and say what was done."""
    prepare_database(url)
    store = open_store(url, synchronous=synchronous)
    try:
        return Migrated(store.applied_on_open, store.schema())
    finally:
        store.close()


def copy_between(
    src: str,
    dst: str,
    *,
    merge: bool = False,
    batch_size: int = 200,
    progress: Progress | None = None,
    clock: Clock | None = None,
) -> CopyReport:
    """Copy every execution from the database `src` to `dst` (URLs as `open_store`
    takes; see `database_copy`). Both are migrated first. A SQLite source must exist
    (opening a missing one would create it empty and copy nothing), and the two must
    not be one database."""
    if describe_database(src) == describe_database(dst):
        raise ConfigError("the source and the destination are the same database")
    path = sqlite_path(src)
    if path is not None and not Path(path).is_file():
        raise ConfigError(f"there is no SQLite database at {describe_database(src)}")
    prepare_database(dst)
    source = open_store(src)
    try:
        destination = open_store(dst)
        try:
            now = (clock or SystemClock()).now_ms()
            return copy_database(
                source,
                destination,
                now=now,
                merge=merge,
                batch_size=batch_size,
                progress=progress,
            )
        finally:
            destination.close()
    finally:
        source.close()


@dataclass
class EmbeddedApp:
    store: Store
    ctx: ServiceContext
    registry: Registry
    dispatcher: Dispatcher
    client: EmbeddedClient
    lambda_invoker: LambdaInvoker | None = None

    def close(self) -> None:
        self.dispatcher.stop()
        if self.lambda_invoker is not None:
            self.lambda_invoker.close()
        self.store.close()


def build_embedded(
    db: str,
    functions: Mapping[str, Handler | str],
    *,
    clock: Clock | None = None,
    invoker: InvokerKind = "thread",
    synchronous: Synchronous = "FULL",
    settings: ServiceSettings | None = None,
    log_sink: Callable[[str], LogSink | None] | None = None,
    real_time: bool = True,
    workers: int = 8,
    configs: Mapping[str, DurableConfig] | None = None,
    lambda_functions: Sequence[LambdaFunction] = (),
    lambda_access: HandlerAccess | None = None,
    prewarm: bool = True,
) -> EmbeddedApp:
    """Handlers, service and dispatcher in this process over the database `db` (a
    SQLite path or a URL, as `open_store` takes). With `invoker="process"` each
    invocation runs in a child process, which imports its handler by module and
    attribute: a handler that is not importable so is a ConfigError here.

    `lambda_functions` are AWS Lambda handlers, run in warm Lambda-style processes
    whose SDK reaches this app's HTTP API as `lambda_access` says (serve the API at its
    endpoint). With `prewarm` each is imported before the dispatcher starts, and one
    that cannot be raises LambdaInitError."""
    lambdas = {fn.name: fn for fn in lambda_functions}
    clash = sorted(lambdas.keys() & functions.keys())
    if clash:
        raise ConfigError(
            f"two functions are named {clash[0]!r}: a durable function and the Lambda "
            f"handler {lambdas[clash[0]].handler}; give the handler another name"
        )
    if lambdas and lambda_access is None:
        raise ConfigError("Lambda handlers need the endpoint of the API they checkpoint to")
    targets = child_targets(functions) if invoker == "process" else None
    # Each function's DurableConfig (`configs` over its handler's own), read from the
    # handlers themselves: a child-process target is only a name.
    own = function_configs(functions, configs)
    registry = Registry(functions if targets is None else targets, own)
    for fn in lambdas.values():
        # A Lambda function's DurableConfig is its configuration's (a template's).
        registry.register(fn.name, fn.handler, (configs or {}).get(fn.name))
    store = open_store(db, synchronous=synchronous)
    the_clock = clock or SystemClock()
    ctx = ServiceContext(
        store,
        the_clock,
        settings,
        functions=lambda name: name in registry,
        configs=registry.config,
    )
    client = EmbeddedClient(ctx)
    chosen: Invoker | None = None
    if targets is not None and (targets or not lambdas):
        modules = {target.partition(":")[0] for target in targets.values()}
        chosen = ProcessInvoker(client, log_sink, preload=modules)
    elif functions or not lambdas:
        chosen = ThreadInvoker(client, the_clock, log_sink)
    lambda_invoker: LambdaInvoker | None = None
    if lambdas:
        assert lambda_access is not None
        lambda_invoker = LambdaInvoker(lambdas, lambda_access, log_sink)
        chosen = InvokerRoutes(chosen, dict.fromkeys(lambdas, lambda_invoker))
        if prewarm:
            try:
                lambda_invoker.start()
            except BaseException:
                lambda_invoker.close()
                store.close()
                raise
    dispatcher = Dispatcher(ctx, registry, chosen, workers=workers, real_time=real_time)
    # Work other processes commit is announced here as if committed here: it wakes the
    # dispatcher, and the claims of workers long-polling `perdure dev`, at once.
    store.watch(partial(ctx.announce_due, 0))
    dispatcher.start()
    return EmbeddedApp(store, ctx, registry, dispatcher, client, lambda_invoker)


def lambda_handler_access(
    endpoint: str, auth: AuthConfig | None, region: str
) -> tuple[AuthConfig | None, HandlerAccess]:
    """The credentials a server gives the Lambda handlers it runs itself, and the auth
    that accepts them besides the server's own credentials: when the server requires
    credentials, an access key minted for this run (the handlers get no key of the
    user's); when it requires none, the placeholder key, whose signature it ignores."""
    if auth is None or not auth.required:
        return auth, HandlerAccess(endpoint, region=region)
    key_id, secret = minted_access_key()
    widened = dataclasses.replace(auth, access_keys={**auth.access_keys, key_id: secret})
    return widened, HandlerAccess(endpoint, key_id, secret, region)


def embedded_api(
    app: EmbeddedApp,
    *,
    auth: AuthConfig | None = None,
    invoke_timeout: float = DEFAULT_INVOKE_TIMEOUT,
) -> PerdureApi:
    """The HTTP API over the service of `app` (what `perdure dev` serves): handlers run
    in `app`'s dispatcher, and remote workers may claim invocations too."""
    return create_app(app.ctx, invoke_timeout=invoke_timeout, auth=auth)


def dashboard_gate(auth: AuthConfig | None) -> Gate:
    """Who may use the dashboard: whom the API admits. With credentials, a person logs
    in with any of the server's tokens or access keys' secrets; without, only pages on
    loopback are served. Sessions expire by the wall clock, not the service's."""
    wall = SystemClock()

    def now() -> float:
        return wall.now_ms() / 1000

    if auth is None or not auth.required:
        return open_gate(is_loopback_name, now)
    return secret_gate([*auth.tokens, *auth.access_keys.values()], is_loopback_name, now)


def with_dashboard(
    api: Asgi, ctx: ServiceContext, auth: AuthConfig | None, catalog: Catalog = no_functions
) -> Mounted:
    """`api` with the dashboard over `ctx` mounted at `/ui`, admitting whom `auth` does."""
    return Mounted(Dashboard(ctx, dashboard_gate(auth), catalog), api)


_RUNS: dict[str, str] = {
    "thread": "Python, in threads of this server",
    "process": "Python, a child process per invocation",
}


def embedded_site(
    app: EmbeddedApp,
    api: PerdureApi,
    *,
    auth: AuthConfig | None,
    invoker: InvokerKind,
    origins: Mapping[str, str] | None = None,
) -> Mounted:
    """What `perdure dev` serves: `api` and the dashboard, which lists `app`'s
    functions with how each runs and where its handler was found (`origins`)."""
    lambdas = app.lambda_invoker.functions if app.lambda_invoker is not None else {}

    def catalog() -> list[FunctionEntry]:
        return [
            FunctionEntry(
                name,
                f"AWS Lambda handler {lambdas[name].handler}, in a warm Lambda-style process"
                if name in lambdas
                else _RUNS[invoker],
                (origins or {}).get(name),
                app.registry.config(name),
            )
            for name in sorted(app.registry)
        ]

    return with_dashboard(api, app.ctx, auth, catalog)


def server_auth(
    host: str, port: int, *, token: str | None, access_key: tuple[str, str] | None, ways: str
) -> AuthConfig | None:
    """What a server listening on `host` requires of its callers: the bearer `token`
    and the `access_key` (id, secret) given, on loopback too; None when neither is
    given and `host` is loopback. Beyond loopback one must be given: ConfigError
    otherwise, with `ways` saying how in the caller's terms."""
    if not token and access_key is None:
        if auth_required_for(host):
            raise ConfigError(missing_credentials_message(host, port, ways))
        return None
    try:
        return AuthConfig(
            tokens=frozenset({token}) if token else frozenset(),
            access_keys=dict([access_key]) if access_key is not None else {},
            required=True,
        )
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


@dataclass
class ServerApp:
    """A `perdure server` process: the HTTP API (`api`) and the dashboard over the
    store, with a scheduler that fires timers and expires leases. Handlers run in
    remote workers (`perdure worker`), which claim invocations through the API."""

    store: Store
    ctx: ServiceContext
    scheduler: Dispatcher
    api: PerdureApi
    site: Mounted
    """What to serve: the API, and the dashboard at `/ui`."""

    def close(self) -> None:
        self.scheduler.stop()
        self.store.close()


def build_server(
    db: str,
    *,
    clock: Clock | None = None,
    synchronous: Synchronous = "FULL",
    settings: ServiceSettings | None = None,
    functions: Callable[[str], bool] | None = None,
    invoke_timeout: float = DEFAULT_INVOKE_TIMEOUT,
    auth: AuthConfig | None = None,
) -> ServerApp:
    """Open the store at `db` (a SQLite path or a URL, as `open_store` takes) and
    build the API with a running scheduler-only dispatcher. Several server processes
    may share one database: each fires timers and expires leases, and the store's
    row-version guard lets exactly one of them record each. `functions` says which
    function names Invoke accepts (default: any, since the workers that run them
    register nowhere but in their claims)."""
    store = open_store(db, synchronous=synchronous)
    ctx = ServiceContext(store, clock or SystemClock(), settings, functions=functions)
    scheduler = Dispatcher.scheduler(ctx)
    api = create_app(ctx, invoke_timeout=invoke_timeout, auth=auth)
    # Work other servers commit wakes this one's scheduler and its workers' held claims.
    store.watch(partial(ctx.announce_due, 0))
    scheduler.start()
    return ServerApp(store, ctx, scheduler, api, with_dashboard(api, ctx, auth))
