"""Migrations: one head, models equal ``upgrade head``, every step reversible."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from himcrm.extensions import db
from himcrm.models.base import include_object
from tests.conftest import make_app
from tests.databases import scratch_database

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _script() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS))


def test_there_is_exactly_one_head() -> None:
    assert len(_script().get_heads()) == 1


def test_upgrade_head_matches_the_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_every_revision_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    revisions = list(reversed(list(_script().walk_revisions())))  # oldest first
    with scratch_database(tmp_path, "stairs") as url:
        app = make_app(url, tmp_path / "instance")
        with app.app_context():
            for revision in revisions:
                flask_migrate.upgrade(revision=revision.revision)
                flask_migrate.downgrade(revision=revision.down_revision or "base")
                flask_migrate.upgrade(revision=revision.revision)
            tables = set(sa.inspect(db.engine).get_table_names())
            assert {"tickets", "ticket_events", "notifications", "topic_codes"} <= tables
            flask_migrate.downgrade(revision="base")
            assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
            db.engine.dispose()


def test_ticket_events_are_append_only_in_the_database(app: Flask) -> None:
    """The trigger refuses UPDATE and DELETE, whatever code path tries."""
    with app.app_context(), db.engine.connect() as conn:
        trans = conn.begin()
        try:
            conn.execute(
                sa.text("INSERT INTO ticket_number_counters (year, last_value) VALUES (1999, 0)")
            )
            ticket_id = conn.execute(
                sa.text(
                    "INSERT INTO tickets (number, tracking_token, channel, type, status, priority,"
                    " description, address, neighbourhood, version, created_at, updated_at)"
                    " VALUES ('1999-000001', 'tok-append-only', 'phone', 'request', 'new',"
                    " 'normal', 'x', '', '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"
                )
            ).scalar_one()
            conn.execute(
                sa.text(
                    "INSERT INTO ticket_events (ticket_id, kind, actor_label, reason, data,"
                    " created_at) VALUES (:t, 'created', 'system', '', '{}', CURRENT_TIMESTAMP)"
                ),
                {"t": ticket_id},
            )
            for statement in (
                "UPDATE ticket_events SET reason = 'changed'",
                "DELETE FROM ticket_events",
            ):
                nested = conn.begin_nested()
                try:
                    conn.execute(sa.text(statement))
                except sa.exc.DatabaseError as error:
                    assert "append-only" in str(error)
                    nested.rollback()
                else:
                    nested.rollback()
                    raise AssertionError(f"{statement!r} was allowed")
        finally:
            trans.rollback()
