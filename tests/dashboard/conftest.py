"""An embedded app (SQLite file, handlers in threads) with the dashboard mounted beside
its API, as `perdure dev` serves it; and one whose server requires a token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from perdure._api.auth import AuthConfig
from perdure._app import EmbeddedApp, build_embedded, embedded_api, embedded_site
from perdure._dashboard.mount import Mounted
from tests.dashboard.asgi import Browser
from tests.dashboard.chromium import headless_chromium
from tests.dashboard.handlers import FUNCTIONS

TOKEN = "s3cret-dashboard-token"


@dataclass
class Site:
    app: EmbeddedApp
    asgi: Mounted

    def browser(self, *, headers: dict[str, str] | None = None) -> Browser:
        """A browser of its own (its own cookies), sending `headers` on every request."""
        return Browser(self.asgi, extra_headers=dict(headers or {}))


def _site(tmp_path: Path, auth: AuthConfig | None) -> Iterator[Site]:
    app = build_embedded(str(tmp_path / "dashboard.db"), FUNCTIONS, synchronous="OFF")
    try:
        asgi = embedded_site(
            app, embedded_api(app, auth=auth), auth=auth, invoker="thread", origins={}
        )
        yield Site(app, asgi)
    finally:
        app.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    yield from _site(tmp_path, None)


@pytest.fixture
def protected(tmp_path: Path) -> Iterator[Site]:
    auth = AuthConfig(tokens=frozenset({TOKEN}), required=True)
    yield from _site(tmp_path, auth)


@pytest.fixture
def driver() -> Iterator[Any]:
    """Headless Chromium driven by Selenium (`tests/dashboard/chromium.py`)."""
    with headless_chromium() as chrome:
        yield chrome
