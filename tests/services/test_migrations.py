"""Migrations: upgrade → downgrade → upgrade, and no difference with the models."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app.models import db
from app.models.base import include_object
from tests.conftest import make_app, postgres_url, scratch_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    else:
        with scratch_postgres_database(postgres_url()) as url:
            yield url


def _tables(app) -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_migrations_upgrade_downgrade_upgrade(empty_database):
    app = make_app(empty_database)
    with app.app_context():
        upgrade()
        assert _tables(app) == set(db.metadata.tables)
        downgrade(revision="base")
        assert _tables(app) == set()
        upgrade()
        assert _tables(app) == set(db.metadata.tables)
        db.engine.dispose()


def test_models_and_migrations_agree(empty_database):
    app = make_app(empty_database)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object}
            )
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == []


def test_name_key_migration_backfills_existing_organisations(empty_database):
    app = make_app(empty_database)
    with app.app_context():
        upgrade(revision="4a59d5f8c8eb")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO organisation (kind, name, languages, description, needs_text,"
                    " offer_text) VALUES ('company', :a, '[]', '', '', ''),"
                    " ('company', :b, '[]', '', '', '')"
                ),
                {"a": "Forges  de Vénissieux", "b": "forges de venissieux"},
            )
        upgrade()
        with db.engine.connect() as conn:
            keys = conn.execute(sa.text("SELECT name_key FROM organisation ORDER BY id")).scalars()
            assert list(keys) == ["forges de venissieux", "forges de venissieux #2"]
        db.engine.dispose()


def test_token_digest_migration_backfills_existing_registrations_and_attendees(empty_database):
    """Feed links and badges issued before the digests existed keep working after upgrade."""
    app = make_app(empty_database)
    with app.app_context():
        upgrade(revision="7e552aa889ed")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO organisation (id, kind, name, name_key, languages, description,"
                    " needs_text, offer_text) VALUES (1, 'company', 'Forges', 'forges', '[]',"
                    " '', '', '')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO event (id, slug, title, status, starts_on, ends_on, format,"
                    " approval_mode, request_weights) VALUES (1, 'rdv', 'RDV', 'published',"
                    " '2026-12-01', '2026-12-01', 'free_tables', 'auto', '{}')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO registration (id, event_id, organisation_id, role, status,"
                    " calendar_token) VALUES (1, 1, 1, 'seeker', 'approved', 'reg-token')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO attendee (id, registration_id, name, email, calendar_token,"
                    " checkin_code) VALUES (1, 1, 'Ana', 'ana@example.fr', 'att-token', 'badge'),"
                    " (2, 1, 'Bo', 'bo@example.fr', 'att-token-2', 'badge-2')"
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            registration = conn.execute(
                sa.text("SELECT calendar_token_hash FROM registration")
            ).scalar_one()
            attendees = conn.execute(
                sa.text("SELECT calendar_token_hash, checkin_code_hash FROM attendee ORDER BY id")
            ).all()
        db.engine.dispose()
    assert registration == _sha256("reg-token")
    assert [tuple(row) for row in attendees] == [
        (_sha256("att-token"), _sha256("badge")),
        (_sha256("att-token-2"), _sha256("badge-2")),
    ]


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
