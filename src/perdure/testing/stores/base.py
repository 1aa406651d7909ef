"""Which store the web runner keeps executions in (AWS's `stores.base.StoreType`).

Perdure always keeps them in SQLite: MEMORY is a database in a temporary directory,
removed when the runner stops; SQLITE is the file `store_path`; FILESYSTEM a database
file in the directory `store_path`.
"""

from __future__ import annotations

from enum import Enum


class StoreType(Enum):
    MEMORY = "memory"
    FILESYSTEM = "filesystem"
    SQLITE = "sqlite"
