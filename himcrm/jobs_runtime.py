"""Where jobs run: RQ on Redis in production, an in-process runner by default.

Job functions are plain functions named by dotted path (``"himcrm.jobs.x"``);
they take ids, never ORM objects, and reload what they need (STYLE.md). Queue
names and time limits live here and nowhere else.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from rq.job import Job
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

from himcrm.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QueueSpec:
    name: str
    timeout_seconds: int


QUEUES: dict[str, QueueSpec] = {
    spec.name: spec
    for spec in (
        QueueSpec("notifications", 60),  # one message per job: short
        QueueSpec("default", 300),
        QueueSpec("reports", 1800),  # monthly exports over millions of rows
    )
}


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """A job run on a schedule: every ``every_seconds``, or monthly at a local time.

    Declared as data; each run is claimed once per time slot (in Redis with
    SET NX when there is Redis, so many workers and restarts never run a slot
    twice; in memory otherwise). The jobs are idempotent anyway: a slot run
    twice after Redis lost its keys writes nothing new (DESIGN.md §5).
    """

    name: str
    path: str
    queue: str = "default"
    every_seconds: int | None = None
    monthly_day: int | None = None  # the day of the month, at ``at``
    weekly_day: int | None = None  # the weekday (0 = Monday), at ``at``
    at: tuple[int, int] = (8, 0)  # local time, Europe/Istanbul

    def slot(self, now: datetime) -> str | None:
        """The time slot ``now`` falls in, or None when the job is not due yet."""
        if self.every_seconds:
            return str(int(now.timestamp()) // self.every_seconds)
        local = now.astimezone(ZoneInfo("Europe/Istanbul"))
        hour, minute = self.at
        if self.weekly_day is not None:
            day = local.date() - timedelta(days=(local.weekday() - self.weekly_day) % 7)
            start = datetime.combine(day, time(hour, minute), local.tzinfo)
            iso = day.isocalendar()
            return f"{iso.year}-W{iso.week:02d}" if local >= start else None
        start = local.replace(
            day=self.monthly_day or 1, hour=hour, minute=minute, second=0, microsecond=0
        )
        return f"{local:%Y-%m}" if local >= start else None


PERIODIC: tuple[PeriodicJob, ...] = (
    PeriodicJob("sla-sweep", "himcrm.jobs.sweep", every_seconds=60),
    PeriodicJob(
        "monthly-overdue", "himcrm.jobs.monthly_overdue_report", queue="reports", monthly_day=1
    ),
    PeriodicJob("weekly-report", "himcrm.jobs.weekly_report", queue="reports", weekly_day=0),
    PeriodicJob("monthly-report", "himcrm.jobs.monthly_report", queue="reports", monthly_day=1),
    PeriodicJob("retention", "himcrm.jobs.retention", queue="reports", monthly_day=1, at=(3, 0)),
)


class SlotClaims:
    """Remembers which (job, slot) pairs were started; Redis-backed when available."""

    def __init__(self, redis: Any = None) -> None:
        self.redis = redis
        self._seen: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def claim(self, job: PeriodicJob, slot: str) -> bool:
        if self.redis is not None:
            ttl = max((job.every_seconds or 40 * 86400) * 2, 120)
            return bool(self.redis.set(f"himcrm:periodic:{job.name}:{slot}", "1", nx=True, ex=ttl))
        with self._lock:
            if (job.name, slot) in self._seen:
                return False
            self._seen.add((job.name, slot))
            return True


def tick(runner_: Runner, claims: SlotClaims, now: datetime) -> list[str]:
    """Enqueue every periodic job whose current slot nobody has started yet."""
    started = []
    for job in PERIODIC:
        slot = job.slot(now)
        if slot is not None and claims.claim(job, slot):
            runner_.enqueue(job.path, queue=job.queue)
            started.append(job.name)
    return started


def run_ticker(
    runner_: Runner,
    claims: SlotClaims,
    *,
    interval: float = 5.0,
    stop: threading.Event | None = None,
) -> threading.Thread:
    """Start the scheduler thread (a worker process, or the embedded web process)."""
    from himcrm.models import utcnow

    stop = stop or threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                tick(runner_, claims, utcnow())
            except Exception:
                log.exception("periodic tick failed; trying again")
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="himcrm-ticker", daemon=True)
    thread.start()
    return thread


def resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.rpartition(".")
    func = getattr(importlib.import_module(module), name)
    if not callable(func):
        raise TypeError(f"{path} is not callable")
    return func


class Runner(Protocol):
    def enqueue(self, path: str, *args: Any, queue: str = "default") -> Any: ...


class InProcessRunner:
    """Runs jobs on a small thread pool inside this process, in an app context.

    The embedded default: no Redis needed. With ``synchronous=True`` (tests, CLI)
    a job runs before ``enqueue`` returns.
    """

    def __init__(self, app: Flask, *, synchronous: bool = False, workers: int = 2) -> None:
        self.app = app
        self.synchronous = synchronous
        self._pool: ThreadPoolExecutor | None = None
        self._workers = workers
        self._lock = threading.Lock()

    def _run(self, path: str, args: tuple[Any, ...]) -> Any:
        with self.app.app_context():
            try:
                return resolve(path)(*args)
            except Exception:
                log.exception("in-process job %s failed", path)
                raise

    def enqueue(self, path: str, *args: Any, queue: str = "default") -> Future[Any] | Any:
        _spec(queue)
        if self.synchronous:
            return self._run(path, args)
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="himcrm-job")
        return self._pool.submit(self._run, path, args)


class RQRunner:
    def __init__(self, redis_url: str) -> None:
        from redis import Redis

        self.connection = Redis.from_url(redis_url)

    def queue(self, name: str) -> Any:
        from rq import Queue

        return Queue(
            name,
            connection=self.connection,
            default_timeout=_spec(name).timeout_seconds,
            job_class=AppJob,
        )

    def enqueue(self, path: str, *args: Any, queue: str = "default") -> Any:
        return self.queue(queue).enqueue(path, *args)


def _spec(queue: str) -> QueueSpec:
    try:
        return QUEUES[queue]
    except KeyError:
        raise ValueError(f"unknown queue {queue!r}; known: {sorted(QUEUES)}") from None


def init_app(app: Flask, settings: Settings) -> None:
    runner: Runner
    if settings.redis_url:
        runner = RQRunner(settings.redis_url)
    else:
        runner = InProcessRunner(app, synchronous=settings.testing)
    app.extensions["himcrm_runner"] = runner


def runner() -> Runner:
    return current_app.extensions["himcrm_runner"]


def enqueue(path: str, *args: Any, queue: str = "default") -> Any:
    return runner().enqueue(path, *args, queue=queue)


_PENDING_KEY = "himcrm_after_commit_jobs"


def enqueue_after_commit(
    session: Session | scoped_session[Session], path: str, *args: Any, queue: str = "default"
) -> None:
    """Enqueue a job only once the session's transaction has committed.

    A rolled-back request enqueues nothing (DESIGN.md §5); the job itself must
    still be idempotent because the outbox, not Redis, is the source of truth.
    """
    if isinstance(session, scoped_session):
        session = session()  # events must bind to this session, not to every session
    if not session.in_transaction():
        # Tie the jobs to a transaction so a rollback (even of one that never
        # touched the database) discards them.
        session.begin()
    pending: list[tuple[str, tuple[Any, ...], str]] = session.info.setdefault(_PENDING_KEY, [])
    pending.append((path, args, queue))
    target = runner()

    if not session.info.get(_PENDING_KEY + "_hooked"):
        session.info[_PENDING_KEY + "_hooked"] = True

        @event.listens_for(session, "after_commit")
        def _flush(sess: Session) -> None:
            if sess.in_nested_transaction():
                return  # SQLAlchemy fires after_commit for a SAVEPOINT too; wait for the real one
            jobs = sess.info.pop(_PENDING_KEY, [])
            for job_path, job_args, job_queue in jobs:
                try:
                    target.enqueue(job_path, *job_args, queue=job_queue)
                except Exception:
                    # The outbox row is committed; the next sweep picks it up.
                    log.exception("could not enqueue %s after commit", job_path)

        @event.listens_for(session, "after_soft_rollback")
        def _drop(sess: Session, previous: Any) -> None:
            # A savepoint rolled back (e.g. a duplicate caught inside intake) keeps
            # the jobs of the enclosing transaction; only the outermost one drops them.
            if previous.parent is None:
                sess.info.pop(_PENDING_KEY, None)


_worker_app: Flask | None = None
_worker_pid: int | None = None


def worker_app() -> Flask:
    """The app a worker process runs jobs in, created once per process.

    A forking RQ worker's job runs in a child process: pooled database
    connections inherited from the parent must not be shared, so the child
    drops them (without closing the parent's sockets) before its first query.
    """
    global _worker_app, _worker_pid
    from himcrm import create_app
    from himcrm.extensions import db

    if _worker_app is None:
        _worker_app = create_app()
        _worker_pid = os.getpid()
    elif _worker_pid != os.getpid():
        with _worker_app.app_context():
            db.engine.dispose(close=False)
        _worker_pid = os.getpid()
    return _worker_app


class AppJob(Job):
    """An RQ job that runs inside the HİM-CRM app context.

    Use with any RQ worker: ``rq worker --job-class himcrm.jobs_runtime.AppJob``.
    """

    def perform(self) -> Any:
        with worker_app().app_context():
            return super().perform()
