"""Concurrent intake on a real database: no duplicate numbers, no gaps, no double tickets."""

from __future__ import annotations

import threading
from datetime import datetime

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from himcrm.citizens.service import CitizenInput
from himcrm.extensions import db
from himcrm.models import Ticket
from himcrm.tickets.intake import TicketInput, create_ticket
from tests import factories as f

WRITERS = 8
PER_WRITER = 15


def _run_concurrently(target, count: int) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            target(i)
        except BaseException as error:  # collected and re-raised by the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def _prepare(app: Flask) -> None:
    with app.app_context(), Session(db.engine) as session:
        dept = f.department(session, "TCONCUR")
        f.topic(session, "TCN", None, first_response_hours=None, resolution_hours=None)
        f.topic(session, "TCN.X", dept)
        session.commit()


def test_eight_concurrent_writers_get_unique_gapless_numbers(
    fresh_app: Flask, now: datetime
) -> None:
    _prepare(fresh_app)

    def writer(i: int) -> None:
        with fresh_app.app_context():
            for n in range(PER_WRITER):
                with Session(db.engine) as session:
                    create_ticket(
                        session,
                        TicketInput(
                            channel="phone",
                            description=f"writer {i} ticket {n}",
                            topic_code="TCN.X",
                            citizen=CitizenInput(
                                full_name=f"Yazar {i}", phone=f"+9053210000{i:02d}"
                            ),
                        ),
                        now=now,
                    )
                    session.commit()

    assert _run_concurrently(writer, WRITERS) == []
    with fresh_app.app_context(), Session(db.engine) as session:
        numbers = session.scalars(sa.select(Ticket.number)).all()
    assert len(numbers) == WRITERS * PER_WRITER
    assert len(set(numbers)) == len(numbers), "duplicate ticket numbers"
    sequence = sorted(int(n.split("-")[1]) for n in numbers)
    assert sequence == list(range(1, WRITERS * PER_WRITER + 1)), "gaps in the numbering"


def test_concurrent_replays_of_one_external_id_make_one_ticket(
    fresh_app: Flask, now: datetime
) -> None:
    _prepare(fresh_app)
    results: list[tuple[int, bool]] = []
    lock = threading.Lock()

    def replay(i: int) -> None:
        with fresh_app.app_context(), Session(db.engine) as session:
            result = create_ticket(
                session,
                TicketInput(
                    channel="social_x",
                    external_id="1790000000000000001",
                    description="Otobüs gelmedi",
                    topic_code="TCN.X",
                ),
                now=now,
            )
            session.commit()
            with lock:
                results.append((result.ticket.id, result.created))

    assert _run_concurrently(replay, WRITERS) == []
    assert len({ticket_id for ticket_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    with fresh_app.app_context(), Session(db.engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1
        # The losers rolled back their savepoint: the only number given out is 1.
        assert session.scalar(sa.select(Ticket.number)) == f"{now.year}-000001"
