"""Benchmark: the create-ticket API under gunicorn on PostgreSQL vs a bare INSERT endpoint.

Question (issue 9): how many tickets a second does ``POST /api/v1/tickets``
take, compared with the cheapest endpoint the same stack can serve? Goal: at
least 50% of the bare endpoint and at least 300 tickets/s.

* One database (``--database``, dropped and created), migrated and seeded by the
  ``flask`` CLI (``db upgrade``, ``seed --demo``) and one API key for the demo
  ``operator`` (``flask api-client ... --scope api --user operator``).
* Two gunicorn servers with the same settings (gthread, ``--workers`` ×
  ``--threads``), both running for the whole benchmark: HİM-CRM
  (``bench.bare_app:make_full()``, the per-key rate limit raised through
  ``Settings.extra``) and the baseline (``bench.bare_app:make_bare()``: one
  INSERT of the JSON body). A private redis-server serves HİM-CRM's rate limiter
  and RQ queue (the acknowledgement SMS job is enqueued, no worker runs it).
* ``--clients`` threads, each with its own keep-alive connection, post as fast as
  they can for ``--seconds``; runs alternate bare/full (order flipped every
  round) after a warm-up of each. A ticket: one of a few topics and districts, a
  citizen with one of 20,000 mobile numbers (new and returning citizens mixed).
* Reported per run: 201s a second, p50/p95 latency, other statuses; medians over
  the rounds and the full/bare ratio; at the end every 201 is checked against the
  rows in the database.

    .venv/bin/python -m bench.intake --clients 8 --seconds 15 --rounds 3
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.client
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from bench import servers
from bench.bare_app import BARE_TABLE, CREATE_BARE_TABLE

TOPICS = (
    ("FEN.YOL.01", "Sokak lambası yanmıyor, gece çok karanlık."),
    ("FEN.YOL.02", "Sokağımızdaki çukur büyüdü, araçlar zarar görüyor."),
    ("ATIK.COP.01", "Çöp konteyneri iki gündür boşaltılmadı, koku var."),
    ("PARK.BAKIM.01", "Parktaki salıncak kırık, çocuklar için tehlikeli."),
    ("SU.ABONE.01", "Su faturası yanlış geldi, sayaç okunmamış."),
)
DISTRICTS = ("KONAK", "BORNOVA", "KARSIYAKA")
PHONES = 20_000


def ticket_body(rng: random.Random) -> dict[str, object]:
    topic, text = rng.choice(TOPICS)
    return {
        "channel": "mobile_app",
        "type": "complaint",
        "description": text,
        "topic_code": topic,
        "district": rng.choice(DISTRICTS),
        "address": f"{rng.randint(1, 3000)}. Sokak No: {rng.randint(1, 99)}",
        "citizen": {
            "full_name": "Ayşe Yılmaz",
            "phone": f"0532 {rng.randrange(PHONES):07d}",
            "kvkk_consent": True,
        },
    }


# --------------------------------------------------------------------------- the client


@dataclass
class RunResult:
    seconds: float
    statuses: Counter[int] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)  # of the successful requests
    errors: Counter[str] = field(default_factory=Counter)  # connection failures by type

    def ok(self, status: int = 201) -> int:
        return self.statuses[status]

    def rate(self, status: int = 201) -> float:
        return self.ok(status) / self.seconds

    def p(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


Request = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers


def hammer(
    base: str,
    make_request: Callable[[random.Random], Request],
    *,
    clients: int,
    seconds: float,
    seed: int = 0,
    ok: frozenset[int] = frozenset({200, 201}),
    on_response: Callable[[int, bytes], None] | None = None,
) -> RunResult:
    """``clients`` threads sending requests back to back for ``seconds``."""
    parts = urlsplit(base)
    host = parts.hostname or "127.0.0.1"
    deadline = time.monotonic() + seconds
    result = RunResult(seconds=seconds)
    lock = threading.Lock()

    def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        conn = http.client.HTTPConnection(host, parts.port, timeout=30)
        statuses: Counter[int] = Counter()
        errors: Counter[str] = Counter()
        latencies: list[float] = []
        while time.monotonic() < deadline:
            method, path, body, headers = make_request(rng)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as error:
                errors[type(error).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, parts.port, timeout=30)
                time.sleep(0.05)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            statuses[response.status] += 1
            if response.status in ok:
                latencies.append(elapsed)
            if on_response is not None:
                on_response(response.status, data)
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection(host, parts.port, timeout=30)
        conn.close()
        with lock:
            result.statuses.update(statuses)
            result.errors.update(errors)
            result.latencies_ms.extend(latencies)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def api_request(key: str) -> Callable[[random.Random], Request]:
    headers = {
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }

    def make(rng: random.Random) -> Request:
        return "POST", "/api/v1/tickets", json.dumps(ticket_body(rng)).encode(), headers

    return make


def bare_request(rng: random.Random) -> Request:
    body = json.dumps(ticket_body(rng)).encode()
    return "POST", "/bare", body, {"Content-Type": "application/json"}


# --------------------------------------------------------------------------- the benchmark


def machine() -> str:
    load = os.getloadavg()[0]
    python = platform.python_version()
    return f"{platform.node()} · {os.cpu_count()} cores · Python {python} · load {load:.1f}"


def line(kind: str, n: int, run: RunResult) -> str:
    other = {s: c for s, c in run.statuses.items() if s != 201}
    return (
        f"{kind:4s} round {n}: {run.rate():7.1f} /s · p50 {run.p(0.5):6.1f} ms · "
        f"p95 {run.p(0.95):6.1f} ms · 201 {run.ok():6d} · other {other or '-'}"
        f"{' · errors ' + str(dict(run.errors)) if run.errors else ''}"
    )


def profile(master: subprocess.Popen[bytes], seconds: float, out: Path) -> subprocess.Popen[bytes]:
    """py-spy over the gunicorn workers (children of the master), as a flame graph."""
    return subprocess.Popen(  # noqa: S603 -- py-spy, fixed arguments
        [
            shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--pid",
            str(master.pid),
            "--subprocesses",
            "--duration",
            str(int(seconds)),
            "--format",
            {".json": "speedscope", ".svg": "flamegraph"}.get(out.suffix, "raw"),
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="himcrm_bench_intake")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--profile",
        default="",
        help="py-spy output of one extra full run (.svg, .json or collapsed stacks)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--compare",
        default="",
        metavar="GIT_REF",
        help="also serve HİM-CRM as of this commit (a worktree) on the same database",
    )
    args = parser.parse_args(argv)

    print(machine())
    url = servers.recreate_database(args.server, args.database)
    with (
        tempfile.TemporaryDirectory(prefix="himcrm-intake-") as tmp,
        servers.private_redis() as redis_url,
    ):
        env = servers.app_env(url, redis_url, Path(tmp) / "instance")
        started = time.perf_counter()
        key = servers.prepare_app_database(env)
        with psycopg.connect(f"{args.server}/{args.database}", autocommit=True) as conn:
            conn.execute(CREATE_BARE_TABLE)
            before = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]  # type: ignore[index]
        print(
            f"database {args.database}: migrated, seeded, key issued in "
            f"{time.perf_counter() - started:.1f}s"
        )
        settings = f"gthread, {args.workers} workers × {args.threads} threads"
        print(f"gunicorn {settings}; {args.clients} client threads, {args.seconds:.0f}s per run")

        full_req = api_request(key)
        kinds = ("bare", "full", "prev") if args.compare else ("bare", "full")
        runs: dict[str, list[RunResult]] = {kind: [] for kind in kinds}
        created = 0
        serve = functools.partial(servers.gunicorn, workers=args.workers, threads=args.threads)
        with contextlib.ExitStack() as stack:
            full_base, full_master = stack.enter_context(serve("bench.bare_app:make_full()", env))
            bare_base, _ = stack.enter_context(serve("bench.bare_app:make_bare()", env))
            targets = {"bare": (bare_base, bare_request), "full": (full_base, full_req)}
            if args.compare:
                tree = stack.enter_context(servers.checkout(args.compare))
                prev_base, _ = stack.enter_context(
                    serve("bench.bare_app:make_full()", env, cwd=tree)
                )
                targets["prev"] = (prev_base, full_req)
                print(f"prev = HİM-CRM as of {args.compare} ({servers.describe(args.compare)})")
            for kind in kinds:  # warm-up: connections, caches, JIT of nothing
                base, req = targets[kind]
                warm = hammer(base, req, clients=args.clients, seconds=args.warmup, seed=99)
                if kind != "bare":
                    created += warm.ok()
            for n in range(1, args.rounds + 1):
                # Rotate the order every round: a slow spell of the machine hits each kind.
                order = kinds[n % len(kinds) :] + kinds[: n % len(kinds)]
                for kind in order:
                    base, req = targets[kind]
                    run = hammer(base, req, clients=args.clients, seconds=args.seconds, seed=n)
                    runs[kind].append(run)
                    if kind != "bare":
                        created += run.ok()
                    print(line(kind, n, run), flush=True)
            if args.profile:
                spy = profile(full_master, args.seconds, Path(args.profile))
                time.sleep(1)
                run = hammer(
                    full_base, full_req, clients=args.clients, seconds=args.seconds, seed=77
                )
                created += run.ok()
                spy.wait(timeout=120)
                print(line("prof", 0, run) + f" → {args.profile}")

        with psycopg.connect(f"{args.server}/{args.database}", autocommit=True) as conn:
            after = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]  # type: ignore[index]
            bare_rows = conn.execute(f"SELECT count(*) FROM {BARE_TABLE}").fetchone()[0]  # type: ignore[index]

    bare_rate = statistics.median(r.rate() for r in runs["bare"])
    full_rate = statistics.median(r.rate() for r in runs["full"])
    bare_p95 = statistics.median(r.p(0.95) for r in runs["bare"])
    full_p95 = statistics.median(r.p(0.95) for r in runs["full"])
    print()
    print(f"median bare : {bare_rate:7.1f} /s · p95 {bare_p95:6.1f} ms")
    print(f"median full : {full_rate:7.1f} /s · p95 {full_p95:6.1f} ms")
    print(
        f"full / bare : {full_rate / bare_rate:6.1%}  (goal ≥ 50%)  ·  "
        f"full ≥ 300/s: {full_rate >= 300}"
    )
    if args.compare:
        prev_rate = statistics.median(r.rate() for r in runs["prev"])
        prev_p95 = statistics.median(r.p(0.95) for r in runs["prev"])
        print(f"median prev : {prev_rate:7.1f} /s · p95 {prev_p95:6.1f} ms  ({args.compare})")
        print(f"full / prev : {full_rate / prev_rate:6.2f}×")
    print(
        f"tickets in database: {after - before} new, 201 answers: {created} (must be equal); "
        f"bare rows {bare_rows}"
    )
    if not args.keep:
        servers.drop_database(args.server, args.database)
    if after - before != created:
        raise SystemExit("MISMATCH between 201 answers and tickets in the database")


if __name__ == "__main__":
    main()
