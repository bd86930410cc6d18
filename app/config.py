"""Configuration read from environment variables (and `instance/` for generated secrets)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

SUPPORTED_DATABASES = ("sqlite", "postgresql")


class ConfigError(RuntimeError):
    """A configuration value is missing or malformed; the message names the variable."""


def _bool(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def database_uri(raw: str | None, instance_path: Path) -> str:
    """Validate DATABASE_URL and normalise it to a driver this project installs."""
    if not raw:
        return f"sqlite:///{instance_path / 'rdv-ia.sqlite3'}"
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL is not a valid database URL "
            "(expected e.g. postgresql://user@host:5432/name or sqlite:///path.db)"
        ) from None
    backend = url.get_backend_name()
    if backend == "postgres":
        backend = "postgresql"
    if backend not in SUPPORTED_DATABASES:
        raise ConfigError(
            f"DATABASE_URL uses {backend!r}; supported databases: {', '.join(SUPPORTED_DATABASES)}"
        )
    if backend == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
        if not url.database:
            raise ConfigError("DATABASE_URL names no database (add /dbname at the end)")
    return url.render_as_string(hide_password=False)


def _secret_key(env: Mapping[str, str], instance_path: Path, production: bool) -> str:
    key = env.get("SECRET_KEY", "")
    if key:
        if production and len(key) < 32:
            raise ConfigError("SECRET_KEY is too short for production (32 characters at least)")
        return key
    if production:
        raise ConfigError(
            "SECRET_KEY is not set: production mode (APP_ENV=production) refuses to start "
            "without it"
        )
    # Development: generate once, keep it in instance/ so sessions survive restarts.
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load_config(env: Mapping[str, str], instance_path: Path) -> dict:
    """Build the Flask config mapping from environment variables."""
    app_env = env.get("APP_ENV", "development").strip().lower()
    if app_env not in {"development", "production", "testing"}:
        raise ConfigError(f"APP_ENV must be development, production or testing, got {app_env!r}")
    production = app_env == "production"
    redis_url = env.get("REDIS_URL") or None
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("REDIS_URL must start with redis://, rediss:// or unix://")
    return {
        "APP_ENV": app_env,
        "SECRET_KEY": _secret_key(env, instance_path, production),
        "SQLALCHEMY_DATABASE_URI": database_uri(env.get("DATABASE_URL"), instance_path),
        # A web process serves many threads (websockets hold one each, see deploy/): the
        # pool bounds the database connections it opens; a request that waits longer than
        # the pool timeout gets "busy, try again" (503), not a server error.
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "pool_size": _int(env, "DATABASE_POOL_SIZE", 10),
            "max_overflow": _int(env, "DATABASE_MAX_OVERFLOW", 20),
            "pool_timeout": _int(env, "DATABASE_POOL_TIMEOUT", 30),
        },
        "REDIS_URL": redis_url,
        "SERVER_NAME": env.get("SERVER_NAME") or None,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SAMESITE": "Lax",  # Flask-Login sets no SameSite by default
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "LANGUAGES": ("fr", "en"),
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int(env, "MAIL_PORT", 587),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(env, "MAIL_USE_TLS", True),
        "MAIL_DEFAULT_SENDER": env.get(
            "MAIL_DEFAULT_SENDER", "Rendez-vous IA <no-reply@localhost>"
        ),
        "MAIL_OUTBOX_DIR": env.get("MAIL_OUTBOX_DIR") or str(instance_path / "outbox"),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_ENABLED": _bool(env, "RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,  # uploads (logos) are small
        "UPLOAD_DIR": env.get("UPLOAD_DIR") or str(instance_path / "uploads"),
        "SOLVER_TIME_LIMIT_S": _int(env, "SOLVER_TIME_LIMIT_S", 60),
        "SOLVER_WORKERS": _int(env, "SOLVER_WORKERS", 0),
        # Publication e-mails still pending this long after the publication (or the last
        # retry) are sent again: their job was lost (app/jobs.py). Longer than RQ takes to
        # notice a killed worker (about 90 s).
        "PUBLICATION_MAIL_RETRY_S": _int(env, "PUBLICATION_MAIL_RETRY_S", 120),
        # Feedback reminder (`flask send-feedback-reminders`): this long after a participant's
        # last meeting ended, if some of its meetings have no feedback from it yet.
        "FEEDBACK_REMINDER_AFTER_S": _int(env, "FEEDBACK_REMINDER_AFTER_S", 3600),
        # Reverse proxies in front of the app (nginx: 1) whose X-Forwarded-For/-Proto/-Host
        # are trusted: the client's address (rate limits) and https links depend on them.
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
    }
