"""Engine-level settings per backend."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

_installed = False


def configure_engine_events(app: Flask) -> None:
    """Install the SQLite connection hooks once per process.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; the
    SQLAlchemy-documented fix is to turn it off and emit BEGIN ourselves. We emit
    BEGIN IMMEDIATE: the embedded default then serialises writers on the database
    lock (waiting up to the connect timeout) instead of failing with "database is
    locked" when a reading transaction later tries to write.
    """
    global _installed
    if _installed:
        return
    _installed = True
    event.listen(Engine, "connect", _on_connect)
    event.listen(Engine, "begin", _on_begin)


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_begin(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def upsert_insert(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that supports ON CONFLICT on the session's backend.

    Both supported backends speak ``INSERT ... ON CONFLICT``; the counter and the
    outbox rely on it for race-free "insert once" semantics.
    """
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database backend: {name}")


def insert_on_conflict(
    table: Any,
    columns: Sequence[str],
    *,
    conflict: str,
    update: str | None = None,
    returning: str,
) -> sa.TextualSelect:
    """``INSERT ... ON CONFLICT (conflict) DO NOTHING | DO UPDATE SET update RETURNING``.

    Built once, as text both backends speak (PostgreSQL, SQLite ≥ 3.35), with
    each parameter typed by its column so values are processed as the ORM would
    (UTC datetimes, enums, JSON). The dialects' own ``insert().on_conflict_*``
    constructs are not cacheable in SQLAlchemy 2.0 (``inherit_cache = False``),
    so they were compiled again on every execution: a millisecond per ticket
    for the number and another for the outbox row (issue 9). ``update`` is SQL
    for ``SET``, e.g. ``"last_value = ticket_number_counters.last_value + 1"``.
    """
    names = ", ".join(columns)
    values = ", ".join(f":{name}" for name in columns)
    action = f"DO UPDATE SET {update}" if update else "DO NOTHING"
    sql = (
        f"INSERT INTO {table.name} ({names}) VALUES ({values}) "  # noqa: S608 -- names from metadata
        f"ON CONFLICT ({conflict}) {action} RETURNING {returning}"
    )
    params = [sa.bindparam(name, type_=table.c[name].type) for name in columns]
    return sa.text(sql).bindparams(*params).columns(sa.column(returning, table.c[returning].type))


def without_jit(session: Session) -> None:
    """No JIT compilation for the rest of the transaction (PostgreSQL; nothing elsewhere).

    On a long history the planner prices statements over large tables past
    ``jit_above_cost`` although they read a few thousand rows through an index,
    and compiling takes longer than running them: 1.6 s of JIT for 0.8 s of a
    monthly report and 0.5 s for a 67 ms full-text search at 10M tickets
    (bench/RESULTS.md). ``SET LOCAL`` ends with the caller's transaction; it is
    not a connection option, which a pooler in transaction mode would not pass.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL jit = off"))


T = TypeVar("T")


def add_once(session: Session, row: T, find_existing: Callable[[], T | None]) -> tuple[T, bool]:
    """Insert ``row`` unless a unique constraint says it exists; (the row, created).

    For idempotent intake of provider events: the caller looked first, but the
    same event handled concurrently may win between the look and the insert. The
    insert runs in a savepoint, so losing the race rolls back only this row and
    returns the winner's.
    """
    savepoint = session.begin_nested()
    try:
        session.add(row)
        session.flush()
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        existing = find_existing()
        if existing is None:
            raise
        return existing, False
    return row, True
