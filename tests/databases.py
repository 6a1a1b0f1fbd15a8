"""Test databases: a real PostgreSQL or a SQLite file, built by the real migrations."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

POSTGRES_ENV = "HIMCRM_TEST_DATABASE_URL"


def backend() -> str:
    url = os.environ.get(POSTGRES_ENV, "")
    return "postgresql" if url.startswith("postgres") else "sqlite"


def _admin_url() -> sa.URL:
    url = make_url(os.environ[POSTGRES_ENV])
    return url.set(drivername="postgresql+psycopg")


@contextmanager
def scratch_database(tmp_dir: Path, label: str = "t") -> Iterator[str]:
    """Create an empty database for the current backend and drop it afterwards.

    PostgreSQL: a fresh database on the server named by HIMCRM_TEST_DATABASE_URL;
    if the server cannot be reached this raises, so the run fails instead of
    silently testing SQLite twice.
    """
    if backend() == "sqlite":
        path = tmp_dir / f"{label}-{uuid.uuid4().hex[:8]}.sqlite3"
        yield f"sqlite:///{path}"
        return
    admin = _admin_url()
    name = f"himcrm_{label}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()
