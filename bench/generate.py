"""A fresh, migrated PostgreSQL database with N synthetic tickets, bulk-loaded by COPY.

Reusable by every benchmark (the SLA sweep now; reports and search later): the
schema comes from the app's own Alembic migrations and the reference data from
the seed loader, so tables, indexes, topics and departments are the real ones;
only the bulk rows are synthetic. The same ``--seed`` gives the same rows.

Reminders: open tickets have ``next_reminder_at`` in the future (nothing due, the
steady state of a sweep that runs every minute) except ``--due`` of them, due one
second apart up to the reference time: ticket k of D is due at
``now - (D - k) s``. A benchmark sweeping at :func:`due_cutoff` therefore finds
exactly the number of due tickets it asks for, from one data set.

    .venv/bin/python -m bench.generate --tickets 1250000 --open-share 0.8 --due 10000
"""

from __future__ import annotations

import argparse
import random
import re
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import flask_migrate
import psycopg
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench.rows import (
    CITIZEN_COLUMNS,
    EARTHQUAKE,
    EVENT_COLUMNS,
    REFERENCE_NOW,
    TICKET_COLUMNS,
    Options,
    Surge,
    TicketFactory,
    arrival_profile,
    citizen_rows,
    due_cutoff,
    load_reference,
)
from himcrm import create_app
from himcrm.config import Settings
from himcrm.extensions import db
from himcrm.models import Department, Role, User
from himcrm.seed.loader import seed_demo_users, seed_reference

__all__ = ["REFERENCE_NOW", "Options", "database_url", "drop_database", "due_cutoff", "generate"]

# A local benchmark database: the demo accounts get a known password so the app can
# be pointed at it by hand (search and reports at scale).
BENCH_PASSWORD = "Bench-Password-2026"  # noqa: S105 - documented in bench/README.md


def database_url(server: str, database: str, *, driver: str = "postgresql") -> str:
    return f"{server.replace('postgresql://', driver + '://', 1)}/{database}"


