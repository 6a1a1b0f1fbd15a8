"""Where jobs run: a real RQ worker on a real Redis, and the in-process runner."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from himcrm.extensions import db
from himcrm.jobs_runtime import QUEUES, InProcessRunner, RQRunner, enqueue_after_commit
from himcrm.models import EventKind, TicketEvent
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("HIMCRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    connection = redis.Redis.from_url(url)
    connection.ping()  # no Redis: the test fails (never skips)
    connection.flushdb()
    return url


def _ticket_id(app: Flask, now: datetime) -> int:
    with app.app_context(), Session(db.engine) as session:
        dept = f.department(session, "TJOB")
        f.topic(session, "TJB", None, first_response_hours=None, resolution_hours=None)
        f.topic(session, "TJB.X", dept)
        ticket_id = f.ticket(session, topic_code="TJB.X", now=now).id
        session.commit()
        return ticket_id


def _notes(app: Flask, ticket_id: int) -> list[str]:
    with app.app_context(), Session(db.engine) as session:
        return list(
            session.scalars(
                sa.select(TicketEvent.reason).where(
                    TicketEvent.ticket_id == ticket_id, TicketEvent.kind == EventKind.NOTE
                )
            )
        )


def test_a_real_rq_worker_runs_jobs_in_the_app_context(
    fresh_app: Flask, now: datetime, redis_url: str
) -> None:
    ticket_id = _ticket_id(fresh_app, now)
    runner = RQRunner(redis_url)
    job = runner.enqueue("tests.rq_jobs.add_note", ticket_id, "RQ işçisinden not", queue="default")
    assert job.timeout == QUEUES["default"].timeout_seconds

    env = {
        **os.environ,
        "DATABASE_URL": fresh_app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "SECRET_KEY": "worker-test",
        "HIMCRM_INSTANCE_PATH": fresh_app.instance_path,
    }
    done = subprocess.run(  # noqa: S603 -- fixed argv: this interpreter running rq
        [
            sys.executable,
            "-m",
            "rq.cli",
            "worker",
            "--burst",
            "--url",
            redis_url,
            "--job-class",
            "himcrm.jobs_runtime.AppJob",
            "default",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    job.refresh()
    assert job.get_status() == "finished", done.stderr
    assert _notes(fresh_app, ticket_id) == ["RQ işçisinden not"]


def test_jobs_requested_in_a_rolled_back_transaction_never_run(
    fresh_app: Flask, now: datetime
) -> None:
    ticket_id = _ticket_id(fresh_app, now)
    runner = InProcessRunner(fresh_app, synchronous=True)
    fresh_app.extensions["himcrm_runner"] = runner
    with fresh_app.app_context():
        enqueue_after_commit(db.session, "tests.rq_jobs.add_note", ticket_id, "geri alındı")
        db.session.rollback()
        enqueue_after_commit(db.session, "tests.rq_jobs.add_note", ticket_id, "işlendi")
        assert _notes(fresh_app, ticket_id) == []  # nothing before the commit
        db.session.commit()
        db.session.remove()
    assert _notes(fresh_app, ticket_id) == ["işlendi"]


def test_the_in_process_runner_runs_on_its_threads(fresh_app: Flask, now: datetime) -> None:
    ticket_id = _ticket_id(fresh_app, now)
    runner = InProcessRunner(fresh_app)
    future = runner.enqueue("tests.rq_jobs.add_note", ticket_id, "arka planda")
    assert future.result(timeout=30).startswith(f"{now.year}-")
    assert _notes(fresh_app, ticket_id) == ["arka planda"]


def test_unknown_queues_are_refused(fresh_app: Flask) -> None:
    with pytest.raises(ValueError, match="unknown queue"):
        InProcessRunner(fresh_app, synchronous=True).enqueue(
            "tests.rq_jobs.add_note", 1, "x", queue="nope"
        )


def test_periodic_slots_follow_istanbul_time() -> None:
    from datetime import UTC

    from himcrm.jobs_runtime import PeriodicJob

    weekly = PeriodicJob("w", "x", weekly_day=0)  # Mondays 08:00 Istanbul = 05:00 UTC
    assert weekly.slot(datetime(2026, 11, 23, 4, 59, tzinfo=UTC)) is None  # not 08:00 yet
    assert weekly.slot(datetime(2026, 11, 23, 5, 0, tzinfo=UTC)) == "2026-W48"
    monthly = PeriodicJob("m", "x", monthly_day=1)
    assert monthly.slot(datetime(2026, 12, 1, 4, 59, tzinfo=UTC)) is None
    assert monthly.slot(datetime(2026, 12, 1, 5, 0, tzinfo=UTC)) == "2026-12"
    minute = PeriodicJob("s", "x", every_seconds=60)
    assert minute.slot(datetime(2026, 12, 1, 5, 0, 59, tzinfo=UTC)) != minute.slot(
        datetime(2026, 12, 1, 5, 1, tzinfo=UTC)
    )


def test_each_periodic_slot_is_enqueued_once_across_workers(redis_url: str) -> None:
    from datetime import UTC

    from himcrm.jobs_runtime import PERIODIC, SlotClaims, tick

    connection = redis.Redis.from_url(redis_url)
    runner = RQRunner(redis_url)
    at = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # a Monday after 08:00 local, after the 1st
    first = tick(runner, SlotClaims(connection), at)
    second = tick(runner, SlotClaims(connection), at)  # another worker, same minute
    restarted = tick(runner, SlotClaims(connection), at)  # a restarted worker
    assert sorted(first) == sorted(job.name for job in PERIODIC)
    assert second == restarted == []
    queued = sum(runner.queue(name).count for name in QUEUES)
    assert queued == len(PERIODIC)
