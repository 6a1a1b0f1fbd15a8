"""Exactly once under faults, with real RQ worker processes, real Redis and a fake Twilio.

- a worker killed with SIGKILL in the middle of sending: in the end every message
  went out exactly once;
- two workers at once: no duplicates;
- FLUSHALL on Redis: the next sweep re-derives and sends everything due;
- a rolled-back change sends nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from himcrm.extensions import db
from himcrm.jobs_runtime import RQRunner
from himcrm.models import Notification, NotificationChannel, NotificationStatus, Role, utcnow
from himcrm.notify.outbox import queue_message
from tests import factories as f
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio

ROOT = Path(__file__).resolve().parent.parent
LEASE_SECONDS = 2


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("HIMCRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    connection = redis.Redis.from_url(url)
    connection.ping()  # no Redis: fail, never skip
    connection.flushdb()
    return url


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    yield server
    server.stop()


class Workers:
    """Start and kill real ``rq worker`` processes against the test database."""

    def __init__(self, app: Flask, redis_url: str, fake: FakeTwilio) -> None:
        self.redis_url = redis_url
        self.env = {
            **os.environ,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": redis_url,
            "SECRET_KEY": "fault-tests",
            "HIMCRM_INSTANCE_PATH": app.instance_path,
            "HIMCRM_SMS_GATEWAY": "twilio",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "HIMCRM_TWILIO_API_BASE": fake.url,
            "HIMCRM_SEND_LEASE_SECONDS": str(LEASE_SECONDS),
            "HIMCRM_SMS_RATE_PER_SECOND": "50",
        }
        self.procs: list[subprocess.Popen[bytes]] = []
        self.log = open(Path(app.instance_path) / "workers.log", "ab")  # noqa: SIM115 -- closed in close()

    def start(self, *, burst: bool) -> subprocess.Popen[bytes]:
        args = [
            sys.executable,
            "-m",
            "rq.cli",
            "worker",
            "--url",
            self.redis_url,
            "--job-class",
            "himcrm.jobs_runtime.AppJob",
            "default",
            "notifications",
        ]
        if burst:
            args.insert(4, "--burst")
        proc = subprocess.Popen(  # noqa: S603 -- fixed argv: this interpreter running rq
            args,
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def kill9(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker and its work horse: no cleanup runs anywhere.

        RQ's work horse calls setsid(), so killing the worker's process group
        would leave it running: find it among the worker's children instead.
        """
        for pid in [*_children(proc.pid), proc.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def output(self) -> str:
        self.log.flush()
        return (Path(self.log.name)).read_text(errors="replace")[-4000:]

    def close(self) -> None:
        self.log.close()
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)


@pytest.fixture
def workers(fresh_app: Flask, redis_url: str, fake: FakeTwilio) -> Iterator[Workers]:
    pool = Workers(fresh_app, redis_url, fake)
    yield pool
    pool.close()


