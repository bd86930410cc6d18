"""Application factory: `create_app()` only wires things together."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.config import load_config
from app.extensions import babel, csrf, db, limiter, login_manager, migrate, socketio
from app.i18n import select_locale
from app.security import DatabaseIntConverter, register_security_headers
from app.templating import register_filters

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: Mapping | None = None, *, env: Mapping[str, str] | None = None) -> Flask:
    """Build the app from environment variables, then `overrides` (used by tests)."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
    )
    app.config.from_mapping(
        load_config(os.environ if env is None else env, Path(app.instance_path))
    )
    if overrides:
        app.config.from_mapping(overrides)
    _register_extensions(app)
    app.url_map.converters["int"] = DatabaseIntConverter  # before any route is added
    _register_blueprints(app)
    _register_errors(app)
    _register_cli(app)
    register_filters(app)
    register_security_headers(app)
    _register_proxy(app)
    return app


def _register_proxy(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client's address and scheme from them."""
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Outermost, so Socket.IO handlers see the same client address as views.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories="translations"
    )
    # Flask-Limiter keeps the first app's key prefix on its shared object; every app (several
    # in one process: tests, the CLI) uses its own configuration.
    limiter._key_prefix = app.config.get("RATELIMIT_KEY_PREFIX", "")
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.needs_refresh_message = _l("Please log in again to continue.")
    # The handlers must be declared before the first init_app, which copies them to the server.
    from app import realtime  # noqa: F401

    # The extension object is shared: an earlier app's Redis client manager must not leak into
    # an app without REDIS_URL (several apps in one process: tests, the CLI).
    socketio.server_options.pop("client_manager", None)
    socketio.init_app(
        app,
        message_queue=app.config["REDIS_URL"],
        channel=app.config.get("SOCKETIO_CHANNEL", "flask-socketio"),
        async_mode="threading",
        # The default: a browser connection must come from this site's own origin (Host, or
        # X-Forwarded-Host behind the proxy). An empty list would turn the check off.
        cors_allowed_origins=None,
        # Clients only send small messages (`watch`): anything bigger closes the connection.
        max_http_buffer_size=64 * 1024,
    )
    from app.models.user import User  # noqa: PLC0415 (models need the bound db)

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        # The id carries the session version: a session from before a password change is void.
        ident, _, version = user_id.partition(":")
        if not (ident.isdigit() and version.isdigit()):
            return None
        user = db.session.get(User, int(ident))
        return user if user is not None and user.session_version == int(version) else None


def _register_blueprints(app: Flask) -> None:
    from app.agenda.routes import bp as agenda_bp
    from app.api.admin import bp as api_admin_bp
    from app.api.routes import bp as api_bp
    from app.auth.routes import bp as auth_bp
    from app.calendar.routes import bp as calendar_bp
    from app.catalogue.routes import bp as catalogue_bp
    from app.checkin.routes import bp as checkin_bp
    from app.eventsetup.routes import bp as eventsetup_bp
    from app.feedback.routes import bp as feedback_bp
    from app.i18n import bp as i18n_bp
    from app.matchmaking.routes import bp as matchmaking_bp
    from app.onsite.routes import bp as onsite_bp
    from app.organiser.routes import bp as organiser_bp
    from app.participant.routes import bp as participant_bp
    from app.planning.routes import bp as planning_bp
    from app.public.routes import bp as public_bp
    from app.registration.routes import bp as registration_bp
    from app.screen.routes import bp as screen_bp

    blueprints = (
        public_bp,
        i18n_bp,
        catalogue_bp,
        auth_bp,
        participant_bp,
        registration_bp,
        matchmaking_bp,
        organiser_bp,
        eventsetup_bp,
        planning_bp,
        agenda_bp,
        calendar_bp,
        api_bp,
        api_admin_bp,
        checkin_bp,
        screen_bp,
        feedback_bp,
        onsite_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


def _register_errors(app: Flask) -> None:
    from app.errors import register_error_handlers

    register_error_handlers(app)


def _register_cli(app: Flask) -> None:
    from app.cli import register_cli

    register_cli(app)
