"""Benchmark: staff search (himcrm.tickets.search) by number, phone and Turkish full text.

Question (issue 9): at Istanbul scale, is a search by ticket number or phone
answered in p95 ≤ 20 ms and a Turkish full-text search in p95 ≤ 200 ms?

* Data: ``bench.generate`` into ``--database`` (reused when it already has
  ``--tickets`` tickets; ``--regenerate`` rebuilds), i.e. the app's own schema
  and indexes, realistic Turkish descriptions and citizen names.
* Each query is one call of ``search_tickets(session, user, q, dialect=...)`` in
  this process (the first result page, 50 rows, as the search screen shows it),
  timed with ``perf_counter`` around the call; a fresh read-only transaction
  each time. Users: ``admin`` (sees everything: the worst case) and one
  department's staff (scoped by ``visible_tickets``).
* Query kinds, ``--queries`` of each, drawn from the data with ``--seed``:
  ``number`` (``2026-012345``), ``short-number`` (``12345``: that number in
  every year), ``phone`` (a citizen's number as typed, ``0532 123 45 67``),
  ``text-rare`` (a street or neighbourhood name plus a topic word), ``text-common``
  (one frequent word: thousands of matches to rank), ``name`` (``Ayşe Yıl``:
  name prefixes) and ``inflected`` (``çukurlar``: Turkish stemming).
* Baseline in the same run: the ticket by primary key through the ORM.
  Rounds interleave the kinds; a warm-up round is not counted. Reported: p50,
  p95, max, mean rows, p95/baseline ratio, and ``EXPLAIN (ANALYZE, BUFFERS)`` of
  the slowest query.

    .venv/bin/python -m bench.search --tickets 1000000 --database himcrm_bench9_search
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench.generate import Options, generate
from himcrm.models import Citizen, Role, Ticket, User
from himcrm.tickets.search import search_tickets

COMMON_WORDS = ("lütfen", "tehlike", "sorun", "bildirdim", "komşular")
INFLECTED = ("çukurlar", "arızaları", "faturaları", "sokaklarda", "çöpler", "lambaları")
NAMES = ("Ayşe Yıl", "Mehmet Ka", "Fatma Öz", "Zeynep Ş", "Ali Çe", "İbrahim D")
RARE = (
    "Bostanlı Kıbrıs", "Mavişehir Altınyol", "Şirinyer Menderes", "Urla 1453",
    "Narlıdere Anadolu", "Evka-3 Gazi", "Balçova Talatpaşa", "Çamdibi Ankara",
)  # fmt: skip


def count_tickets(url: str) -> int | None:
    try:
        with psycopg.connect(url) as conn:
            return int(conn.execute("SELECT count(*) FROM tickets").fetchone()[0])  # type: ignore[index]
    except psycopg.Error:
        return None


def phone_as_typed(e164: str) -> str:
    """``+905321234567`` → ``0532 123 45 67``, as somebody reads it out."""
    national = "0" + e164.removeprefix("+90")
    return f"{national[:4]} {national[4:7]} {national[7:9]} {national[9:]}"


def draw_queries(session: Session, n: int, rng: random.Random) -> dict[str, list[str]]:
    max_id = session.scalar(sa.select(sa.func.max(Ticket.id))) or 1
    ids = [rng.randrange(1, max_id + 1) for _ in range(n)]
    numbers = session.scalars(sa.select(Ticket.number).where(Ticket.id.in_(ids))).all()
    max_citizen = session.scalar(sa.select(sa.func.max(Citizen.id))) or 1
    cids = [rng.randrange(1, max_citizen + 1) for _ in range(n * 2)]
    phones = session.scalars(
        sa.select(Citizen.phone).where(Citizen.id.in_(cids), Citizen.phone.like("+905%"))
    ).all()[:n]
    return {
        "number": list(numbers),
        "short-number": [str(int(x.split("-")[1])) for x in numbers],
        "phone": [phone_as_typed(p) for p in phones if p],
        "text-rare": [rng.choice(RARE) for _ in range(n)],
        "text-common": [rng.choice(COMMON_WORDS) for _ in range(n)],
        "name": [rng.choice(NAMES) for _ in range(n)],
        "inflected": [rng.choice(INFLECTED) for _ in range(n)],
    }


def timed(engine: sa.Engine, work: Callable[[Session], int]) -> tuple[float, int]:
    with Session(engine) as session:
        session.connection()  # the pool checkout is not part of the search
        started = time.perf_counter()
        rows = work(session)
        elapsed = (time.perf_counter() - started) * 1000
        session.rollback()
    return elapsed, rows


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def explain(engine: sa.Engine, user: User, query: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement search_tickets runs for ``query``."""
    captured: list[tuple[str, Any]] = []

    def capture(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        captured.append((statement, params))

    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        with Session(engine) as session:
            search_tickets(session, session.merge(user), query, dialect="postgresql")
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    statement, params = captured[-1]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for setting, setting_params in captured[:-1]:  # the search's SET LOCALs, same transaction
            if setting.lstrip().upper().startswith("SET "):
                cursor.execute(setting, setting_params)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
        return "\n".join(row[0] for row in cursor.fetchall())
    finally:
        raw.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="himcrm_bench_search")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--queries", type=int, default=20, help="per kind and user")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--kinds", default="", help="comma-separated subset of the query kinds")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args(argv)

    libpq = f"{args.server}/{args.database}"
    if args.regenerate or count_tickets(libpq) != args.tickets:
        generate(
            Options(
                database=args.database,
                server=args.server,
                tickets=args.tickets,
                open_share=0.2,
                months=24,
            )
        )
    url = "postgresql+psycopg://" + libpq.split("://", 1)[1]
    engine = sa.create_engine(url, pool_size=2)
    rng = random.Random(args.seed)
    print(
        f"{platform.node()} · {os.cpu_count()} cores · load {os.getloadavg()[0]:.1f} · "
        f"{args.tickets:,} tickets in {args.database}"
    )
    with Session(engine, expire_on_commit=False) as session:
        admin = session.scalar(sa.select(User).where(User.role == Role.ADMIN))
        staff = session.scalar(
            sa.select(User).where(User.role == Role.DEPT_STAFF).order_by(User.id).limit(1)
        )
        assert admin is not None and staff is not None
        queries = draw_queries(session, args.queries, rng)
        if args.kinds:
            queries = {k: v for k, v in queries.items() if k in args.kinds.split(",")}
        max_id = session.scalar(sa.select(sa.func.max(Ticket.id))) or 1
        session.expunge_all()

    users = {"admin": admin, "staff": staff}
    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    rows: dict[tuple[str, str], list[int]] = defaultdict(list)
    slowest: tuple[float, str, str] = (0.0, "", "")

    def search_work(user: User, q: str) -> Callable[[Session], int]:
        def work(session: Session) -> int:
            return len(
                search_tickets(
                    session, session.merge(user, load=False), q, dialect="postgresql"
                ).hits
            )

        return work

    def baseline_work(ticket_id: int) -> Callable[[Session], int]:
        def work(session: Session) -> int:
            return 1 if session.get(Ticket, ticket_id) is not None else 0

        return work

    for round_no in range(args.rounds + 1):  # round 0 warms up
        jobs: list[tuple[str, str, Callable[[Session], int], str]] = []
        for who, user in users.items():
            for kind, qs in queries.items():
                warm = qs[:1] if round_no == 0 else qs  # the warm-up round: one of each
                jobs += [(who, kind, search_work(user, q), q) for q in warm]
        jobs += [
            ("-", "baseline (PK)", baseline_work(rng.randrange(1, max_id + 1)), "")
            for _ in range(args.queries)
        ]
        rng.shuffle(jobs)
        for who, kind, work, q in jobs:
            elapsed, n = timed(engine, work)
            if round_no == 0:
                continue
            times[(who, kind)].append(elapsed)
            rows[(who, kind)].append(n)
            if kind != "baseline (PK)" and elapsed > slowest[0]:
                slowest = (elapsed, who, q)
        print(f"round {round_no} done", flush=True)

    base_p95 = pct(times[("-", "baseline (PK)")], 0.95)
    goals = {"number": 20, "short-number": 20, "phone": 20}
    print()
    print(
        "| user | kind | n | p50 ms | p95 ms | max ms | rows (mean) | p95 / baseline p95 | goal |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for (who, kind), values in sorted(times.items()):
        goal = goals.get(kind, 200 if kind != "baseline (PK)" else None)
        verdict = "" if goal is None else ("✓" if pct(values, 0.95) <= goal else "✗") + f" ≤ {goal}"
        print(
            f"| {who} | {kind} | {len(values)} | {statistics.median(values):.1f} | "
            f"{pct(values, 0.95):.1f} | {max(values):.1f} | "
            f"{statistics.mean(rows[(who, kind)]):.0f} | "
            f"{pct(values, 0.95) / base_p95:.0f}× | {verdict} |"
        )
    elapsed, who, q = slowest
    print(f"\nslowest: {elapsed:.0f} ms, user {who}, query {q!r}\n")
    print(explain(engine, users[who], q))
    engine.dispose()
    if args.drop:
        with psycopg.connect(f"{args.server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