def _children(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == parent:
                found.append(int(stat.parent.name))
    return found


def wait_for(
    condition: Callable[[], bool], what: str, log: Callable[[], str], timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; worker output:\n{log()}")


def queue_sms(app: Flask, count: int) -> list[str]:
    numbers = [f"+90532700{n:04d}" for n in range(count)]
    with app.app_context(), Session(db.engine) as session:
        for n, number in enumerate(numbers):
            queue_message(
                session,
                key=f"fault:{n}",
                channel=NotificationChannel.SMS,
                recipient=number,
                template="ticket_created",
                context={"number": f"2026-9{n:05d}", "token": f"tok{n}"},
                now=utcnow(),
            )
        session.commit()
    return numbers


def statuses(app: Flask) -> Counter[str]:
    with app.app_context(), Session(db.engine) as session:
        return Counter(s.value for s in session.scalars(sa.select(Notification.status)))


def sent_once_each(fake: FakeTwilio, numbers: list[str]) -> None:
    per_number = Counter(r.form["To"] for r in fake.received)
    assert {n: per_number[n] for n in numbers} == dict.fromkeys(numbers, 1)


def test_a_worker_killed_mid_send_loses_and_repeats_nothing(
    fresh_app: Flask, workers: Workers, fake: FakeTwilio, redis_url: str
) -> None:
    numbers = queue_sms(fresh_app, 12)
    fake.delay = 0.4  # each request is accepted, then held: a kill lands between accept and record
    runner = RQRunner(redis_url)
    runner.enqueue("himcrm.jobs.dispatch", queue="default")
    victim = workers.start(burst=False)
    wait_for(lambda: fake.count() >= 4, "the first messages to reach Twilio", workers.output)
    workers.kill9(victim)
    assert statuses(fresh_app)["sent"] < 12  # it really died in the middle

    fake.delay = 0
    time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's claim expires
    runner.enqueue("himcrm.jobs.dispatch", queue="default")
    survivor = workers.start(burst=True)
    survivor.wait(timeout=120)
    assert statuses(fresh_app) == Counter({"sent": 12})
    sent_once_each(fake, numbers)


def test_two_workers_at_once_send_each_message_once(
    fresh_app: Flask, workers: Workers, fake: FakeTwilio, redis_url: str
) -> None:
    numbers = queue_sms(fresh_app, 20)
    fake.delay = 0.05
    runner = RQRunner(redis_url)
    for _ in range(4):  # duplicated jobs, as after a retry or a double schedule
        runner.enqueue("himcrm.jobs.dispatch", queue="default")
    first, second = workers.start(burst=True), workers.start(burst=True)
    first.wait(timeout=120)
    second.wait(timeout=120)
    assert statuses(fresh_app) == Counter({"sent": 20})
    sent_once_each(fake, numbers)


def test_flushall_loses_no_reminder(
    fresh_app: Flask, workers: Workers, fake: FakeTwilio, redis_url: str
) -> None:
    """Jobs vanish with Redis; the next sweep re-derives every due reminder from the database."""
    long_ago = utcnow() - timedelta(days=40)
    with fresh_app.app_context(), Session(db.engine) as session:
        dept = f.department(session, "TFLUSH")
        f.topic(session, "TFL", None, first_response_hours=None, resolution_hours=None)
        f.topic(session, "TFL.X", dept)
        manager = f.staff(session, Role.DEPT_MANAGER, dept, "flush.manager")
        manager.phone = "+905557770001"
        ticket_ids = [
            f.ticket(session, topic_code="TFL.X", now=long_ago, phone=f"+90532800{n:04d}").id
            for n in range(3)
        ]
        session.commit()
    runner = RQRunner(redis_url)
    runner.enqueue("himcrm.jobs.sweep", queue="default")
    redis.Redis.from_url(redis_url).flushall()  # the queued sweep is gone
    assert RQRunner(redis_url).queue("default").count == 0

    runner.enqueue("himcrm.jobs.sweep", queue="default")  # the next minute's sweep
    workers.start(burst=True).wait(timeout=120)
    with fresh_app.app_context(), Session(db.engine) as session:
        reminder_rows = session.scalars(
            sa.select(Notification).where(
                Notification.ticket_id.in_(ticket_ids), Notification.user_id.is_not(None)
            )
        ).all()
    assert len(reminder_rows) == 3  # one overdue reminder per ticket, to the manager
    assert all(r.status == NotificationStatus.SENT for r in reminder_rows)
    assert fake.bodies_to("+905557770001") and len(fake.bodies_to("+905557770001")) == 3

    runner.enqueue("himcrm.jobs.sweep", queue="default")  # and again: nothing new
    workers.start(burst=True).wait(timeout=120)
    assert len(fake.bodies_to("+905557770001")) == 3


def test_a_rolled_back_change_sends_nothing(
    fresh_app: Flask, workers: Workers, fake: FakeTwilio, redis_url: str
) -> None:
    fresh_app.extensions["himcrm_runner"] = RQRunner(redis_url)
    with fresh_app.app_context():
        dept = f.department(db.session(), "TROLL")
        f.topic(db.session(), "TRL", None, first_response_hours=None, resolution_hours=None)
        f.topic(db.session(), "TRL.X", dept)
        db.session.commit()
        f.ticket(db.session(), topic_code="TRL.X", now=utcnow(), phone="+905329990000")
        db.session.rollback()  # the request failed after intake
        db.session.remove()
    assert RQRunner(redis_url).queue("notifications").count == 0
    RQRunner(redis_url).enqueue("himcrm.jobs.dispatch", queue="default")
    workers.start(burst=True).wait(timeout=120)
    assert fake.bodies_to("+905329990000") == []
    assert statuses(fresh_app) == Counter()
