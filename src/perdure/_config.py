"""Settings that come from the environment, parsed once and checked up front, and the
service's retry policy for failed invocations.

Every process (`perdure dev`, `perdure server`, the CLI's client commands) reads the same
variables, so they are parsed in one place and a bad value fails at start with a message
naming the variable, instead of deep inside a socket or SQLite call later. Command-line
options override these values; `Settings` only knows the environment.

`RetryPolicy` is configuration too: `ServiceSettings.retry` carries it and the engine
applies it, and the test runner sets it, so it lives here, below both.

A leaf: standard library only, so anything may import it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

Synchronous = Literal["FULL", "NORMAL", "OFF"]
Isolation = Literal["process", "thread"]

DEFAULT_DB = ".perdure/perdure.db"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9014
DEFAULT_ENDPOINT = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
SYNCHRONOUS_VALUES: tuple[Synchronous, ...] = ("FULL", "NORMAL", "OFF")
ISOLATION_VALUES: tuple[Isolation, ...] = ("process", "thread")

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class ConfigError(ValueError):
    """An environment variable or option has a value Perdure cannot use."""


@dataclass(frozen=True)
class Settings:
    """`db`: the database, a SQLite file or a `postgresql://` URL. `host`/`port`:
    where servers listen. `token`: bearer token servers require beyond loopback and
    clients send. `access_key_id`, `secret_access_key`: an AWS access key servers accept SigV4
    signatures made with (boto3, the AWS CLI). Secrets stay out of `repr`.
    `endpoint`: the server URL clients talk to. `synchronous`: SQLite durability
    (FULL survives power loss; NORMAL may lose the last commits on power loss only).
    `isolation`: where `dev` and `worker` run each invocation, a child process or a
    thread of their own (None: each command's default)."""

    db: str = DEFAULT_DB
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str | None = field(default=None, repr=False)
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    endpoint: str = DEFAULT_ENDPOINT
    synchronous: Synchronous = "FULL"
    isolation: Isolation | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read `PERDURE_DATABASE_URL` (or its older name `PERDURE_DB`), `PERDURE_HOST`,
        `PERDURE_PORT`, `PERDURE_TOKEN`, `PERDURE_ACCESS_KEY_ID`,
        `PERDURE_SECRET_ACCESS_KEY`, `PERDURE_ENDPOINT`, `PERDURE_SYNCHRONOUS` and
        `PERDURE_ISOLATION`; unset or empty means the default."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        return cls(
            db=parse_database(get("PERDURE_DATABASE_URL"), get("PERDURE_DB")),
            host=get("PERDURE_HOST") or DEFAULT_HOST,
            port=parse_port(get("PERDURE_PORT"), "PERDURE_PORT"),
            token=get("PERDURE_TOKEN"),
            access_key_id=get("PERDURE_ACCESS_KEY_ID"),
            secret_access_key=get("PERDURE_SECRET_ACCESS_KEY"),
            endpoint=parse_endpoint(get("PERDURE_ENDPOINT"), "PERDURE_ENDPOINT"),
            synchronous=parse_synchronous(get("PERDURE_SYNCHRONOUS"), "PERDURE_SYNCHRONOUS"),
            isolation=parse_isolation(get("PERDURE_ISOLATION"), "PERDURE_ISOLATION"),
        )

    @property
    def is_loopback(self) -> bool:
        """Whether servers listen only on this machine (no token needed there)."""
        return self.host in LOOPBACK_HOSTS


def parse_database(url: str | None, legacy: str | None) -> str:
    """The database from `PERDURE_DATABASE_URL` or, if unset, `PERDURE_DB` (its first
    name, still read so existing deployments keep working). Both set to different
    values is refused rather than resolved by a rule the reader may not know; neither
    value is repeated in the message, since a URL may carry a password."""
    if url is not None and legacy is not None and url != legacy:
        raise ConfigError(
            "PERDURE_DATABASE_URL and PERDURE_DB are both set, to different databases; "
            "set only PERDURE_DATABASE_URL (PERDURE_DB is its older name)"
        )
    return url or legacy or DEFAULT_DB


def parse_port(value: str | None, source: str) -> int:
    if value is None:
        return DEFAULT_PORT
    try:
        port = int(value)
    except ValueError:
        raise ConfigError(f"{source} must be a port number, got {value!r}") from None
    if not 0 <= port <= 65535:
        raise ConfigError(f"{source} must be between 0 and 65535, got {port}")
    return port


def parse_endpoint(value: str | None, source: str) -> str:
    """An http(s) URL without a trailing slash; `host:port` alone gets `http://`."""
    if value is None:
        return DEFAULT_ENDPOINT
    url = value if "://" in value else f"http://{value}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{source} must be an http:// or https:// URL such as {DEFAULT_ENDPOINT}, got {value!r}"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise ConfigError(f"{source} has an invalid port: {value!r}") from None
    return url.rstrip("/")


def parse_synchronous(value: str | None, source: str) -> Synchronous:
    if value is None:
        return "FULL"
    upper = value.upper()
    for choice in SYNCHRONOUS_VALUES:
        if upper == choice:
            return choice
    raise ConfigError(f"{source} must be one of {', '.join(SYNCHRONOUS_VALUES)}, got {value!r}")


def parse_isolation(value: str | None, source: str) -> Isolation | None:
    if value is None:
        return None
    lower = value.lower()
    for choice in ISOLATION_VALUES:
        if lower == choice:
            return choice
    raise ConfigError(f"{source} must be one of {', '.join(ISOLATION_VALUES)}, got {value!r}")


@dataclass(frozen=True)
class RetryPolicy:
    """How the service treats failed invocations (crashes, raised errors, bad output)."""

    max_consecutive_failures: int = 5
    first_backoff_seconds: float = 1.0
    max_backoff_seconds: float = 60.0

    def backoff_ms(self, failures: int) -> int:
        seconds = min(self.first_backoff_seconds * 2 ** (failures - 1), self.max_backoff_seconds)
        return int(seconds * 1000)
