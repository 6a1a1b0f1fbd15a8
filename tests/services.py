"""Fail fast, and clearly, when PostgreSQL or Redis is not there.

The suite never skips for want of a service: ``make test`` runs this first.
"""

from __future__ import annotations

import sys

import redis
import sqlalchemy as sa


def main(postgres_url: str, redis_url: str) -> int:
    problems = []
    url = sa.engine.make_url(postgres_url).set(drivername="postgresql+psycopg")
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
    except Exception as error:
        problems.append(f"PostgreSQL at {url.render_as_string()}: {error}")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except Exception as error:
        problems.append(f"Redis at {redis_url}: {error}")
    for problem in problems:
        print(f"service missing — {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
