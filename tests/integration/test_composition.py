"""The composition root builds what commands ask for: the credentials a server requires,
and a database brought to the current schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from perdure._app import migrate_database, server_auth
from perdure._config import ConfigError


def test_a_loopback_server_without_credentials_requires_none() -> None:
    assert server_auth("127.0.0.1", 9014, token=None, access_key=None, ways="Set one") is None


def test_a_server_beyond_loopback_refuses_to_start_without_credentials() -> None:
    with pytest.raises(ConfigError, match=r"Refusing to listen on 0\.0\.0\.0:9014.*Set one"):
        server_auth("0.0.0.0", 9014, token=None, access_key=None, ways="Set one")


def test_given_credentials_are_required_on_loopback_too() -> None:
    auth = server_auth("127.0.0.1", 1, token="s3cret", access_key=("AKID", "key"), ways="")
    assert auth is not None and auth.required
    assert auth.tokens == frozenset({"s3cret"}) and dict(auth.access_keys) == {"AKID": "key"}


def test_a_malformed_credential_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="bearer token"):
        server_auth("127.0.0.1", 1, token="two words", access_key=None, ways="")


def test_migrating_creates_the_database_then_finds_it_up_to_date(tmp_path: Path) -> None:
    url = str(tmp_path / "new" / "perdure.db")
    first = migrate_database(url, synchronous="OFF")
    assert first.applied and first.applied == first.schema
    again = migrate_database(url, synchronous="OFF")
    assert again.applied == [] and again.schema == first.schema
