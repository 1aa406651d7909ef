"""The durable configs of functions served by remote workers.

A `perdure server` runs no handlers, so it learns a function's `DurableConfig` from the
workers that run it: each claim names the worker's functions and their configs, and
the server records them in the store, where every server process sharing the database
reads them when an Invoke starts an execution. A function no worker has described yet
starts with the server's defaults (`perdure server --execution-timeout/--retention-days`).
"""

from __future__ import annotations

from collections.abc import Mapping

from perdure._model.durable_config import DurableConfig
from perdure._service.context import ServiceContext

# A config this process wrote is written again after this long even if unchanged, so a
# config another server wrote meanwhile (a worker of another version) cannot stay
# overwritten for long.
REWRITE_AFTER_MS = 60_000


def register_configs(ctx: ServiceContext, configs: Mapping[str, DurableConfig]) -> None:
    """Record what a worker says about its functions; a no-op for what this process
    recorded recently, so a claim costs no write in the steady state."""
    now = ctx.now()
    with ctx.configs_lock:
        recent = ctx.recorded_configs
        changed = {
            name: config
            for name, config in configs.items()
            if name not in recent
            or recent[name][0] != config
            or now - recent[name][1] >= REWRITE_AFTER_MS
        }
        if not changed:
            return
        ctx.store.save_function_configs(changed, now)
        for name, config in changed.items():
            recent[name] = (config, now)
