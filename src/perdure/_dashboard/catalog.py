"""The functions a dashboard can offer to start, as the process serving it knows them.

`perdure dev` runs its functions itself and knows each one's handler and config; a
`perdure server` runs none and knows only what its workers registered in the database.
The composition root passes what it knows as a `Catalog`; the functions page adds the
ones workers registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from perdure._model.durable_config import DurableConfig


@dataclass(frozen=True)
class FunctionEntry:
    """A function this process serves: `runtime` says how its invocations run,
    `origin` where its handler was found, `config` its own DurableConfig (None: the
    server's defaults apply)."""

    name: str
    runtime: str
    origin: str | None = None
    config: DurableConfig | None = None


Catalog = Callable[[], list[FunctionEntry]]


def no_functions() -> list[FunctionEntry]:
    return []
