"""The intake service: one transaction, idempotent, nothing half-written on bad input."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.citizens.service import CitizenInput
from himcrm.errors import ValidationError
from himcrm.models import (
    Channel,
    Citizen,
    EventKind,
    Notification,
    NotificationChannel,
    Ticket,
    TicketEvent,
    TicketNumberCounter,
    TicketStatus,
)
from himcrm.tickets.intake import TicketInput, create_ticket
from tests import factories as f


@pytest.fixture
def topics(session: Session) -> None:
    dept = f.department(session, "TYOL")
    f.topic(session, "TIN", None, first_response_hours=None, resolution_hours=None)
    f.topic(session, "TIN.YOL", dept, requires_location=True)
    f.topic(session, "TIN.BILGI", dept, needs_approval=False)


def counts(session: Session) -> tuple[int, ...]:
    rows = [
        session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in (Ticket, TicketEvent, Citizen, Notification)
    ]
    numbers = sa.select(sa.func.coalesce(sa.func.sum(TicketNumberCounter.last_value), 0))
    return (*rows, session.scalar(numbers) or 0)


def test_a_phone_ticket_is_routed_numbered_and_acknowledged(
    session: Session, topics: None, now: datetime
) -> None:
    ticket = f.ticket(session, topic_code="TIN.YOL", now=now, phone="0532 111 22 33")
    assert re.fullmatch(r"2026-\d{6}", ticket.number)
    assert ticket.status == TicketStatus.ROUTED
    assert ticket.department is not None and ticket.department.code == "TYOL"
    assert ticket.citizen is not None and ticket.citizen.phone == "+905321112233"
    assert ticket.sla_started_at == now
    assert ticket.first_response_due_at is not None and ticket.resolution_due_at is not None
    assert now < ticket.first_response_due_at < ticket.resolution_due_at
    assert [e.kind for e in ticket.events] == [EventKind.CREATED, EventKind.ROUTED]
    assert len(ticket.tracking_token) >= 32 and ticket.number not in ticket.tracking_token

    message = session.scalar(sa.select(Notification).where(Notification.ticket_id == ticket.id))
    assert message is not None
    assert message.idempotency_key == f"ticket:{ticket.id}:ack"
    assert message.channel == NotificationChannel.SMS and message.recipient == "+905321112233"
    assert message.context == {"number": ticket.number, "token": ticket.tracking_token}


def test_a_web_ticket_without_topic_waits_for_triage(
    session: Session, topics: None, now: datetime
) -> None:
    ticket = f.ticket(session, topic_code=None, now=now, channel="web")
    assert ticket.status == TicketStatus.NEW
    assert ticket.department_id is None and ticket.resolution_due_at is None
    assert [e.kind for e in ticket.events] == [EventKind.CREATED]


def test_replaying_the_same_external_id_returns_the_first_ticket(
    session: Session, topics: None, now: datetime
) -> None:
    first = f.ticket(
        session, topic_code="TIN.YOL", now=now, channel="social_x", external_id="tweet-1"
    )
    before = counts(session)
    again = create_ticket(
        session,
        TicketInput(
            channel="social_x",
            external_id="tweet-1",
            description="tekrar",
            topic_code="TIN.YOL",
            district_code="KONAK",
            address="x",
        ),
        now=now,
    )
    assert not again.created and again.ticket.id == first.id
    assert counts(session) == before  # no new number, event, citizen or message
    other_channel = f.ticket(
        session, topic_code="TIN.YOL", now=now, channel="social_meta", external_id="tweet-1"
    )
    assert other_channel.id != first.id


def test_numbers_follow_the_istanbul_year(session: Session, topics: None) -> None:
    # 21:30 UTC on 31 December is already 00:30 on 1 January in Istanbul.
    new_year = datetime(2027, 12, 31, 21, 30, tzinfo=UTC)
    old_year = datetime(2027, 12, 31, 20, 30, tzinfo=UTC)
    assert f.ticket(session, topic_code=None, now=old_year, channel="web").number.startswith(
        "2027-"
    )
    assert f.ticket(session, topic_code=None, now=new_year, channel="web").number == "2028-000001"
    assert f.ticket(session, topic_code=None, now=new_year, channel="web").number == "2028-000002"


def test_the_same_caller_is_the_same_citizen(session: Session, topics: None, now: datetime) -> None:
    a = f.ticket(session, topic_code="TIN.BILGI", now=now, phone="+905329998877")
    b = f.ticket(session, topic_code="TIN.BILGI", now=now, phone="0532 999 88 77")
    assert a.citizen_id == b.citizen_id
    relative = create_ticket(
        session,
        TicketInput(
            channel="phone",
            description="bilgi",
            topic_code="TIN.BILGI",
            citizen=CitizenInput(full_name="Mehmet Kaya", phone="05329998877"),
        ),
        now=now,
    ).ticket
    assert relative.citizen_id != a.citizen_id  # a family sharing the phone: another person
    same_name_other_case = create_ticket(
        session,
        TicketInput(
            channel="phone",
            description="bilgi",
            topic_code="TIN.BILGI",
            citizen=CitizenInput(full_name="AYŞE YILMAZ", phone="05329998877"),
        ),
        now=now,
    ).ticket
    assert same_name_other_case.citizen_id == a.citizen_id  # Turkish case rules: İ/i, I/ı


def test_kimlik_number_identifies_the_person(session: Session, topics: None, now: datetime) -> None:
    data = CitizenInput(full_name="Zeynep Demir", phone="05551234567", kimlik_no="10000000146")
    one = create_ticket(
        session, TicketInput(channel="web", description="a", citizen=data), now=now
    ).ticket
    two = create_ticket(
        session,
        TicketInput(
            channel="web",
            description="b",
            citizen=CitizenInput(
                full_name="Zeynep Demir", phone="05559999999", kimlik_no="10000000146"
            ),
        ),
        now=now,
    ).ticket
    assert one.citizen_id == two.citizen_id
    assert one.citizen is not None and one.citizen.phone == "+905551234567"  # first value kept


def test_landline_caller_with_email_gets_an_email(
    session: Session, topics: None, now: datetime
) -> None:
    ticket = create_ticket(
        session,
        TicketInput(
            channel="phone",
            description="bilgi",
            topic_code="TIN.BILGI",
            citizen=CitizenInput(
                full_name="Ali Veli", phone="0232 293 12 00", email="Ali@Example.org"
            ),
        ),
        now=now,
    ).ticket
    message = session.scalar(sa.select(Notification).where(Notification.ticket_id == ticket.id))
    assert message is not None and message.channel == NotificationChannel.EMAIL
    assert message.recipient == "ali@example.org"
    landline_only = create_ticket(
        session,
        TicketInput(
            channel="phone",
            description="bilgi",
            topic_code="TIN.BILGI",
            citizen=CitizenInput(full_name="Veli Ali", phone="0232 293 12 01"),
        ),
        now=now,
    ).ticket
    assert (
        session.scalar(sa.select(Notification).where(Notification.ticket_id == landline_only.id))
        is None
    )


BAD_INPUTS = [
    ({"topic_code": "YOK.BOYLE.BIR.KOD"}, "topic_code"),
    ({"topic_code": "TIN"}, "topic_code"),
    ({"channel": "carrier_pigeon"}, "channel"),
    ({"type": "praise"}, "type"),
    ({"description": "   "}, "description"),
    ({"description": "x" * 10_001}, "description"),
    ({"district_code": "ATLANTIS"}, "district"),
    ({"district_code": None}, "district"),
    ({"address": "", "neighbourhood": ""}, "address"),
    ({"latitude": 38.4}, "latitude"),
    ({"latitude": 95.0, "longitude": 27.1}, "latitude"),
    ({"latitude": 38.4, "longitude": float("nan")}, "longitude"),
    ({"external_id": "x" * 200}, "external_id"),
    ({"call_id": 987654}, "call_id"),
    ({"citizen": CitizenInput(phone="0532 12")}, "citizen.phone"),
    ({"citizen": CitizenInput(phone="05321112233", kimlik_no="12345678901")}, "citizen.kimlik_no"),
    ({"citizen": CitizenInput(phone="05321112233", email="not-an-email")}, "citizen.email"),
    (
        {"citizen": CitizenInput(phone="05321112233", preferred_channel="fax")},
        "citizen.preferred_channel",
    ),
    ({"citizen": CitizenInput(phone="05321112233", district_code="NARNIA")}, "citizen.district"),
]


@pytest.mark.parametrize(("change", "field"), BAD_INPUTS)
def test_bad_input_names_the_field_and_writes_nothing(
    session: Session, topics: None, now: datetime, change: dict, field: str
) -> None:
    base = {
        "channel": "phone",
        "description": "Yol çöktü",
        "topic_code": "TIN.YOL",
        "district_code": "KONAK",
        "address": "Atatürk Cad. 10",
        "citizen": CitizenInput(full_name="Ayşe Yılmaz", phone="05321112233"),
    }
    before = counts(session)
    with pytest.raises(ValidationError) as excinfo:
        create_ticket(session, TicketInput(**{**base, **change}), now=now)
    assert excinfo.value.field == field
    assert str(excinfo.value.message)  # a message fit to show
    assert counts(session) == before


def test_a_rolled_back_intake_leaves_no_message_and_no_number(
    session: Session, topics: None, now: datetime
) -> None:
    before = counts(session)
    nested = session.begin_nested()
    f.ticket(session, topic_code="TIN.YOL", now=now)
    nested.rollback()
    assert counts(session) == before
    ticket = f.ticket(session, topic_code="TIN.YOL", now=now)
    assert ticket.channel == Channel.PHONE
