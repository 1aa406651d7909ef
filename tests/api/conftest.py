from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api import handlers
from tests.api.server import Served, serve

FUNCTIONS = {
    "greet": handlers.greet,
    "fails": handlers.fails,
    "waits-a-day": handlers.waits_a_day,
    "many-steps": handlers.many_steps,
    "listed": handlers.many_steps,
    "awaits-callback": handlers.awaits_callback,
}


@pytest.fixture(scope="package")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    db = Path(tmp_path_factory.mktemp("api")) / "perdure.sqlite"
    with serve(str(db), FUNCTIONS) as running:
        yield running
