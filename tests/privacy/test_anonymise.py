"""Anonymisation: the person goes, the record and the statistics stay; retention and records."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from himcrm.citizens.service import CitizenInput
from himcrm.errors import ValidationError
from himcrm.models import (
    AccessAudit,
    Citizen,
    DestructionRecord,
    Notification,
    NotificationStatus,
    Reply,
    Role,
    Ticket,
    TicketStatus,
)
from himcrm.privacy.anonymise import MARKER, anonymise_on_request, run_retention
from himcrm.privacy.audit import AuditAction, record_access
from himcrm.reports.kpis import compute_report
from himcrm.reports.model import Cut
from himcrm.reports.period import Period
from himcrm.tickets import lifecycle, replies
from himcrm.tickets.intake import TicketInput, create_ticket
from himcrm.tickets.lifecycle import Actor
from tests.conftest import user

NAME, PHONE, EMAIL, KIMLIK = "Necla Karaca", "+905327654321", "necla@example.org", "10000000146"


def citizen_ticket(session: Session, now: datetime, **citizen: object) -> Ticket:
    return create_ticket(
        session,
        TicketInput(
            channel="phone",
            description=f"{NAME} adına: evimin önündeki çukur, tel 0532 765 43 21",
            topic_code="FEN.YOL.01",
            district_code="KONAK",
            address="Mimar Sinan Mh. 1418 Sk. No 3",
            latitude=38.4189,
            longitude=27.1287,
            citizen=CitizenInput(
                full_name=str(citizen.get("name", NAME)),
                phone=str(citizen.get("phone", PHONE)),
                email=EMAIL if citizen.get("email", True) else None,
                kimlik_no=KIMLIK if citizen.get("kimlik", True) else None,
                kvkk_consent=True,
            ),
        ),
        now=now,
    ).ticket


def answer(session: Session, ticket: Ticket, now: datetime) -> None:
    staff = Actor(user(session, Role.DEPT_STAFF, "FEN.YOL"))
    replies.submit(session, ticket, staff, now=now, body=f"Sayın {NAME}, çukur kapatıldı.")


def test_anonymising_keeps_tickets_and_report_figures(
    session: Session, now: datetime, tmp_path: Path
) -> None:
    ticket = citizen_ticket(session, now)
    answer(session, ticket, now + timedelta(hours=3))
    session.flush()
    period = Period.month(2026, 11)
    before = compute_report(session, period, Cut.DEPARTMENT, now=now + timedelta(days=1))
    admin = user(session, Role.ADMIN)
    assert ticket.citizen is not None
    record = anonymise_on_request(
        session,
        ticket.citizen,
        actor=admin,
        reason="KVKK başvurusu 2026/118",
        now=now + timedelta(days=1),
        instance_path=tmp_path,
    )
    session.flush()
    after = compute_report(session, period, Cut.DEPARTMENT, now=now + timedelta(days=1))
    assert after.rows == before.rows and after.total == before.total
    citizen = session.get(Citizen, ticket.citizen_id)
    assert citizen is not None and citizen.anonymised_at is not None
    assert (citizen.full_name, citizen.phone, citizen.email, citizen.kimlik_no) == (
        "",
        None,
        None,
        None,
    )
    session.refresh(ticket)
    assert ticket.description == MARKER and ticket.address == "" and ticket.latitude is None
    assert ticket.status is TicketStatus.ANSWERED and ticket.topic_code is not None
    body = session.scalar(sa.select(Reply.body).where(Reply.ticket_id == ticket.id))
    assert body is not None and NAME not in body and "***" in body
    for recipient, context in session.execute(
        sa.select(Notification.recipient, Notification.context).where(
            Notification.ticket_id == ticket.id
        )
    ):
        assert recipient == "" and context == {}
    assert record.trigger == "request" and record.tickets == 1 and record.citizens == 1
    audit = session.scalar(sa.select(AccessAudit).where(AccessAudit.action == "anonymise"))
    assert audit is not None and audit.reason == "KVKK başvurusu 2026/118"


def test_unsent_messages_are_cancelled(session: Session, now: datetime, tmp_path: Path) -> None:
    ticket = citizen_ticket(session, now)
    admin = user(session, Role.ADMIN)
    assert ticket.citizen is not None
    anonymise_on_request(
        session, ticket.citizen, actor=admin, reason="Talep no 7", now=now, instance_path=tmp_path
    )
    statuses = session.scalars(
        sa.select(Notification.status).where(Notification.ticket_id == ticket.id)
    ).all()
    assert statuses and set(statuses) == {NotificationStatus.CANCELLED}


def test_a_request_needs_a_reason(session: Session, now: datetime, tmp_path: Path) -> None:
    ticket = citizen_ticket(session, now)
    assert ticket.citizen is not None
    with pytest.raises(ValidationError) as refused:
        anonymise_on_request(
            session,
            ticket.citizen,
            actor=user(session, Role.ADMIN),
            reason=" ",
            now=now,
            instance_path=tmp_path,
        )
    assert refused.value.field == "reason"
    assert ticket.citizen.anonymised_at is None


def test_retention_on_a_clock_moved_forward(
    session: Session, now: datetime, tmp_path: Path
) -> None:
    # Landlines without e-mail: nothing is queued for sending, so the job's
    # commits (one per batch, as in production) trigger no send in this test.
    old = citizen_ticket(session, now, phone="+902324441122", email=False)
    answer(session, old, now + timedelta(hours=2))
    lifecycle.close(old, Actor.system(), now=now + timedelta(days=2))
    still_open = citizen_ticket(
        session, now, name="Okan Er", phone="+902324443344", email=False, kimlik=False
    )
    session.flush()
    assert old.citizen is not None and still_open.citizen is not None
    # One year on, the policy (two years) has reached nobody.
    first = run_retention(session, now=now + timedelta(days=365), years=2, instance_path=tmp_path)
    assert first.citizens == 0 and old.citizen.anonymised_at is None
    # Three years on: the concluded citizen goes, the one with an open ticket stays.
    later = now + timedelta(days=3 * 365)
    second = run_retention(session, now=later, years=2, instance_path=tmp_path)
    session.expire_all()
    assert second.citizens >= 1 and second.trigger == "retention"
    assert second.policy == {"anonymise_after_years": 2}
    assert session.get(Citizen, old.citizen_id).anonymised_at is not None  # type: ignore[union-attr]
    assert session.get(Citizen, still_open.citizen_id).anonymised_at is None  # type: ignore[union-attr]
    # A second run the same day finds nobody left: nothing twice.
    third = run_retention(session, now=later, years=2, instance_path=tmp_path)
    assert third.citizens == 0
    records = session.scalars(sa.select(DestructionRecord).order_by(DestructionRecord.id)).all()
    assert len(records) >= 3
    assert all(r.keep_until > r.run_at + timedelta(days=3 * 365) for r in records)


def test_the_audit_is_append_only(session: Session, now: datetime) -> None:
    entry = record_access(
        session,
        user=None,
        action=AuditAction.VIEW_CITIZEN,
        subject_type="citizen",
        subject_id=1,
        actor_label="test",
        now=now,
    )
    with pytest.raises(DatabaseError), session.begin_nested():
        session.execute(sa.update(AccessAudit).where(AccessAudit.id == entry.id).values(reason="x"))
    with pytest.raises(DatabaseError), session.begin_nested():
        session.execute(sa.delete(AccessAudit).where(AccessAudit.id == entry.id))
