"""Fault drills (issue 9), scripted and bounded: workers killed, Redis flushed, PG restarted.

Everything runs on private servers started here, never on shared ones: a
PostgreSQL cluster of its own (``initdb`` into a temporary directory, its own
port; the shared server on 5432 is never touched), a redis-server of its own
(so ``FLUSHALL`` flushes nobody else's data) and the fake Twilio of the tests
(tests/fakes/twilio.py) counting every SMS that reaches "Twilio".

1. ``kill`` — ``--tickets`` overdue tickets (one reminder each is due, to the
   department manager), two RQ workers, a scheduler enqueueing the minute jobs
   (``sweep``, ``dispatch``) every second, and every ``--kill-every`` seconds a
   random worker is killed with SIGKILL (with its work horse) and replaced, for
   ``--kill-seconds``; Twilio holds each request ``--twilio-delay`` so kills
   land between "accepted" and "recorded". Then the claims expire and one burst
   worker finishes. Pass: every reminder row written, all sent, each (To, Body)
   exactly once at Twilio.
2. ``flush`` — more overdue tickets, the sweep enqueued, ``FLUSHALL``, the queue
   verified empty, the next minute's sweep enqueued, a burst worker. Pass: every
   due reminder sent once.
3. ``restart`` — HİM-CRM under gunicorn on the private cluster, ``--clients``
   threads posting tickets to the API for ``--restart-seconds``; meanwhile the
   cluster is stopped for ``--outage`` seconds and started again, then
   restarted once more (``pg_ctl restart -m fast``). Pass: no 500, some 503
   during the outage, and every ticket number answered with
   a 201 is in the database.

    .venv/bin/python -m bench.faults                 # all three, about 2 minutes
    .venv/bin/python -m bench.faults --only restart
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import redis
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from bench import servers
from bench.intake import api_request, hammer
from himcrm import create_app
from himcrm.config import Settings
from himcrm.extensions import db
from himcrm.jobs_runtime import RQRunner
from himcrm.models import Notification, NotificationStatus, Role, Ticket, utcnow
from tests import factories as f
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio

ROOT = Path(__file__).resolve().parent.parent
LEASE_SECONDS = 2


class Failure(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    print(("  ok    " if condition else "  FAIL  ") + message, flush=True)
    if not condition:
        raise Failure(message)


# --------------------------------------------------------------------------- RQ workers


def _children(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == parent:
                found.append(int(stat.parent.name))
    return found


class Workers:
    """Real ``rq worker`` processes on the private Redis, sending to the fake Twilio."""

    def __init__(self, database_url: str, redis_url: str, fake: FakeTwilio, instance: Path) -> None:
        self.redis_url = redis_url
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": servers.SECRET_KEY,
            "HIMCRM_INSTANCE_PATH": str(instance),
            "HIMCRM_SMS_GATEWAY": "twilio",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "HIMCRM_TWILIO_API_BASE": fake.url,
            "HIMCRM_SEND_LEASE_SECONDS": str(LEASE_SECONDS),
            "HIMCRM_SMS_RATE_PER_SECOND": "200",
        }
        self.procs: list[subprocess.Popen[bytes]] = []
        self.log = open(instance / "workers.log", "ab")  # noqa: SIM115 -- closed in close()
        self.kills = 0

    def start(self, *, burst: bool = False) -> subprocess.Popen[bytes]:
        args = [sys.executable, "-m", "rq.cli", "worker", "--url", self.redis_url]
        if burst:
            args.append("--burst")
        args += ["--job-class", "himcrm.jobs_runtime.AppJob", "default", "notifications"]
        proc = subprocess.Popen(  # noqa: S603 -- this interpreter running rq
            args,
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def alive(self) -> list[subprocess.Popen[bytes]]:
        return [p for p in self.procs if p.poll() is None]

    def kill9(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker and its work horse (which setsid()s away from its group)."""
        for pid in [*_children(proc.pid), proc.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=30)
        self.kills += 1

    def close(self) -> None:
        for proc in self.alive():
            self.kill9(proc)
        self.log.close()


def make_overdue_tickets(app: Flask, prefix: str, count: int, manager_phone: str) -> list[int]:
    """``count`` tickets opened 40 days ago: one overdue reminder each is due, to the manager."""
    long_ago = utcnow() - timedelta(days=40)
    with app.app_context(), Session(db.engine) as session:
        dept = f.department(session, prefix)
        f.topic(session, prefix, None, first_response_hours=None, resolution_hours=None)
        f.topic(session, f"{prefix}.X", dept)
        manager = f.staff(session, Role.DEPT_MANAGER, dept, f"{prefix.lower()}.manager")
        manager.phone = manager_phone
        ids = [
            f.ticket(session, topic_code=f"{prefix}.X", now=long_ago, phone=None).id
            for _ in range(count)
        ]
        session.commit()
    return ids


