"""The per-process reference snapshot: never stale, never thrashed by ticket work."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from himcrm.extensions import db
from himcrm.models import (
    REFERENCE_ROW,
    BusinessCalendar,
    District,
    HolidayOverride,
    ReferenceVersion,
    TopicCode,
)
from himcrm.organisation import reference_cache
from himcrm.sla.clock import calendar_for_department
from himcrm.tickets.reference import find_leaf_topic
from himcrm.tickets.routing import resolve_department
from tests import factories as f
from tests.conftest import topic


def token(session: Session) -> str:
    value = session.scalar(
        sa.select(ReferenceVersion.token).where(ReferenceVersion.id == REFERENCE_ROW)
    )
    assert value
    return value


def _edit_district(session: Session) -> None:
    row = session.scalar(sa.select(District).where(District.code == "KONAK"))
    assert row is not None
    row.name = "Konak (yeni)"


def _edit_department(session: Session) -> None:
    f.department(session, "TCACHE")


def _edit_topic(session: Session) -> None:
    topic(session, "FEN.YOL.01").resolution_minutes = 4321


def _add_rule(session: Session) -> None:
    f.rule(session, topic(session, "FEN.YOL.01"), "BORNOVA", f.department(session, "TRULE"))


def _edit_calendar(session: Session) -> None:
    row = session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.code == "default"))
    assert row is not None
    row.always_open = not row.always_open


def _add_holiday(session: Session) -> None:
    row = session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.code == "default"))
    assert row is not None
    session.add(HolidayOverride(calendar=row, day=date(2026, 12, 31), name="Yılbaşı arifesi"))


@pytest.mark.parametrize(
    "edit",
    [_edit_district, _edit_department, _edit_topic, _add_rule, _edit_calendar, _add_holiday],
)
def test_every_orm_write_to_reference_rows_changes_the_token(session: Session, edit) -> None:  # type: ignore[no-untyped-def]
    before = token(session)
    edit(session)
    session.flush()
    assert token(session) != before


def test_filing_and_working_tickets_leaves_the_token_alone(session: Session, now: datetime) -> None:
    before = token(session)
    ticket = f.ticket(session, topic_code="FEN.YOL.01", now=now)
    session.flush()
    assert ticket.department is not None and ticket.topic_code is not None
    assert token(session) == before


def test_a_change_in_the_transaction_is_seen_at_once(session: Session) -> None:
    """Admin screens edit and then show routing trials and due times in one transaction."""
    assert reference_cache.current(session).topics_by_code["FEN.YOL.01"].resolution_minutes != 4321
    _edit_topic(session)
    found = find_leaf_topic(session, "FEN.YOL.01")
    assert found.resolution_minutes == 4321
    konak = session.scalar(sa.select(District.id).where(District.code == "KONAK"))
    other = f.department(session, "TKONAKYOL")
    f.rule(session, found, "KONAK", other)
    assert resolve_department(session, found, konak).code == "TKONAKYOL"


def test_rows_handed_out_are_the_sessions_own(session: Session) -> None:
    found = find_leaf_topic(session, "FEN.YOL.01")
    assert found in session
    assert find_leaf_topic(session, "FEN.YOL.01") is found
    loaded = session.get(TopicCode, found.id)
    assert loaded is found


# --------------------------------------------------------------- across transactions


@pytest.fixture
def two_sessions(fresh_app: Flask) -> Iterator[tuple[Session, Session]]:
    """Two sessions of one process on their own connections, committing for real."""
    with fresh_app.app_context():
        first, second = Session(db.engine), Session(db.engine)
        try:
            yield first, second
        finally:
            first.close()
            second.close()


def test_a_committed_change_reaches_a_snapshot_built_before_it(
    two_sessions: tuple[Session, Session],
) -> None:
    reader, admin = two_sessions
    original = reference_cache.current(reader).topics_by_code["FEN.YOL.01"].resolution_minutes
    reader.commit()

    _edit_topic(admin)
    admin.commit()

    assert original != 4321
    assert reference_cache.current(reader).topics_by_code["FEN.YOL.01"].resolution_minutes == 4321


def test_a_rolled_back_change_is_never_served(two_sessions: tuple[Session, Session]) -> None:
    reader, admin = two_sessions
    _edit_topic(admin)
    admin.flush()
    # The admin's own transaction sees its change (and caches it under its token)...
    assert reference_cache.current(admin).topics_by_code["FEN.YOL.01"].resolution_minutes == 4321
    admin.rollback()
    # ...which nobody else ever reads: the token of that transaction is gone with it.
    # (The reader starts only now: SQLite lets one transaction write at a time.)
    assert reference_cache.current(reader).topics_by_code["FEN.YOL.01"].resolution_minutes != 4321
    reader.rollback()
    assert reference_cache.current(admin).topics_by_code["FEN.YOL.01"].resolution_minutes != 4321


def test_a_calendar_change_reaches_another_session(
    two_sessions: tuple[Session, Session],
) -> None:
    reader, admin = two_sessions
    department_id = reference_cache.current(reader).topics_by_code["FEN.YOL.01"].department_id
    before = calendar_for_department(reader, department_id)
    reader.commit()

    _edit_calendar(admin)  # the default calendar: 24/7, or back
    admin.commit()

    assert calendar_for_department(reader, department_id).always_open != before.always_open


def test_intake_reads_no_reference_table_once_the_snapshot_is_warm(
    two_sessions: tuple[Session, Session], now: datetime
) -> None:
    """The create-ticket path's statements (issue 9): no topic, rule, department or
    calendar query per ticket, and a small fixed number in all."""
    session, _ = two_sessions
    f.ticket(session, topic_code="FEN.YOL.01", now=now)  # warms the snapshot
    session.commit()

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()).lower())

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        f.ticket(session, topic_code="FEN.YOL.01", now=now + timedelta(minutes=1))
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    session.commit()

    reference_tables = (
        "topic_codes",
        "routing_rules",
        "departments",
        "districts",
        "business_calendars",
        "holiday_overrides",
    )
    reads = [s for s in statements if s.startswith("select")]
    assert not [s for s in reads if any(f" {t} " in s + " " for t in reference_tables)], reads
    # token, citizen lookup; citizen, ticket, events, holding segment; number; outbox
    assert len(statements) <= 11, statements


def test_a_change_reaches_another_process(fresh_app: Flask) -> None:
    """Another process is another engine with its own snapshot: it learns of the change
    from the token alone (an admin's edit on one web server, intake on another)."""
    with fresh_app.app_context():
        other_process = sa.create_engine(db.engine.url)
        try:
            with Session(other_process) as intake:
                before = reference_cache.current(intake).topics_by_code["FEN.YOL.01"]
                assert before.resolution_minutes != 4321
                intake.commit()

                with Session(db.engine) as admin:
                    _edit_topic(admin)
                    admin.commit()

                found = find_leaf_topic(intake, "FEN.YOL.01")
                assert found.resolution_minutes == 4321
        finally:
            other_process.dispose()
