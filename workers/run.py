"""Start an RQ worker for HİM-CRM: ``python -m workers.run [queue ...]``.

Runs ``rq worker --with-scheduler --job-class himcrm.jobs_runtime.AppJob
notifications default reports`` with REDIS_URL from the settings, plus the
ticker that enqueues the periodic jobs (the minute sweep, the monthly report).
Plain ``rq worker`` processes may run beside it: they run the jobs, this one
also schedules them. The app is built once in the parent so forked jobs start
warm.
"""

from __future__ import annotations

import sys

from redis import Redis
from rq import Queue, Worker

from himcrm.config import Settings
from himcrm.jobs_runtime import QUEUES, AppJob, RQRunner, SlotClaims, run_ticker, worker_app


def main(argv: list[str]) -> int:
    settings = Settings.from_env()
    if not settings.redis_url:
        print(
            "REDIS_URL is not set: jobs run in the web process (embedded default).", file=sys.stderr
        )
        return 2
    names = argv or list(QUEUES)
    unknown = sorted(set(names) - set(QUEUES))
    if unknown:
        print(f"unknown queues: {', '.join(unknown)}; known: {', '.join(QUEUES)}", file=sys.stderr)
        return 2
    worker_app()  # build once in the parent
    connection = Redis.from_url(settings.redis_url)
    queues = [Queue(name, connection=connection, job_class=AppJob) for name in names]
    # Periodic jobs: each slot is claimed once in Redis, however many workers run this.
    run_ticker(RQRunner(settings.redis_url), SlotClaims(connection))
    worker = Worker(queues, connection=connection, job_class=AppJob)
    worker.work(with_scheduler=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