def reminder_report(app: Flask, fake: FakeTwilio, ticket_ids: list[int], phone: str) -> None:
    with app.app_context(), Session(db.engine) as session:
        rows = session.scalars(
            sa.select(Notification).where(
                Notification.ticket_id.in_(ticket_ids), Notification.user_id.is_not(None)
            )
        ).all()
        statuses = Counter(r.status.value for r in rows)
        per_ticket = Counter(r.ticket_id for r in rows)
    bodies = fake.bodies_to(phone)
    duplicates = sum(n - 1 for n in Counter(bodies).values() if n > 1)
    print(f"  reminder rows {len(rows)} {dict(statuses)}; Twilio got {len(bodies)} to the manager")
    check(
        all(per_ticket[t] >= 1 for t in ticket_ids),
        f"every one of {len(ticket_ids)} tickets has its reminder row (0 lost)",
    )
    check(
        statuses == Counter({NotificationStatus.SENT.value: len(rows)}),
        "every reminder row is sent",
    )
    check(
        len(bodies) == len(rows),
        f"Twilio received exactly one SMS per row ({len(bodies)} = {len(rows)})",
    )
    check(duplicates == 0, "no message body reached Twilio twice (0 duplicates)")


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def drill_kill(
    app: Flask, url: str, redis_url: str, fake: FakeTwilio, instance: Path, args: argparse.Namespace
) -> None:
    print(
        f"\n[kill] {args.tickets} overdue tickets, kill -9 a worker every {args.kill_every}s "
        f"for {args.kill_seconds}s"
    )
    phone = "+905557770001"
    ids = make_overdue_tickets(app, "FKILL", args.tickets, phone)
    fake.delay = args.twilio_delay
    runner = RQRunner(redis_url)
    workers = Workers(url, redis_url, fake, instance)
    rng = random.Random(9)
    try:
        workers.start()
        workers.start()
        stop = time.monotonic() + args.kill_seconds
        next_tick = 0.0
        next_kill = time.monotonic() + args.kill_every
        while time.monotonic() < stop:
            now = time.monotonic()
            if now >= next_tick:  # the scheduler: the minute jobs, every second here
                runner.enqueue("himcrm.jobs.sweep", queue="default")
                runner.enqueue("himcrm.jobs.dispatch", queue="default")
                next_tick = now + 1
            if now >= next_kill:
                alive = workers.alive()
                if alive:
                    workers.kill9(rng.choice(alive))
                workers.start()
                next_kill = now + args.kill_every
            time.sleep(0.05)
        print(
            f"  {workers.kills} workers killed; Twilio had {fake.count()} messages "
            "when the killing stopped"
        )
        for proc in workers.alive():
            workers.kill9(proc)
        fake.delay = 0
        time.sleep(LEASE_SECONDS + 0.5)  # the dead workers' claims expire
        runner.enqueue("himcrm.jobs.sweep", queue="default")
        runner.enqueue("himcrm.jobs.dispatch", queue="default")
        workers.start(burst=True).wait(timeout=300)
    finally:
        workers.close()
    check(workers.kills >= 3, f"{workers.kills} SIGKILLs happened")
    reminder_report(app, fake, ids, phone)


def drill_flush(
    app: Flask, url: str, redis_url: str, fake: FakeTwilio, instance: Path, args: argparse.Namespace
) -> None:
    print(f"\n[flush] {args.tickets} overdue tickets, the sweep enqueued, then FLUSHALL")
    phone = "+905557770002"
    ids = make_overdue_tickets(app, "FFLUSH", args.tickets, phone)
    runner = RQRunner(redis_url)
    runner.enqueue("himcrm.jobs.sweep", queue="default")
    runner.enqueue("himcrm.jobs.dispatch", queue="default")
    redis.Redis.from_url(redis_url).flushall()  # the private Redis: nobody else's keys
    check(RQRunner(redis_url).queue("default").count == 0, "FLUSHALL emptied the queue")
    runner.enqueue("himcrm.jobs.sweep", queue="default")  # the next minute's sweep
    workers = Workers(url, redis_url, fake, instance)
    try:
        workers.start(burst=True).wait(timeout=300)
        runner.enqueue("himcrm.jobs.sweep", queue="default")  # and one more: nothing new
        workers.start(burst=True).wait(timeout=300)
    finally:
        workers.close()
    reminder_report(app, fake, ids, phone)


