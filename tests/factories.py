"""Small factories for tests that need their own departments, topics and users."""

from __future__ import annotations

import itertools
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.citizens.service import CitizenInput
from himcrm.models import (
    Department,
    DepartmentKind,
    District,
    Priority,
    Role,
    RoutingRule,
    Ticket,
    TopicCode,
    User,
)
from himcrm.sla.due import SlaUnit
from himcrm.tickets.intake import TicketInput, create_ticket

_seq = itertools.count(1)


def department(session: Session, code: str | None = None, **kw: object) -> Department:
    code = code or f"T{next(_seq)}"
    row = Department(
        code=code, name=f"Test birimi {code}", kind=kw.pop("kind", DepartmentKind.DIRECTORATE), **kw
    )
    session.add(row)
    session.flush()
    return row


def topic(
    session: Session,
    code: str,
    dept: Department | None = None,
    *,
    first_response_hours: float | None = 9,
    resolution_hours: float | None = 45,
    unit: SlaUnit = SlaUnit.BUSINESS,
    needs_approval: bool = True,
    requires_location: bool = False,
    priority: Priority = Priority.NORMAL,
) -> TopicCode:
    parent_code = code.rpartition(".")[0]
    parent = (
        session.scalar(sa.select(TopicCode).where(TopicCode.code == parent_code))
        if parent_code
        else None
    )
    row = TopicCode(
        code=code,
        name_tr=f"Test konusu {code}",
        parent=parent,
        department=dept,
        first_response_minutes=None
        if first_response_hours is None
        else round(first_response_hours * 60),
        resolution_minutes=None if resolution_hours is None else round(resolution_hours * 60),
        sla_unit=unit,
        needs_approval=needs_approval,
        requires_location=requires_location,
        priority=priority,
    )
    session.add(row)
    session.flush()
    return row


def rule(
    session: Session, topic_row: TopicCode, district_code: str | None, dept: Department
) -> RoutingRule:
    district = district_of(session, district_code) if district_code else None
    row = RoutingRule(topic_code=topic_row, district=district, department=dept)
    session.add(row)
    session.flush()
    return row


def district_of(session: Session, code: str) -> District:
    found = session.scalar(sa.select(District).where(District.code == code))
    assert found is not None, code
    return found


def staff(session: Session, role: Role, dept: Department | None, name: str | None = None) -> User:
    username = name or f"user{next(_seq)}"
    row = User(username=username, full_name=username.title(), role=role, department=dept)
    row.set_password("Test-Password-2026")
    session.add(row)
    session.flush()
    return row


def ticket(
    session: Session,
    *,
    topic_code: str | None,
    now: datetime,
    district: str | None = "KONAK",
    phone: str | None = "+905321112233",
    channel: str = "phone",
    external_id: str | None = None,
    actor: User | None = None,
) -> Ticket:
    result = create_ticket(
        session,
        TicketInput(
            channel=channel,
            description="Sokağımızdaki çukur büyüdü, araçlar zarar görüyor.",
            topic_code=topic_code,
            district_code=district,
            address="1203/4 Sokak No: 5",
            external_id=external_id,
            citizen=CitizenInput(full_name="Ayşe Yılmaz", phone=phone) if phone else CitizenInput(),
        ),
        actor=actor,
        now=now,
    )
    return result.ticket
