"""Fixtures of the Node.js handler tests (node_setup.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lambda_node.node_setup import install_handlers, require_node


@pytest.fixture(scope="session")
def node() -> str:
    """The `node` on PATH."""
    return require_node()


@pytest.fixture(scope="session")
def handlers_dir() -> Path:
    """tests/lambda_node/handlers with AWS's JavaScript SDK installed."""
    return install_handlers()


@pytest.fixture(autouse=True)
def attempts_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the misbehaving handlers count their attempts (in their environment)."""
    folder = tmp_path / "attempts"
    folder.mkdir()
    monkeypatch.setenv("ATTEMPTS_DIR", str(folder))
    return folder
