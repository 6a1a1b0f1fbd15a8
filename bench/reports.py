"""Monthly department report at scale: does its cost follow the period, not the history?

Question (issue 5): ``compute_report(session, Period.month(...), Cut.DEPARTMENT, now=...)``
on N months of history. Tickets are spread over ``--months`` so that a month holds
about the same number of tickets in every data set (1M over 12 months and 10M
over 120 months both give ~83k a month); the open backlog has the same absolute
size (``--open``) in every data set, as a city's backlog does not grow with its
archive. A report whose time grows with ``--tickets`` reads history it should not.

Data: the shared generator (``bench.generate``: fresh migrated and seeded database,
deferred indexes, COPY with progress, sequences and ANALYZE) and its ticket rows
(``bench.rows.TicketFactory``), completed here with what reports read and the SLA
benchmark does not need: ``*_business_minutes`` and a lifecycle history per ticket
(created, routed, transferred for some, in progress, answered, reopened and
answered again for some, closed), each event at its time, so a month holds its
share of every event kind, and the holding segments the app writes with them
(``ticket_hold_segments``, derived here from each ticket's events by
:func:`hold_segments`), copied at the same time over a third connection.

    python -m bench.reports --tickets 100000 --months 12 --database himcrm_bench_rq --drop
    python -m bench.reports --tickets 1000000 --months 12 -d himcrm_bench_r1m --repeat 0
    python -m bench.reports --tickets 10000000 --months 120 -d himcrm_bench_r10m --repeat 0
    python -m bench.reports --measure himcrm_bench_r1m,himcrm_bench_r10m --repeat 7 --drop
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench.generate import (
    Progress,
    _finish,
    _without_fk_checks,
    create_database,
    database_url,
    deferred_indexes,
    drop_database,
    migrate_and_seed,
)
from bench.rows import (
    BUSINESS_STRETCH,
    CITIZEN_COLUMNS,
    EVENT_COLUMNS,
    REFERENCE_NOW,
    SERVER,
    TICKET_COLUMNS,
    Options,
    TicketFactory,
    citizen_rows,
    load_reference,
)
from himcrm.reports.kpis import compute_report
from himcrm.reports.model import Cut
from himcrm.reports.period import Period

COLUMNS = [c.strip() for c in TICKET_COLUMNS.split(",")]
AT = {name: COLUMNS.index(name) for name in COLUMNS}
REPORT_COLUMNS = TICKET_COLUMNS + ", first_response_business_minutes, resolution_business_minutes"
TRANSFER_SHARE = 0.06  # tickets moved to another department once
REOPEN_SHARE = 0.03  # concluded tickets reopened once and answered again


# --- data ---------------------------------------------------------------------


def _minutes(start: datetime, end: datetime | None) -> int | None:
    """Wall-clock minutes back to business minutes (the generator's average stretch)."""
    if end is None:
        return None
    return max(int((end - start).total_seconds() / 60 / BUSINESS_STRETCH), 0)


def consistent(rng: random.Random, ticket: tuple[Any, ...]) -> tuple[Any, ...]:
    """Steps in order: first response before the answer (or merge), pause after it.

    The shared rows draw these times independently (enough for the SLA sweep); the
    history below needs them ordered.
    """
    row = list(ticket)
    created, responded = row[AT["created_at"]], row[AT["first_responded_at"]]
    end = row[AT["answered_at"]] or row[AT["closed_at"]]
    if responded is not None and end is not None and responded > end:
        responded = created + (end - created) * rng.random()
        row[AT["first_responded_at"]] = responded
    paused = row[AT["sla_paused_at"]]
    if paused is not None and responded is not None and paused < responded:
        row[AT["sla_paused_at"]] = min(responded + (paused - created), REFERENCE_NOW)
    return tuple(row)


class History:
    """A lifecycle of events per ticket consistent with the ticket row."""

    def __init__(self, rng: random.Random, factory: TicketFactory) -> None:
        self.rng, self.factory = rng, factory
        self.codes = factory.ref.department_codes
        self.departments = sorted(self.codes)
        self.event_id = 0

    def _event(
        self,
        tid: int,
        kind: str,
        before: str | None,
        after: str | None,
        department: int | None,
        at: datetime,
        data: dict[str, Any] | None = None,
    ) -> tuple[Any, ...]:
        self.event_id += 1
        return (
            self.event_id,
            tid,
            kind,
            before,
            after,
            department,
            None,
            "bench",
            "",
            json.dumps(data or {}),
            at,
        )

    def events(self, ticket: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        rng, e = self.rng, self._event
        tid, status, dept = ticket[AT["id"]], ticket[AT["status"]], ticket[AT["department_id"]]
        created = ticket[AT["created_at"]]
        responded, answered = ticket[AT["first_responded_at"]], ticket[AT["answered_at"]]
        closed = ticket[AT["closed_at"]]
        out = [e(tid, "created", None, "new", None, created, {"channel": ticket[AT["channel"]]})]
        if dept is None:  # new or out of scope: never routed
            if status == "out_of_scope":
                out.append(e(tid, "out_of_scope", "new", "out_of_scope", None, closed or created))
            return out
        # A transferred ticket was first routed elsewhere, then moved to ``dept``.
        first = dept
        moved = None
        if rng.random() < TRANSFER_SHARE:
            first = rng.choice([d for d in self.departments if d != dept] or [dept])
            limit = responded or answered or created + timedelta(hours=8)
            moved = created + (limit - created) * rng.random() * 0.5
        routed_at = created
        out.append(e(tid, "routed", "new", "routed", first, routed_at))
        if moved is not None:
            data = {"from": self.codes[first], "to": self.codes[dept]}
            out.append(e(tid, "transferred", "routed", "routed", dept, max(moved, routed_at), data))
        if responded is not None:
            out.append(e(tid, "status_changed", "routed", "in_progress", dept, responded))
        if status == "on_hold":
            paused = ticket[AT["sla_paused_at"]] or responded or created
            out.append(e(tid, "on_hold", "in_progress", "on_hold", dept, paused))
        elif status == "pending_approval":
            out.append(e(tid, "status_changed", "in_progress", "pending_approval", dept, responded))
        if answered is not None and responded is not None:
            if rng.random() < REOPEN_SHARE and answered - responded > timedelta(hours=2):
                first_answer = responded + (answered - responded) * 0.4
                reopened = responded + (answered - responded) * 0.6
                out.append(e(tid, "answered", "in_progress", "answered", dept, first_answer))
                out.append(e(tid, "reopened", "answered", "in_progress", dept, reopened))
            out.append(e(tid, "answered", "in_progress", "answered", dept, answered))
            if status == "closed" and closed is not None:
                out.append(e(tid, "closed", "answered", "closed", dept, closed))
        elif status == "merged":
            out.append(e(tid, "merged", "routed", "merged", dept, closed or created))
        return out


SEGMENT_COLUMNS = "id, ticket_id, department_id, since, until"
OPEN_SQL_STATUSES = frozenset({"new", "routed", "in_progress", "on_hold", "pending_approval"})


def hold_segments(events: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The ticket's holding stretches (ticket_id, department_id, since, until) from its events.

    Written independently of the app's two writers (``lifecycle._track_holding`` as
    events happen, the migration's backfill from the history) to the same rule:
    status-changing events in (created_at, id) order; a stretch runs while one
    department holds the ticket in an open status.
    """
    found: list[list[Any]] = []
    holder: int | None = None
    for event in sorted(events, key=lambda e: (e[10], e[0])):
        status, department, at = event[4], event[5], event[10]
        if status is None:
            continue
        now_holder = department if status in OPEN_SQL_STATUSES else None
        if now_holder == holder:
            continue
        if holder is not None:
            found[-1][3] = at
        if now_holder is not None:
            found.append([event[1], now_holder, at, None])
        holder = now_holder
    return [tuple(segment) for segment in found]


def generate(
    database: str, tickets: int, months: int, open_count: int, seed: int, server: str
) -> dict[str, float]:
    """The shared generator's phases with the report columns and history added."""
    options = Options(
        database=database,
        server=server,
        tickets=tickets,
        open_share=min(open_count / tickets, 1.0),
        due=0,
        months=months,
        seed=seed,
    )
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal started
        timings[phase] = time.perf_counter() - started
        print(f"{phase}: {timings[phase]:.1f}s", file=sys.stderr, flush=True)
        started = time.perf_counter()

    rng = random.Random(seed)
    create_database(server, database)
    migrate_and_seed(database_url(server, database, driver="postgresql+psycopg"), 3)
    lap("create, migrate, seed")
    url = database_url(server, database)
    with (
        psycopg.connect(url) as conn,
        psycopg.connect(url) as events_conn,
        psycopg.connect(url) as segments_conn,
    ):
        conn.execute("SET maintenance_work_mem = '1GB'")
        for connection in (conn, events_conn, segments_conn):
            _without_fk_checks(connection)
        ref = load_reference(conn, rng)
        factory = TicketFactory(rng, ref, options)
        history = History(rng, factory)
        segment_id = 0
        tables = ("tickets", "ticket_events", "citizens", "ticket_hold_segments")
        with deferred_indexes(conn, tables):
            with conn.cursor().copy(f"COPY citizens ({CITIZEN_COLUMNS}) FROM STDIN") as copy:
                progress = Progress("citizens", factory.citizens)
                for row in citizen_rows(rng, factory.citizens, ref, options.now):
                    copy.write_row(row)
                    progress.update(row[0])
            lap("citizens")
            plan, _ = factory.plan()
            progress = Progress("tickets", len(plan))
            with (
                conn.cursor().copy(f"COPY tickets ({REPORT_COLUMNS}) FROM STDIN") as out,
                events_conn.cursor().copy(f"COPY ticket_events ({EVENT_COLUMNS}) FROM STDIN") as ev,
                segments_conn.cursor().copy(
                    f"COPY ticket_hold_segments ({SEGMENT_COLUMNS}) FROM STDIN"
                ) as seg,
            ):
                for index, (created_ts, status) in enumerate(plan):
                    ticket = consistent(rng, factory.rows(index, created_ts, status, None)[0])
                    created = ticket[AT["created_at"]]
                    out.write_row(
                        (
                            *ticket,
                            _minutes(created, ticket[AT["first_responded_at"]]),
                            _minutes(created, ticket[AT["answered_at"]]),
                        )
                    )
                    events = history.events(ticket)
                    for event in events:
                        ev.write_row(event)
                    for segment in hold_segments(events):
                        segment_id += 1
                        seg.write_row((segment_id, *segment))
                    progress.update(index + 1)
            segments_conn.commit()
            events_conn.commit()
            conn.commit()
            lap("tickets and events")
        lap("indexes")
        cluster_events(conn)
        lap("events in time order")
        _finish(conn, factory.counters, tickets, history.event_id, factory.citizens)
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('ticket_hold_segments', 'id'), %s, %s)",
            (max(segment_id, 1), segment_id > 0),
        )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM (ANALYZE) ticket_hold_segments")
        conn.autocommit = False
        lap("analyze")
    timings["total"] = sum(timings.values())
    return timings


def cluster_events(conn: psycopg.Connection[Any]) -> None:
    """Events in time order on disk, as production appends them.

    The load writes each ticket's whole history at once (ticket order), which
    scatters a month's events over the table; the app inserts them as they happen.
    """
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("CLUSTER ticket_events USING ix_ticket_events_created_at")
    conn.commit()


def ticket_count(server: str, database: str) -> int | None:
    try:
        with psycopg.connect(database_url(server, database)) as conn:
            row = conn.execute("SELECT count(*) FROM tickets").fetchone()
            return int(row[0]) if row else None
    except psycopg.Error:
        return None


# --- measurement ----------------------------------------------------------------


class Statements:
    """Per-statement wall time on the driver (before/after_cursor_execute)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.found: list[tuple[float, str, Any]] = []
        self.active = False
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if self.active:
            elapsed = time.perf_counter() - conn.info.pop("bench_started")
            self.found.append((elapsed, statement, params))

    @contextmanager
    def record(self) -> Iterator[list[tuple[float, str, Any]]]:
        self.found, self.active = [], True
        try:
            yield self.found
        finally:
            self.active = False


def summary(statement: str) -> str:
    """A short name for a statement: its selected columns' first words."""
    flat = " ".join(statement.split())
    return flat[:150] + ("…" if len(flat) > 150 else "")


def seq_scans(plan: str) -> list[str]:
    """Tables read whole (departments, 83 rows, does not count)."""
    found = []
    for line in plan.splitlines():
        if "Seq Scan on " in line:
            name = line.split("Seq Scan on ", 1)[1].split()[0]
            if name not in found and name != "departments":
                found.append(name)
    return found


def plan_rows(plan: str) -> str:
    """Rows the plan's leaves read (actual rows × loops of the scans), summed."""
    total = 0
    for line in plan.splitlines():
        if "Scan" in line and "actual time=" in line and "Bitmap Index" not in line:
            actual = line.split("actual time=", 1)[1]
            rows = int(actual.split("rows=", 1)[1].split()[0])
            loops = int(actual.split("loops=", 1)[1].split(")")[0])
            total += rows * loops
    return f"{total:,}"


def index_names(plan: str) -> list[str]:
    found = []
    for line in plan.splitlines():
        for marker in (" using ", " on "):
            if "Index" in line and marker in line:
                name = line.split(marker, 1)[1].split()[0]
                if name not in found and name.startswith(("ix_", "uq_", "pk_", "tickets_")):
                    found.append(name)
    return found


class Target:
    """One database under measurement."""

    def __init__(self, server: str, database: str, period: Period) -> None:
        self.database, self.period = database, period
        url = database_url(server, database, driver="postgresql+psycopg")
        self.engine = sa.create_engine(url, pool_size=1)
        self.statements = Statements(self.engine)
        with self.engine.connect() as conn:
            self.tickets = conn.execute(sa.text("SELECT count(*) FROM tickets")).scalar_one()
            self.events = conn.execute(sa.text("SELECT count(*) FROM ticket_events")).scalar_one()
            self.segments = conn.execute(
                sa.text("SELECT count(*) FROM ticket_hold_segments")
            ).scalar_one()
            self.in_month = self.baseline_count(conn)
            self.open = conn.execute(
                sa.text(
                    "SELECT count(*) FROM tickets WHERE status IN"
                    " ('new','routed','in_progress','on_hold','pending_approval')"
                )
            ).scalar_one()
            self.months = conn.execute(
                sa.text(
                    "SELECT count(DISTINCT date_trunc('month', created_at AT TIME ZONE"
                    " 'Europe/Istanbul')) FROM tickets"
                )
            ).scalar_one()
            self.size = conn.execute(
                sa.text("SELECT pg_size_pretty(pg_database_size(current_database()))")
            ).scalar_one()
        self.report_times: list[float] = []
        self.baseline_times: list[float] = []

    def baseline_count(self, conn: sa.Connection) -> int:
        return conn.execute(
            sa.text(
                "SELECT count(*) FROM tickets WHERE created_at >= :start AND created_at < :end"
            ),
            {"start": self.period.start, "end": self.period.end},
        ).scalar_one()

    def time_baseline(self) -> float:
        with self.engine.connect() as conn:
            started = time.perf_counter()
            self.baseline_count(conn)
            return time.perf_counter() - started

    def time_report(self, now: datetime) -> tuple[float, Any]:
        with Session(self.engine) as session:
            started = time.perf_counter()
            report = compute_report(session, self.period, Cut.DEPARTMENT, now=now)
            elapsed = time.perf_counter() - started
            session.rollback()
        return elapsed, report

    def explain(self, statement: str, params: Any) -> str:
        """The plan as the report runs it (JIT off for its transaction, see kpis.py)."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SET LOCAL jit = off")
            rows = conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, params
            ).fetchall()
            conn.rollback()
        return "\n".join(row[0] for row in rows)


def spread(values: list[float]) -> str:
    return f"{min(values) * 1000:.0f}–{max(values) * 1000:.0f}"


def ms(value: float) -> str:
    return f"{value * 1000:.1f}"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            names = [line.split(":", 1)[1].strip() for line in info if "model name" in line]
            cpu = names[0] if names else cpu
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    with psycopg.connect(database_url(SERVER, "postgres")) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        shared = conn.execute("SHOW shared_buffers").fetchone()
        work = conn.execute("SHOW work_mem").fetchone()
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GB RAM, Python {platform.python_version()},"
        f" PostgreSQL {row[0] if row else '?'} (shared_buffers {shared[0] if shared else '?'},"
        f" work_mem {work[0] if work else '?'})"
    )


def measure(targets: list[Target], repeat: int, now: datetime) -> list[str]:
    """Warm-up round (statements recorded), then ``repeat`` interleaved rounds."""
    out: list[str] = []
    heaviest: dict[str, tuple[float, str, Any, list[tuple[float, str, Any]]]] = {}
    for target in targets:
        target.time_baseline()
        with target.statements.record() as found:
            _, report = target.time_report(now)
        top = max(found, key=lambda item: item[0])
        heaviest[target.database] = (*top, list(found))
        print(
            f"warm-up {target.database}: {len(found)} statements, {len(report.rows)} rows,"
            f" received {report.total.received:,}, concluded {report.total.concluded:,},"
            f" transfers {report.total.transfers:,}, reopened {report.total.reopened:,}",
            file=sys.stderr,
        )
    loads = [os.getloadavg()[0]]
    for round_number in range(repeat):
        order = targets if round_number % 2 == 0 else list(reversed(targets))
        for target in order:
            target.baseline_times.append(target.time_baseline())
            elapsed, _ = target.time_report(now)
            target.report_times.append(elapsed)
        loads.append(os.getloadavg()[0])
        print(f"round {round_number + 1}/{repeat} done", file=sys.stderr, flush=True)

    period = targets[0].period
    out.append(
        f"Machine: {machine()}; load average (1 min) {min(loads):.1f}–{max(loads):.1f}"
        " during the rounds."
    )
    out.append("")
    out.append(
        f"Report: `compute_report(session, Period.month({period.label}), Cut.DEPARTMENT,"
        f" now={now.isoformat()})` (the month's rows, its total and the previous month's"
        f" total, calls). One warm-up, then {repeat} interleaved rounds; times in ms."
    )
    out.append("")
    out.append(
        "| database | tickets | events | segments | months | in the month | open | size"
        " | report median (min–max) | baseline median (min–max) | report / baseline |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    medians = {}
    for t in targets:
        report_median = statistics.median(t.report_times)
        base_median = statistics.median(t.baseline_times)
        medians[t.database] = (report_median, base_median)
        out.append(
            f"| {t.database} | {t.tickets:,} | {t.events:,} | {t.segments:,} | {t.months}"
            f" | {t.in_month:,}"
            f" | {t.open:,} | {t.size} | {ms(report_median)} ({spread(t.report_times)})"
            f" | {ms(base_median)} ({spread(t.baseline_times)})"
            f" | {report_median / base_median:.1f} |"
        )
    if len(targets) > 1:
        small = min(targets, key=lambda t: t.tickets)
        large = max(targets, key=lambda t: t.tickets)
        r_small, b_small = medians[small.database]
        r_large, b_large = medians[large.database]
        out.append("")
        out.append(
            f"Large / small ({large.tickets / small.tickets:.1f}× the tickets):"
            f" report {r_large / r_small:.2f}×, baseline {b_large / b_small:.2f}×."
        )
    for t in targets:
        seconds, statement, params, found = heaviest[t.database]
        total = sum(item[0] for item in found)
        out.append("")
        out.append(f"### {t.database}: statements of the warm-up report, slowest first")
        out.append("")
        out.append("| ms | share | rows read | indexes | whole tables | statement |")
        out.append("|---:|---:|---:|---|---|---|")
        for elapsed, text, parameters in sorted(found, key=lambda item: -item[0]):
            if not text.lstrip().upper().startswith(("SELECT", "WITH")):
                cell = summary(text)
                out.append(f"| {ms(elapsed)} | {100 * elapsed / total:.0f}% | | | | `{cell}` |")
                continue
            cell = summary(text).replace("|", "\\|")
            explained = t.explain(text, parameters)
            out.append(
                f"| {ms(elapsed)} | {100 * elapsed / total:.0f}% | {plan_rows(explained)}"
                f" | {', '.join(index_names(explained)) or '–'}"
                f" | {', '.join(seq_scans(explained)) or '–'} | `{cell}` |"
            )
        plan = t.explain(statement, params)
        out.append("")
        out.append(
            f"Heaviest ({ms(seconds)} ms in the warm-up), indexes used:"
            f" {', '.join(index_names(plan)) or 'none'}."
        )
        out.append("")
        out.append("```")
        out.append(" ".join(statement.split()))
        out.append("")
        out.append(plan)
        out.append("```")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default=SERVER, help="libpq URL without database")
    parser.add_argument("-d", "--database", default="himcrm_bench_reports")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=12, help="history the tickets spread over")
    parser.add_argument("--open", type=int, default=20_000, help="open tickets (any size)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=7, help="0: generate only")
    parser.add_argument("--regenerate", action="store_true", help="rebuild even if it exists")
    parser.add_argument(
        "--measure",
        default="",
        help="comma-separated existing databases to measure together (no generation)",
    )
    parser.add_argument("--drop", action="store_true", help="drop the database(s) at the end")
    parser.add_argument("--markdown", default="", help="also write the report to this file")
    args = parser.parse_args(argv)

    now = REFERENCE_NOW
    period = Period.last_complete_month(now)
    if args.measure:
        names = [name for name in args.measure.split(",") if name]
    else:
        names = [args.database]
        if args.regenerate or ticket_count(args.server, args.database) != args.tickets:
            timings = generate(
                args.database, args.tickets, args.months, args.open, args.seed, args.server
            )
            print(
                f"{args.database}: {args.tickets:,} tickets in {timings['total']:.0f}s"
                f" ({args.tickets / timings['tickets and events']:,.0f} tickets/s copying;"
                f" indexes {timings['indexes']:.0f}s)",
                file=sys.stderr,
            )
    if args.repeat < 1:  # generation only
        return
    targets = [Target(args.server, name, period) for name in names]
    try:
        lines = measure(targets, args.repeat, now)
    finally:
        for target in targets:
            target.engine.dispose()
        if args.drop:
            for name in names:
                drop_database(args.server, name)
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")


if __name__ == "__main__":
    main()
