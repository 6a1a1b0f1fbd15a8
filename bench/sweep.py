"""Benchmark: the SLA reminder sweep grows with the reminders due, not the tickets open.

For every size (open tickets) a database is generated once (or reused) with the
largest due count asked for; each measurement then sweeps at the time at which
exactly D reminders are due (``bench.rows.due_cutoff``), inside a transaction
that is rolled back, so every repetition starts from the same state. The
baseline, measured in the same run and interleaved with the sweeps, is a plain
count of the open tickets: work that does grow with the number of open tickets.

    .venv/bin/python -m bench.sweep --sizes 5000,50000 --due 0,100,1000 --repeat 5 --drop
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bench.generate import REFERENCE_NOW, Options, database_url, drop_database, generate
from bench.rows import SERVER, due_cutoff
from himcrm.models import Ticket
from himcrm.sla.reminders import BATCH, SweepResult, sweep_reminders

OPEN_SHARE = 0.8  # a fifth of the table is closed tickets the sweep must never read
COUNT_OPEN = (
    "SELECT count(*) FROM tickets"
    " WHERE status IN ('new', 'routed', 'in_progress', 'on_hold', 'pending_approval')"
)


def label(size: int) -> str:
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


@dataclass
class Target:
    """One generated database and what was measured on it."""

    size: int
    database: str
    engine: Engine
    total_due: int = 0
    open_tickets: int = 0
    baseline: list[float] = field(default_factory=list)
    sweeps: dict[int, list[float]] = field(default_factory=dict)
    results: dict[int, SweepResult] = field(default_factory=dict)
    statements: dict[int, Counter[str]] = field(default_factory=dict)
    sql_seconds: dict[int, float] = field(default_factory=dict)
    instrumented_seconds: dict[int, float] = field(default_factory=dict)


def prepare(size: int, max_due: int, prefix: str, server: str, regenerate: bool) -> Target:
    """Reuse the database of this size if it fits, else generate it."""
    name = f"{prefix}_{label(size)}"
    url = database_url(server, name, driver="postgresql+psycopg")
    if regenerate or not _fits(server, name, size, max_due):
        print(f"generating {name} ({size:,} open tickets, {max_due:,} due)", file=sys.stderr)
        options = Options(
            database=name,
            server=server,
            tickets=round(size / OPEN_SHARE),
            open_share=OPEN_SHARE,
            due=max_due,
        )
        generate(options)
    target = Target(size, name, sa.create_engine(url))
    with target.engine.connect() as conn:
        target.open_tickets = conn.exec_driver_sql(COUNT_OPEN).scalar_one()
        target.total_due = conn.scalar(
            sa.select(sa.func.count()).where(Ticket.next_reminder_at <= REFERENCE_NOW)
        )
    return target


def _fits(server: str, name: str, size: int, max_due: int) -> bool:
    try:
        with psycopg.connect(database_url(server, name)) as conn:
            open_count = conn.execute(COUNT_OPEN).fetchone()
            due = conn.execute(
                "SELECT count(*) FROM tickets WHERE next_reminder_at <= %s", (REFERENCE_NOW,)
            ).fetchone()
    except psycopg.Error:
        return False
    return open_count == (size,) and due is not None and due[0] >= max_due


@contextmanager
def statement_log(engine: Engine) -> Iterator[tuple[Counter[str], list[float]]]:
    """Count the statements sent (by their first words) and the time spent in them."""
    counts: Counter[str] = Counter()
    spent = [0.0]
    started: list[float] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        counts[" ".join(statement.split())[:90]] += 1
        started.append(time.perf_counter())

    def after(*_args: Any) -> None:
        spent[0] += time.perf_counter() - started.pop()

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield counts, spent
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)


def rolled_back(engine: Engine, work: Callable[[Session], Any]) -> tuple[float, Any]:
    """Seconds taken by ``work`` in a transaction that is then rolled back."""
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection)
        try:
            started = time.perf_counter()
            value = work(session)
            return time.perf_counter() - started, value
        finally:
            session.close()
            transaction.rollback()


def measure_sweep(target: Target, due: int, *, instrument: bool) -> float:
    now = due_cutoff(REFERENCE_NOW, target.total_due, due)
    if not instrument:
        seconds, result = rolled_back(target.engine, lambda s: sweep_reminders(s, now=now))
    else:
        with statement_log(target.engine) as (counts, spent):
            seconds, result = rolled_back(target.engine, lambda s: sweep_reminders(s, now=now))
        target.statements[due], target.sql_seconds[due] = counts, spent[0]
        target.instrumented_seconds[due] = seconds
    if result.tickets != due:
        raise RuntimeError(f"{target.database}: swept {result.tickets} tickets, expected {due}")
    target.results[due] = result
    return seconds


def measure_baseline(target: Target) -> float:
    seconds, count = rolled_back(target.engine, lambda s: s.execute(sa.text(COUNT_OPEN)).scalar())
    assert count == target.open_tickets
    return seconds


def selection_plan(target: Target, due: int) -> str:
    """EXPLAIN ANALYZE of the sweep's selection query (the same statement as the sweep's)."""
    now = due_cutoff(REFERENCE_NOW, target.total_due, due)
    stmt = (
        sa.select(Ticket)
        .where(Ticket.next_reminder_at.is_not(None), Ticket.next_reminder_at <= now)
        .order_by(Ticket.next_reminder_at, Ticket.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    explain = f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}"
    return _explain(target, explain)


def _explain(target: Target, explain: str) -> str:
    _seconds, lines = rolled_back(
        target.engine, lambda s: s.execute(sa.text(explain)).scalars().all()
    )
    return "\n".join(lines)


def baseline_plan(target: Target) -> str:
    return _explain(target, f"EXPLAIN (ANALYZE, COSTS OFF) {COUNT_OPEN}")


def run(targets: list[Target], dues: list[int], repeat: int) -> None:
    """Round ``0`` warms the caches and counts statements; rounds 1.. are timed.

    The rounds interleave sizes and due counts so that a slow spell of the machine
    spreads over all of them instead of skewing one.
    """
    for round_ in range(repeat + 1):
        for target in targets:
            baseline = measure_baseline(target)
            if round_:
                target.baseline.append(baseline)
            for due in dues:
                seconds = measure_sweep(target, due, instrument=round_ == 0)
                if round_:
                    target.sweeps.setdefault(due, []).append(seconds)
        print(f"round {round_}/{repeat} done", file=sys.stderr, flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def spread(values: list[float]) -> str:
    return f"{ms(min(values))}–{ms(max(values))}"


def machine(server: str) -> list[str]:
    with open("/proc/meminfo") as meminfo:
        ram_kb = int(meminfo.readline().split()[1])
    with psycopg.connect(database_url(server, "postgres")) as conn:
        version = conn.execute("SELECT version()").fetchone()
        settings = dict(
            conn.execute(
                "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name IN"
                " ('shared_buffers', 'work_mem', 'max_parallel_workers_per_gather')"
            ).fetchall()
        )
    return [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- CPUs (nproc): {os.cpu_count()}; RAM: {ram_kb / 1024 / 1024:.1f} GiB",
        f"- {version[0] if version else 'PostgreSQL ?'}",
        "- PostgreSQL settings: " + ", ".join(f"{k}={v}" for k, v in sorted(settings.items())),
        f"- Python {platform.python_version()}, SQLAlchemy {sa.__version__},"
        f" psycopg {psycopg.__version__}; client and server on the same machine",
    ]


def report(targets: list[Target], dues: list[int], repeat: int, server: str) -> str:
    lines = ["### Machine", "", *machine(server), ""]
    lines += ["### Sweep time by due reminders and open tickets", ""]
    lines += [
        f"Median of {repeat} timed runs (after one warm-up), milliseconds; spread is min–max."
        " Baseline: `SELECT count(*)` of the open tickets, interleaved with the sweeps.",
        "",
        "| open tickets | due | sweep median ms | spread ms | per due ticket ms"
        " | outbox rows | sweep / baseline |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for target in targets:
        base = statistics.median(target.baseline)
        lines.append(
            f"| {target.open_tickets:,} | baseline | {ms(base)} | {spread(target.baseline)}"
            " | | | 1 |"
        )
        for due in dues:
            runs = target.sweeps[due]
            median = statistics.median(runs)
            per = ms(median / due) if due else "–"
            lines.append(
                f"| {target.open_tickets:,} | {due:,} | {ms(median)} | {spread(runs)} | {per}"
                f" | {target.results[due].written:,} | {median / base:.2f} |"
            )
    if len(targets) > 1:
        small, large = targets[0], targets[-1]
        factor = large.open_tickets / small.open_tickets
        lines += [
            "",
            f"### Growth from {small.open_tickets:,} to {large.open_tickets:,} open"
            f" tickets (×{factor:.0f})",
            "",
        ]
        lines += ["| measured | small ms | large ms | large / small |", "|---|---:|---:|---:|"]
        pairs = [("baseline (count open)", small.baseline, large.baseline)]
        pairs += [(f"sweep, {d:,} due", small.sweeps[d], large.sweeps[d]) for d in dues]
        for name, a, b in pairs:
            ma, mb = statistics.median(a), statistics.median(b)
            lines.append(f"| {name} | {ms(ma)} | {ms(mb)} | {mb / ma:.2f} |")
    lines += ["", "### Statements per sweep (warm-up round, largest database)", ""]
    target = targets[-1]
    lines += ["| due | statements | per due ticket | sweep ms | of which in SQL calls |"]
    lines += ["|---:|---:|---:|---:|---:|"]
    for due in dues:
        total = sum(target.statements[due].values())
        per = f"{total / due:.2f}" if due else "–"
        seconds, in_sql = target.instrumented_seconds[due], target.sql_seconds[due]
        lines.append(
            f"| {due:,} | {total:,} | {per} | {ms(seconds)}"
            f" | {ms(in_sql)} ({in_sql / seconds:.0%}) |"
        )
    top = max(dues)
    lines += ["", f"Statements of the {top:,}-due sweep, most frequent first:", ""]
    lines += ["| count | statement (first words) |", "|---:|---|"]
    for statement, count in target.statements[top].most_common(8):
        lines.append(f"| {count:,} | `{statement}` |")
    plan_due = min((d for d in dues if d), default=0)
    lines += ["", f"### Plans on {target.open_tickets:,} open tickets", ""]
    lines += [f"Sweep selection ({plan_due:,} due, first batch of {BATCH}):", "", "```"]
    lines += [selection_plan(target, plan_due), "```", "", "Baseline:", "", "```"]
    lines += [baseline_plan(target), "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="open tickets, comma-separated")
    parser.add_argument("--due", default="0,100,1000,10000", help="due reminders, comma-separated")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database", default="himcrm_bench", help="prefix: <prefix>_100k, ...")
    parser.add_argument("--server", default=SERVER)
    parser.add_argument("--regenerate", action="store_true", help="rebuild even if it fits")
    parser.add_argument("--drop", action="store_true", help="drop the databases at the end")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    dues = sorted(int(d) for d in args.due.split(","))
    targets = [
        prepare(size, max(dues), args.database, args.server, args.regenerate) for size in sizes
    ]
    try:
        for target in targets:
            with target.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM (ANALYZE) tickets, notifications")
        run(targets, dues, args.repeat)
        text = report(targets, dues, args.repeat, args.server)
    finally:
        for target in targets:
            target.engine.dispose()
            if args.drop:
                drop_database(args.server, target.database)
    print(text)
    if args.markdown:
        args.markdown.write_text(text)


if __name__ == "__main__":
    main()
