"""PostgreSQL stopped and restarted under intake load (issue 9, quick version of bench/faults.py).

Every ticket answered with a 201 is in the database afterwards, and while the
database is away clients get a 503 (never a 500). The test runs its own
PostgreSQL cluster (``initdb`` into a temporary directory, its own port): the
shared server is never restarted. It needs the PostgreSQL server binaries and
fails, not skips, when it cannot start a cluster. It does not depend on the
backend of the rest of the suite.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from bench.servers import PrivateCluster, recreate_database
from himcrm.api_keys import create_client
from himcrm.extensions import db
from himcrm.models import SCOPE_API, Ticket, User
from tests.conftest import build_database, make_app

CLIENTS = 4
NEW_TICKET = {
    "channel": "mobile_app",
    "type": "complaint",
    "description": "Sokağımızdaki çukur büyüdü, araçlar zarar görüyor.",
    "topic_code": "FEN.YOL.02",
    "district": "KONAK",
    "address": "1203/4 Sokak No: 5",
    "citizen": {"full_name": "Ayşe Yılmaz", "phone": "0532 111 22 33", "kvkk_consent": True},
}


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    private = PrivateCluster()
    try:
        private.init()
        private.start()
        yield private
    finally:
        private.destroy()


@pytest.fixture
def restart_app(cluster: PrivateCluster, tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    url = recreate_database(cluster.server_url, "himcrm_restart")
    app = make_app(url, tmp_path / "instance")
    build_database(app)
    with app.app_context():
        operator = db.session.scalar(sa.select(User).where(User.username == "operator"))
        _client, key = create_client(
            db.session(), name="restart", scopes=[SCOPE_API], user=operator
        )
        db.session.commit()
    yield app, key
    with app.app_context():
        db.engine.dispose()


def test_restart_under_intake_load_keeps_every_201_and_answers_503(
    cluster: PrivateCluster, restart_app: tuple[Flask, str]
) -> None:
    app, key = restart_app
    headers = {"Authorization": f"Bearer {key}"}
    statuses: Counter[int] = Counter()
    numbers: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    down = threading.Event()
    seen_down: Counter[int] = Counter()

    def client() -> None:
        http = app.test_client()
        while not stop.is_set():
            started_down = down.is_set()
            response = http.post("/api/v1/tickets", json=NEW_TICKET, headers=headers)
            with lock:
                statuses[response.status_code] += 1
                if started_down and down.is_set():  # sent and answered while it was down
                    seen_down[response.status_code] += 1
                if response.status_code == 201:
                    numbers.append(response.get_json()["number"])
                elif response.status_code == 503:
                    assert response.headers["Retry-After"] == "5"
                    assert response.get_json()["error"] == "unavailable"
                    time.sleep(0.05)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.5)
        before_outage = statuses[201]
        cluster.stop()  # fast shutdown: in-flight transactions are cut off
        down.set()
        time.sleep(1.5)
        down.clear()
        cluster.start()
        time.sleep(1.5)
        cluster.restart()  # and once more without a pause
        time.sleep(1.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    assert before_outage > 0, statuses
    assert seen_down[503] > 0 and seen_down[201] == 0, seen_down
    assert set(statuses) <= {201, 503}, statuses  # no 500, no 4xx
    with app.app_context():
        after = app.test_client().post("/api/v1/tickets", json=NEW_TICKET, headers=headers)
        assert after.status_code == 201  # the pool reconnected by itself
        numbers.append(after.get_json()["number"])
        with Session(db.engine) as session:
            stored = session.scalars(sa.select(Ticket.number)).all()
    assert len(set(numbers)) == len(numbers)  # no number given out twice
    # Every 201 is in the database. (The converse need not hold: a commit that
    # succeeded just as the server shut down may still have answered 503.)
    assert set(numbers) <= set(stored)
    assert statuses[201] + 1 > before_outage  # intake went on after the restarts
