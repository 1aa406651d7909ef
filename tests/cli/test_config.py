from __future__ import annotations

import pytest

from perdure._config import ConfigError, Settings


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.db == ".perdure/perdure.db"
    assert settings.endpoint == "http://127.0.0.1:9014"
    assert settings.port == 9014 and settings.synchronous == "FULL"
    assert settings.token is None and settings.is_loopback


def test_values_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "PERDURE_DB": "/data/p.db",
            "PERDURE_HOST": "0.0.0.0",
            "PERDURE_PORT": "8080",
            "PERDURE_TOKEN": "t0ken",
            "PERDURE_ENDPOINT": "perdure.internal:8080/",
            "PERDURE_SYNCHRONOUS": "normal",
        }
    )
    assert settings.db == "/data/p.db"
    assert settings.port == 8080 and not settings.is_loopback
    assert settings.token == "t0ken"
    assert settings.endpoint == "http://perdure.internal:8080"
    assert settings.synchronous == "NORMAL"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PERDURE_PORT", "http", "PERDURE_PORT must be a port number"),
        ("PERDURE_PORT", "70000", "between 0 and 65535"),
        ("PERDURE_ENDPOINT", "ftp://host", "http:// or https://"),
        ("PERDURE_ENDPOINT", "http://host:99999", "invalid port"),
        ("PERDURE_SYNCHRONOUS", "sometimes", "FULL, NORMAL, OFF"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({name: value})


def test_the_database_url_variable_names_the_database() -> None:
    url = "postgresql://perdure@db.internal/perdure"
    assert Settings.from_env({"PERDURE_DATABASE_URL": url}).db == url


def test_the_older_database_variable_is_still_read() -> None:
    assert Settings.from_env({"PERDURE_DB": "/data/p.db"}).db == "/data/p.db"


def test_both_database_variables_may_agree() -> None:
    env = {"PERDURE_DATABASE_URL": "/data/p.db", "PERDURE_DB": "/data/p.db"}
    assert Settings.from_env(env).db == "/data/p.db"


def test_database_variables_that_disagree_are_refused_without_showing_them() -> None:
    secret_url = "postgresql://perdure:s3cret@db.internal/perdure"
    env = {"PERDURE_DATABASE_URL": secret_url, "PERDURE_DB": "/data/p.db"}
    with pytest.raises(ConfigError, match="set only PERDURE_DATABASE_URL") as caught:
        Settings.from_env(env)
    assert "s3cret" not in str(caught.value)
