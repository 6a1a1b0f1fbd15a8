"""The two WSGI apps of the intake benchmark (bench/intake.py), served by gunicorn.

* ``bench.bare_app:make_bare()`` — the baseline: a tiny Flask app whose one
  endpoint reads the same JSON body, does one ``INSERT ... RETURNING id`` into
  ``bench_bare_tickets`` through SQLAlchemy/psycopg (same engine options as the
  app: ``pool_pre_ping``) and answers 201 with the id. Same stack (gunicorn,
  Flask, SQLAlchemy, psycopg, the same database), none of the work.
* ``bench.bare_app:make_full()`` — HİM-CRM itself (``create_app`` from the
  environment, as ``wsgi.py``) with the per-key API rate limit raised through
  ``Settings.extra`` (``HIMCRM_API_RATE_LIMIT``, read by himcrm/web/api.py), so
  one key is not throttled at 1800/min. Nothing else differs from production.
"""

from __future__ import annotations

import json
import os
from typing import Any

import sqlalchemy as sa
from flask import Flask, jsonify, request

from himcrm import create_app
from himcrm.config import Settings

BARE_TABLE = "bench_bare_tickets"
#: Far above anything two cores can serve: the benchmark measures intake, not the limiter.
BENCH_RATE_LIMIT = "1000000 per minute"

CREATE_BARE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {BARE_TABLE} (
    id bigserial PRIMARY KEY,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
)
"""


def make_bare() -> Flask:
    url = Settings.from_env().database_url
    engine = sa.create_engine(url, pool_pre_ping=True)
    insert = sa.text(f"INSERT INTO {BARE_TABLE} (payload) VALUES (:payload) RETURNING id")
    app = Flask(__name__)

    @app.post("/bare")
    def bare() -> Any:
        body = request.get_json()
        with engine.begin() as connection:
            row_id = connection.execute(insert, {"payload": json.dumps(body)}).scalar_one()
        return jsonify({"id": row_id}), 201

    @app.get("/healthz")
    def healthz() -> Any:
        return {"status": "ok"}

    return app


def make_full() -> Flask:
    rate = os.environ.get("HIMCRM_BENCH_API_RATE_LIMIT", BENCH_RATE_LIMIT)
    settings = Settings.from_env()
    return create_app(
        settings.with_overrides(extra={**settings.extra, "HIMCRM_API_RATE_LIMIT": rate})
    )
