"""Configuration from the environment: clear errors that name the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u@db.example:5432/rdv", "postgresql+psycopg://u@db.example:5432/rdv"),
        ("postgres://u:p%40ss@localhost/rdv", "postgresql+psycopg://u:p%40ss@localhost/rdv"),
        ("sqlite:////var/lib/rdv.db", "sqlite:////var/lib/rdv.db"),
    ],
    ids=["postgresql", "postgres-alias", "sqlite"],
)
def test_database_url_normalised_to_installed_driver(tmp_path, url, expected):
    config = load_config({"DATABASE_URL": url}, tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "DATABASE_URL is not a valid database URL"),
        ("mysql://root@localhost/rdv", "DATABASE_URL uses 'mysql'"),
        ("postgresql://localhost", "DATABASE_URL names no database"),
    ],
    ids=["garbage", "unsupported", "no-database"],
)
def test_malformed_database_url_names_the_variable(tmp_path, url, message):
    with pytest.raises(ConfigError, match=message):
        load_config({"DATABASE_URL": url}, tmp_path)


def test_default_database_is_sqlite_in_instance(tmp_path):
    config = load_config({}, tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'rdv-ia.sqlite3'}"
    assert config["REDIS_URL"] is None


def test_production_without_secret_key_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load_config({"APP_ENV": "production"}, tmp_path)
    assert not (tmp_path / "secret_key").exists()


def test_production_rejects_short_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY is too short"):
        load_config({"APP_ENV": "production", "SECRET_KEY": "short"}, tmp_path)


def test_development_secret_key_generated_once_and_reused(tmp_path):
    first = load_config({}, tmp_path)["SECRET_KEY"]
    second = load_config({}, tmp_path)["SECRET_KEY"]
    assert len(first) == 64
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_secret_key_from_environment_wins(tmp_path):
    config = load_config({"SECRET_KEY": "from-the-environment"}, tmp_path)
    assert config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL must start with redis://"),
        ({"MAIL_USE_TLS": "perhaps"}, "MAIL_USE_TLS must be a boolean"),
        ({"MAIL_PORT": "smtp"}, "MAIL_PORT must be an integer"),
        ({"APP_ENV": "prod"}, "APP_ENV must be development, production or testing"),
        ({"DATABASE_POOL_SIZE": "many"}, "DATABASE_POOL_SIZE must be an integer"),
    ],
    ids=["redis", "bool", "int", "app-env", "pool"],
)
def test_other_malformed_values_name_the_variable(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        load_config(env, tmp_path)


def test_flask_command_reports_config_error_without_traceback():
    env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": "nonsense"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "db", "current"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DATABASE_URL is not a valid database URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_database_pool_is_sized_from_the_environment(tmp_path):
    options = load_config(
        {"DATABASE_POOL_SIZE": "25", "DATABASE_MAX_OVERFLOW": "5", "DATABASE_POOL_TIMEOUT": "3"},
        tmp_path,
    )["SQLALCHEMY_ENGINE_OPTIONS"]
    assert (options["pool_size"], options["max_overflow"], options["pool_timeout"]) == (25, 5, 3)