class Progress:
    """One line on stderr every 5%: no dependency for a progress bar."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.started = label, total, time.perf_counter()
        self.step = max(total // 20, 1)

    def update(self, done: int) -> None:
        if done % self.step == 0 or done == self.total:
            elapsed = time.perf_counter() - self.started
            rate = done / elapsed if elapsed else 0.0
            print(
                f"  {self.label}: {done:,}/{self.total:,} ({100 * done // self.total}%)"
                f" {rate:,.0f} rows/s",
                file=sys.stderr,
                flush=True,
            )


def create_database(server: str, database: str) -> None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", database):
        raise ValueError(f"database name must be a lower-case identifier, got {database!r}")
    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')


def drop_database(server: str, database: str) -> None:
    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def migrate_and_seed(url: str, staff_per_department: int) -> None:
    """Alembic to head, reference data, demo users and a few staff per department."""
    with tempfile.TemporaryDirectory() as instance:
        settings = Settings(secret_key=secrets.token_hex(16), database_url=url)
        app = create_app(settings.with_overrides(instance_path=Path(instance)))
        with app.app_context():
            flask_migrate.upgrade()
            seed_reference(db.session)
            seed_demo_users(db.session, password=BENCH_PASSWORD)
            _add_staff(db.session, staff_per_department)
            db.session.commit()
            db.engine.dispose()


def _add_staff(session: Session, per_department: int) -> None:
    """A head, a manager and ``per_department`` staff in every department.

    The demo seed has managers in one department only; without these the sweep
    would find nobody to remind for most tickets and write almost nothing.
    """
    template = User(username="template")
    template.set_password(BENCH_PASSWORD)
    people: list[tuple[str, Role, bool]] = [("head", Role.DEPT_MANAGER, True)]
    people.append(("manager", Role.DEPT_MANAGER, False))
    people += [(f"staff{k}", Role.DEPT_STAFF, False) for k in range(1, per_department + 1)]
    number = 0
    for department in session.scalars(sa.select(Department).order_by(Department.id)):
        for suffix, role, head in people:
            number += 1
            username = f"{department.code.lower()}.{suffix}"
            session.add(
                User(
                    username=username,
                    full_name=f"{department.code} {suffix}",
                    email=f"{username}@izmir.example.org",
                    phone=f"+90555{number:07d}",
                    password_hash=template.password_hash,
                    role=role,
                    department_id=department.id,
                    is_department_head=head,
                )
            )
    session.flush()


@contextmanager
def deferred_indexes(conn: psycopg.Connection[Any], tables: tuple[str, ...]) -> Iterator[None]:
    """Drop the secondary indexes of ``tables`` for the load and build them once after.

    Building an index over sorted input is far cheaper than a million random
    inserts (the full-text GIN indexes above all). Indexes that back a primary key
    or unique constraint stay, so duplicates would still fail the load.
    """
    found = conn.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " WHERE i.indrelid::regclass::text = ANY(%s)"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        (list(tables),),
    ).fetchall()
    for name, _definition in found:
        conn.execute(f"DROP INDEX {name}")
    conn.commit()
    yield
    started = time.perf_counter()
    for name, definition in found:
        conn.execute(definition)
        conn.commit()
        print(f"  index {name}: {time.perf_counter() - started:.1f}s", file=sys.stderr)


def _without_fk_checks(conn: psycopg.Connection[Any]) -> None:
    """Skip the per-row foreign-key triggers: the ids are consistent by construction.

    Needs a superuser (the local server's ``postgres``); otherwise the load only
    runs slower.
    """
    try:
        conn.execute("SET session_replication_role = replica")
    except psycopg.errors.InsufficientPrivilege:
        conn.rollback()
        print("  (not a superuser: foreign keys checked row by row)", file=sys.stderr)


def load(
    conn: psycopg.Connection[Any], events_conn: psycopg.Connection[Any], factory: TicketFactory
) -> None:
    """COPY the tickets and their events at once, over two connections."""
    plan, due_ranks = factory.plan()
    for line in arrival_profile(plan, factory.options.surge):
        print(f"  {line}", file=sys.stderr)
    progress = Progress("tickets", len(plan))
    with (
        conn.cursor().copy(f"COPY tickets ({TICKET_COLUMNS}) FROM STDIN") as tickets,
        events_conn.cursor().copy(f"COPY ticket_events ({EVENT_COLUMNS}) FROM STDIN") as events,
    ):
        for index, (created_ts, status) in enumerate(plan):
            ticket, history = factory.rows(index, created_ts, status, due_ranks.get(index))
            tickets.write_row(ticket)
            for event in history:
                events.write_row(event)
            progress.update(index + 1)


def _finish(
    conn: psycopg.Connection[Any],
    counters: dict[int, int],
    tickets: int,
    events: int,
    citizens: int,
) -> None:
    """Sequences after the explicit ids, the number counters, fresh planner statistics."""
    for table, last in (("tickets", tickets), ("ticket_events", events), ("citizens", citizens)):
        conn.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
            (table, max(last, 1), last > 0),
        )
    for year, last in counters.items():
        conn.execute(
            "INSERT INTO ticket_number_counters (year, last_value) VALUES (%s, %s)"
            " ON CONFLICT (year) DO UPDATE SET last_value = EXCLUDED.last_value",
            (year, last),
        )
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM (ANALYZE) tickets, ticket_events, citizens, users")
    conn.autocommit = False


def generate(options: Options) -> dict[str, float]:
    """Build the database named in ``options``; returns seconds per phase."""
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal started
        timings[phase] = time.perf_counter() - started
        print(f"{phase}: {timings[phase]:.1f}s", file=sys.stderr, flush=True)
        started = time.perf_counter()

    rng = random.Random(options.seed)
    create_database(options.server, options.database)
    migrate_and_seed(
        database_url(options.server, options.database, driver="postgresql+psycopg"),
        options.staff_per_department,
    )
    lap("create, migrate, seed")
    url = database_url(options.server, options.database)
    with psycopg.connect(url) as conn, psycopg.connect(url) as events_conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        _without_fk_checks(conn)
        _without_fk_checks(events_conn)
        ref = load_reference(conn, rng)
        factory = TicketFactory(rng, ref, options)
        with deferred_indexes(conn, ("tickets", "ticket_events", "citizens")):
            with conn.cursor().copy(f"COPY citizens ({CITIZEN_COLUMNS}) FROM STDIN") as copy:
                progress = Progress("citizens", factory.citizens)
                for row in citizen_rows(rng, factory.citizens, ref, options.now):
                    copy.write_row(row)
                    progress.update(row[0])
            lap("citizens")
            load(conn, events_conn, factory)
            events_conn.commit()
            conn.commit()
            lap("tickets and events")
        lap("indexes")
        _finish(conn, factory.counters, options.tickets, factory.event_id, factory.citizens)
        lap("analyze")
    timings["total"] = sum(timings.values())
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    defaults = Options()
    parser.add_argument("--database", default=defaults.database)
    parser.add_argument("--server", default=defaults.server, help="libpq URL without database")
    parser.add_argument("--tickets", type=int, default=defaults.tickets)
    parser.add_argument("--open-share", type=float, default=defaults.open_share)
    parser.add_argument("--due", type=int, default=defaults.due, help="reminders due at --now")
    parser.add_argument("--citizens", type=int, default=None, help="default: tickets / 2")
    parser.add_argument("--staff-per-department", type=int, default=defaults.staff_per_department)
    parser.add_argument("--months", type=int, default=defaults.months)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument(
        "--now", type=datetime.fromisoformat, default=defaults.now, help="reference time (UTC)"
    )
    parser.add_argument(
        "--surge",
        default=EARTHQUAKE.at.isoformat(),
        help="when a disaster multiplies the calls (ISO time, UTC); 'none' for no surge",
    )
    parser.add_argument("--surge-factor", type=float, default=EARTHQUAKE.factor)
    parser.add_argument("--surge-days", type=float, default=EARTHQUAKE.days)
    args = parser.parse_args(argv)
    now = args.now if args.now.tzinfo else args.now.replace(tzinfo=UTC)
    surge = None
    if args.surge.lower() != "none":
        at = datetime.fromisoformat(args.surge)
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        surge = Surge(at, factor=args.surge_factor, days=args.surge_days)
    options = Options(
        database=args.database,
        server=args.server,
        tickets=args.tickets,
        open_share=args.open_share,
        due=args.due,
        citizens=args.citizens,
        staff_per_department=args.staff_per_department,
        months=args.months,
        seed=args.seed,
        now=now,
        surge=surge,
    )
    timings = generate(options)
    rate = options.tickets / timings["tickets and events"]
    print(
        f"{options.database}: {options.tickets:,} tickets in {timings['total']:.1f}s"
        f" ({rate:,.0f} tickets/s while copying)"
    )


if __name__ == "__main__":
    main()