def drill_restart(
    cluster: servers.PrivateCluster,
    db_name: str,
    redis_url: str,
    instance: Path,
    args: argparse.Namespace,
) -> None:
    print(
        f"\n[restart] {args.clients} clients posting tickets for {args.restart_seconds}s; "
        f"stop {args.outage}s, start, restart"
    )
    url = f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/{db_name}"
    env = servers.app_env(url, redis_url, instance)
    key = servers.flask_cli(env, "api-client", "faults", "--scope", "api", "--user", "operator")
    key = key.split("key: ", 1)[1].strip()
    numbers: list[str] = []
    lock = threading.Lock()

    def on_response(status: int, body: bytes) -> None:
        if status == 201:
            with lock:
                numbers.append(json.loads(body)["number"])

    events: list[str] = []

    def saboteur() -> None:
        time.sleep(args.restart_seconds * 0.25)
        cluster.stop()
        events.append(f"stopped at {time.monotonic() - t0:.1f}s")
        time.sleep(args.outage)
        cluster.start()
        events.append(f"started at {time.monotonic() - t0:.1f}s")
        time.sleep(args.restart_seconds * 0.25)
        cluster.restart()
        events.append(f"restarted at {time.monotonic() - t0:.1f}s")

    with servers.gunicorn("bench.bare_app:make_full()", env, workers=2, threads=4) as (base, _):
        t0 = time.monotonic()
        thread = threading.Thread(target=saboteur)
        thread.start()
        run = hammer(
            base,
            api_request(key),
            clients=args.clients,
            seconds=args.restart_seconds,
            ok=frozenset({201}),
            on_response=on_response,
        )
        thread.join()
    print(f"  {', '.join(events)}")
    print(f"  statuses {dict(run.statuses)}; connection errors {dict(run.errors) or 0}")
    engine = sa.create_engine(url)
    with Session(engine) as session:
        stored = set(
            session.scalars(sa.select(Ticket.number).where(Ticket.number.in_(numbers))).all()
        )
    engine.dispose()
    check(run.statuses[500] == 0, "no 500 during the outage")
    check(run.statuses[503] > 0, f"clients got 503 during the outage ({run.statuses[503]})")
    check(set(run.statuses) <= {201, 503}, f"only 201 and 503 answers ({sorted(run.statuses)})")
    check(
        len(numbers) > 0 and stored == set(numbers),
        f"every 201 ({len(numbers)}) is in the database",
    )
    check(len(numbers) == len(set(numbers)), "no ticket number was answered twice")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["kill", "flush", "restart"], action="append")
    parser.add_argument(
        "--tickets", type=int, default=150, help="overdue tickets per reminder drill"
    )
    parser.add_argument("--kill-seconds", type=float, default=20)
    parser.add_argument("--kill-every", type=float, default=1.5)
    parser.add_argument("--twilio-delay", type=float, default=0.05)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--restart-seconds", type=float, default=20)
    parser.add_argument("--outage", type=float, default=4)
    args = parser.parse_args(argv)
    drills = args.only or ["kill", "flush", "restart"]

    failures = 0
    with (
        tempfile.TemporaryDirectory(prefix="himcrm-faults-") as tmp,
        servers.private_cluster() as cluster,
        servers.private_redis() as redis_url,
    ):
        instance = Path(tmp) / "instance"
        instance.mkdir()
        db_name = "himcrm_faults"
        url = servers.recreate_database(cluster.server_url, db_name)
        env = servers.app_env(url, redis_url, instance)
        servers.prepare_app_database(env)
        print(
            f"private PostgreSQL on port {cluster.port} ({cluster.directory}), "
            f"private Redis {redis_url}"
        )
        app = create_app(
            Settings(
                secret_key=servers.SECRET_KEY,
                database_url=url,
                redis_url=redis_url,
                instance_path=instance,
            )
        )
        fake = FakeTwilio().start()
        try:
            for name in drills:
                try:
                    if name == "kill":
                        drill_kill(app, url, redis_url, fake, instance, args)
                    elif name == "flush":
                        drill_flush(app, url, redis_url, fake, instance, args)
                    else:
                        drill_restart(cluster, db_name, redis_url, instance, args)
                except Failure:
                    failures += 1
        finally:
            fake.stop()
            with app.app_context():
                db.engine.dispose()
    print(f"\n{len(drills) - failures}/{len(drills)} drills passed")
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
