"""Holding segments (the held-hours rollup): written with the history, rebuilt by the migration."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.models import Department, Role, Ticket, TicketHoldSegment
from himcrm.reports.kpis import compute_report
from himcrm.reports.model import Cut
from himcrm.reports.period import Period
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor
from tests import factories

MIGRATION = next(
    (Path(__file__).resolve().parents[2] / "migrations" / "versions").glob("cd2f3701f104_*.py")
)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 10, day, hour, 0, tzinfo=UTC)


def segments(session: Session, ticket: Ticket) -> list[tuple[str, datetime, datetime | None]]:
    rows = session.execute(
        sa.select(Department.code, TicketHoldSegment.since, TicketHoldSegment.until)
        .join(Department, Department.id == TicketHoldSegment.department_id)
        .where(TicketHoldSegment.ticket_id == ticket.id)
        .order_by(TicketHoldSegment.since, TicketHoldSegment.id)
    )
    return [(code, since, until) for code, since, until in rows]


def migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("holding_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(session: Session) -> tuple[Department, Department, Ticket, Ticket]:
    ha = factories.department(session, "HA")
    hb = factories.department(session, "HB")
    factories.topic(session, "HLD.A", ha, needs_approval=False)
    boss = Actor(factories.staff(session, Role.DEPT_MANAGER, ha, "hld.boss"))

    # Routed at intake (HA), transferred to HB, held, resumed, answered, reopened
    # (back to triage, still HB's), answered again.
    moved = factories.ticket(session, topic_code="HLD.A", now=at(5, 9))
    lifecycle.start(moved, boss, now=at(5, 10))  # HA goes on holding it
    lifecycle.transfer(moved, hb, boss, reason="Yanlış birim", now=at(6, 9))
    lifecycle.hold(moved, boss, reason="Belge bekleniyor", now=at(6, 12))
    lifecycle.resume(moved, boss, now=at(7, 12))
    lifecycle.add_note(moved, boss, "Ekip yola çıktı", now=at(7, 13))  # no status: no cut
    lifecycle.answer(moved, boss, now=at(8, 9))
    lifecycle.reopen(moved, boss, reason="Vatandaş memnun değil", now=at(9, 9))
    lifecycle.route(moved, hb, boss, now=at(9, 10))  # same department: no cut
    lifecycle.answer(moved, boss, now=at(10, 9))

    # Never routed (no topic), then out of scope: no department ever held it.
    unrouted = factories.ticket(session, topic_code=None, now=at(5, 9))
    lifecycle.mark_out_of_scope(unrouted, boss, reason="Başka kurum", now=at(5, 11))
    session.flush()
    return ha, hb, moved, unrouted


def test_segments_follow_the_lifecycle(session: Session) -> None:
    _, _, moved, unrouted = build(session)
    assert segments(session, moved) == [
        ("HA", at(5, 9), at(6, 9)),
        ("HB", at(6, 9), at(8, 9)),  # hold and resume do not cut a stretch
        ("HB", at(9, 9), at(10, 9)),  # reopened: held again until the second answer
    ]
    assert segments(session, unrouted) == []


def test_a_running_stretch_stays_open(session: Session) -> None:
    ha, hb, _, _ = build(session)
    factories.topic(session, "HLD.B", hb, needs_approval=False)
    running = factories.ticket(session, topic_code="HLD.B", now=at(20, 9))
    boss = Actor(factories.staff(session, Role.DEPT_MANAGER, hb, "hld.boss2"))
    lifecycle.transfer(running, ha, boss, reason="Yanlış birim", now=at(21, 9))
    assert segments(session, running) == [("HB", at(20, 9), at(21, 9)), ("HA", at(21, 9), None)]
    # held_hours reads them: HA holds it from Oct 21 09:00 to the end of October.
    now = datetime(2026, 11, 20, tzinfo=UTC)
    report = compute_report(session, Period.month(2026, 10), Cut.DEPARTMENT, now=now)
    held = {row.key: row.held_hours for row in report.rows}
    assert held["HA"] == 24.0 + (10 * 24 + 12)  # moved's 24 h + Oct 21 09:00 → Oct 31 21:00
    assert held["HB"] == 24.0 + 48.0 + 24.0  # moved: Oct 6–8 and Oct 9–10; running: 24 h
    assert report.total.held_hours == held["HA"] + held["HB"]


def test_the_migration_backfill_rebuilds_the_same_segments(session: Session) -> None:
    _, _, moved, unrouted = build(session)
    written = set(
        session.execute(
            sa.select(
                TicketHoldSegment.ticket_id,
                TicketHoldSegment.department_id,
                TicketHoldSegment.since,
                TicketHoldSegment.until,
            ).where(TicketHoldSegment.ticket_id.in_([moved.id, unrouted.id]))
        ).tuples()
    )
    assert len(written) == 3
    backfill = migration().BACKFILL
    select = backfill[backfill.index("SELECT") :]  # the rows the INSERT would write
    # The migration's own constant, no input: S608 does not apply.
    rebuilt = sa.text(f"SELECT * FROM ({select}) AS rebuilt WHERE ticket_id IN (:a, :b)")  # noqa: S608
    rows = session.execute(
        rebuilt.columns(
            sa.column("ticket_id", sa.Integer),
            sa.column("holder", sa.Integer),
            sa.column("created_at", TicketHoldSegment.since.type),
            sa.column("until", TicketHoldSegment.until.type),
        ),
        {"a": moved.id, "b": unrouted.id},
    ).tuples()
    assert set(rows) == written
