"""Fixtures: one migrated and seeded database per test session, a rollback per test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from himcrm import create_app
from himcrm.config import Settings
from himcrm.extensions import db
from himcrm.models import Department, Role, TopicCode, User
from himcrm.seed.loader import seed_demo_users, seed_reference
from tests.databases import backend, scratch_database

DEMO_PASSWORD = "Test-Password-2026"


def pytest_report_header() -> str:
    return f"himcrm database backend: {backend()}"


def make_app(database_url: str, instance: Path) -> Flask:
    settings = Settings(
        secret_key="test-secret",
        database_url=database_url,
        instance_path=instance,
        testing=True,
    )
    # Rate limits stay on in tests (they are part of the product); route tests
    # that log in often give their client its own REMOTE_ADDR.
    return create_app(settings)


def build_database(app: Flask) -> None:
    """Migrate to head and load the reference data and demo users."""
    with app.app_context():
        flask_migrate.upgrade()
        seed_reference(db.session)
        seed_demo_users(db.session, password=DEMO_PASSWORD)
        db.session.commit()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp("himcrm")
    with scratch_database(tmp, "main") as url:
        application = make_app(url, tmp / "instance")
        build_database(application)
        yield application
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def fresh_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on its own migrated, seeded database, for tests that must commit."""
    with scratch_database(tmp_path, "fresh") as url:
        application = make_app(url, tmp_path / "instance")
        build_database(application)
        yield application
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session whose work is rolled back after the test, commits included."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        sess = Session(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield sess
        finally:
            sess.close()
            outer.rollback()
            connection.close()


@pytest.fixture
def web_db(app: Flask) -> Iterator[Session]:
    """Point the app's engine at one connection inside a transaction; roll it back after.

    Every request's ``db.session`` joins that transaction through a savepoint, so a
    view's ``commit()`` is real to the view and undone after the test.
    """
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        engines = db._app_engines[app]  # Flask-SQLAlchemy keeps one engine map per app
        saved = engines[None]
        engines[None] = connection  # type: ignore[assignment]
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
        check = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield check
    finally:
        check.close()
        with app.app_context():
            db.session.remove()
        engines[None] = saved
        outer.rollback()
        connection.close()


@pytest.fixture
def now() -> datetime:
    # A Tuesday, 10:00 in Istanbul: inside working hours, far from holidays.
    return datetime(2026, 11, 17, 7, 0, tzinfo=UTC)


def user(session: Session, role: Role, department_code: str | None = None) -> User:
    stmt = sa.select(User).where(User.role == role)
    if department_code:
        stmt = stmt.join(Department, User.department_id == Department.id).where(
            Department.code == department_code
        )
    found = session.scalars(stmt.order_by(User.id)).first()
    assert found is not None, f"no demo user with role {role}"
    return found


def topic(session: Session, code: str) -> TopicCode:
    found = session.scalar(sa.select(TopicCode).where(TopicCode.code == code))
    assert found is not None, code
    return found


@pytest.fixture(autouse=True)
def _no_outbound_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to reach the internet (fakes run on localhost)."""
    import socket

    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else None
        if host not in (None, "127.0.0.1", "::1", "localhost") and not str(host).startswith("/"):
            raise AssertionError(f"unexpected outbound connection to {address!r}")
        return real_connect(sock, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
