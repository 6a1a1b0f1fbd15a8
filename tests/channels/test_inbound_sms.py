"""Inbound SMS service: status queries, notes, new tickets, bad input; each message once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from himcrm.channels.inbound_sms import MAX_BODY, Outcome, handle_inbound_sms
from himcrm.errors import ValidationError
from himcrm.extensions import db
from himcrm.models import (
    Channel,
    Citizen,
    EventKind,
    InboundMessage,
    Notification,
    NotificationChannel,
    Ticket,
    TicketStatus,
)
from tests import factories as f
from tests.channels.inbound_sms_helpers import (
    BASE,
    ISTANBUL,
    NO_APPROVAL,
    PHONE,
    STRANGER,
    answered,
    body_of,
    inbound,
    reply_of,
    sid,
    stored,
)


@pytest.fixture
def session(web_db: Session) -> Session:
    """The rolled-back session shared with ``db.session`` (see inbound_sms_helpers)."""
    return web_db


# --- status queries -------------------------------------------------------------------------


def spellings(number: str) -> list[str]:
    year, seq = number.split("-")
    short = str(int(seq))
    return [
        f"DURUM {number}",
        f"durum {year}{seq}",
        f"Durum: {year}/{short}",
        f"STATUS {year} {short}.",
        f"status {year}-{short}?",
        f"  DURUMU   {number}  ",
    ]


def test_the_citizen_gets_the_status_department_and_expected_date(
    session: Session, now: datetime
) -> None:
    ticket = f.ticket(session, topic_code=NO_APPROVAL, now=now)
    assert ticket.department is not None and ticket.resolution_due_at is not None
    for text in spellings(ticket.number):
        message_id = sid()
        result = inbound(session, text, now, message_id=message_id)
        assert result.outcome == Outcome.STATUS, text
        assert result.ticket is ticket and not result.duplicate
        row = reply_of(session, message_id)
        assert row is not None and row.id == result.reply_id
        assert row.template == "sms_status" and row.recipient == PHONE
        assert row.ticket_id == ticket.id and row.channel == NotificationChannel.SMS
        body = body_of(row)
        assert ticket.number in body and ticket.department.name in body
        due_local = ticket.resolution_due_at.astimezone(ISTANBUL).strftime("%d.%m.%Y")
        assert f"Tahmini sonuç: {due_local}" in body
        assert f"{BASE}/t/{ticket.tracking_token}" in body
        assert "Birime iletildi" in body  # routed, in the citizen's words
        [message] = stored(session, message_id)
        assert message.outcome == "status" and message.ticket_id == ticket.id
        assert message.sender == PHONE and message.body == text


def test_an_answered_ticket_reports_its_answer_date(session: Session, now: datetime) -> None:
    ticket = answered(session, now)
    result = inbound(session, f"durum {ticket.number}", now)
    row = session.get(Notification, result.reply_id)
    assert row is not None
    assert "Yanıtlandı" in body_of(row) and "Yanıt tarihi: 17.11.2026" in body_of(row)


def test_another_phone_gets_the_same_not_found_as_a_number_that_does_not_exist(
    session: Session, now: datetime
) -> None:
    ticket = f.ticket(session, topic_code=NO_APPROVAL, now=now)
    f.ticket(session, topic_code=None, now=now, phone=STRANGER)  # a citizen, not this one's
    foreign = inbound(session, f"DURUM {ticket.number}", now, sender=STRANGER)
    missing = inbound(session, "DURUM 2026-999999", now, sender=STRANGER)
    unknown_phone = inbound(session, f"DURUM {ticket.number}", now, sender="+905551230000")
    for result in (foreign, missing, unknown_phone):
        assert result.outcome == Outcome.STATUS_NOT_FOUND and result.ticket is None
        assert result.message.ticket_id is None
    rows = [session.get(Notification, r.reply_id) for r in (foreign, missing, unknown_phone)]
    assert all(row is not None and row.template == "sms_status_not_found" for row in rows)
    assert rows[0].context == {"number": ticket.number}  # type: ignore[union-attr]
    assert rows[0].ticket_id is None  # type: ignore[union-attr]
    # Word for word the same answer, apart from the number the citizen typed.
    assert body_of(rows[0]).replace(ticket.number, "N") == body_of(rows[1]).replace(  # type: ignore[arg-type]
        "2026-999999", "N"
    )
    assert ticket.department.name not in body_of(rows[0])  # type: ignore[arg-type,union-attr]


@pytest.mark.parametrize("text", ["DURUM", "durum 123", "Status 2026", "DURUM ?"])
def test_a_query_without_a_readable_number_gets_a_usage_hint(
    session: Session, now: datetime, text: str
) -> None:
    result = inbound(session, text, now)
    assert result.outcome == Outcome.STATUS_HELP
    row = session.get(Notification, result.reply_id)
    assert row is not None and row.template == "sms_status_help"
    assert "DURUM 2026-000123" in body_of(row)


def test_words_after_the_keyword_are_a_message_not_a_query(session: Session, now: datetime) -> None:
    result = inbound(session, "Durum çok kötü, sokak lambası yanmıyor", now, sender=STRANGER)
    assert result.outcome == Outcome.NEW_TICKET
    assert result.ticket is not None
    assert result.ticket.description == "Durum çok kötü, sokak lambası yanmıyor"


# --- other text -------------------------------------------------------------------------------


def test_text_from_a_citizen_with_open_work_is_a_note_on_the_latest_open_ticket(
    session: Session, now: datetime
) -> None:
    older = f.ticket(session, topic_code=NO_APPROVAL, now=now)
    newer = f.ticket(session, topic_code=None, now=now + timedelta(hours=1))
    answered(session, now + timedelta(hours=2))  # concluded: not a candidate
    text = "Ekip geldi ama çukuru kapatmadan gitti."
    result = inbound(session, text, now + timedelta(hours=3))
    assert result.outcome == Outcome.NOTE and result.ticket is newer
    note = newer.events[-1]
    assert note.kind == EventKind.NOTE and note.reason == text and note.actor_label == "sms"
    assert all(e.kind != EventKind.NOTE for e in older.events)
    row = session.get(Notification, result.reply_id)
    assert row is not None and row.template == "sms_note_added" and row.ticket_id == newer.id
    assert newer.number in body_of(row)
    assert result.message.citizen_id == newer.citizen_id


def test_text_from_a_citizen_without_open_work_becomes_a_ticket_for_triage(
    session: Session, now: datetime
) -> None:
    concluded = answered(session, now)
    message_id = sid()
    result = inbound(session, "Parktaki bank kırık.", now, message_id=message_id)
    assert result.outcome == Outcome.NEW_TICKET
    ticket = result.ticket
    assert ticket is not None and ticket.id != concluded.id
    assert ticket.channel == Channel.SMS and ticket.external_id == message_id
    assert ticket.status == TicketStatus.NEW and ticket.topic_code_id is None  # triage queue
    assert ticket.citizen_id == concluded.citizen_id  # the same person
    assert ticket.events[0].actor_label == "sms"
    ack = session.scalar(
        sa.select(Notification).where(Notification.idempotency_key == f"ticket:{ticket.id}:ack")
    )
    assert ack is not None and ack.recipient == PHONE and ack.template == "ticket_created"
    assert reply_of(session, message_id) is None  # the acknowledgement is the answer
    assert result.message.ticket_id == ticket.id and result.message.outcome == "new_ticket"


def test_text_from_an_unknown_phone_becomes_a_ticket_and_a_citizen(
    session: Session, now: datetime
) -> None:
    result = inbound(session, "Otobüs durağının camı kırık", now, sender="0555 444 33 22")
    assert result.outcome == Outcome.NEW_TICKET and result.ticket is not None
    citizen = session.get(Citizen, result.ticket.citizen_id)
    assert citizen is not None and citizen.phone == "+905554443322" and citizen.full_name == ""
    assert result.message.sender == "+905554443322"
    assert result.message.citizen_id == citizen.id


def test_an_anonymised_citizen_is_not_recognised(session: Session, now: datetime) -> None:
    ticket = f.ticket(session, topic_code=NO_APPROVAL, now=now)
    assert ticket.citizen is not None
    ticket.citizen.anonymised_at = now
    session.flush()
    result = inbound(session, f"DURUM {ticket.number}", now)
    assert result.outcome == Outcome.STATUS_NOT_FOUND


@pytest.mark.parametrize(("sender", "body"), [(PHONE, "   "), (PHONE, ""), ("IZMIRBB", "Merhaba")])
def test_an_empty_message_or_a_non_phone_sender_is_kept_and_ignored(
    session: Session, now: datetime, sender: str, body: str
) -> None:
    f.ticket(session, topic_code=None, now=now)
    before = session.scalar(sa.select(sa.func.count()).select_from(Notification))
    message_id = sid()
    result = inbound(session, body, now, sender=sender, message_id=message_id)
    assert result.outcome == Outcome.IGNORED and result.reply_id is None
    [message] = stored(session, message_id)
    assert message.outcome == "ignored" and message.sender == sender
    assert session.scalar(sa.select(sa.func.count()).select_from(Notification)) == before


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("message_id", {"message_id": "", "sender": PHONE, "body": "x"}),
        ("message_id", {"message_id": "S" * 65, "sender": PHONE, "body": "x"}),
        ("sender", {"message_id": "SMx", "sender": "  ", "body": "x"}),
        ("sender", {"message_id": "SMx", "sender": "1" * 65, "body": "x"}),
        ("body", {"message_id": "SMx", "sender": PHONE, "body": "a" * (MAX_BODY + 1)}),
    ],
)
def test_bad_input_names_the_field_and_records_nothing(
    session: Session, now: datetime, field: str, kwargs: dict[str, str]
) -> None:
    with pytest.raises(ValidationError) as caught:
        handle_inbound_sms(session, now=now, **kwargs)
    assert caught.value.field == field
    assert session.scalar(sa.select(sa.func.count()).select_from(InboundMessage)) == 0


def test_a_nul_character_is_dropped_not_a_database_error(session: Session, now: datetime) -> None:
    result = inbound(session, "Sokak\x00 lambası", now, sender=STRANGER)
    assert result.outcome == Outcome.NEW_TICKET and result.ticket is not None
    session.flush()
    assert result.message.body == "Sokak lambası"
    assert result.ticket.description == "Sokak lambası"


def test_the_same_message_handled_concurrently_is_recorded_once(fresh_app: Flask) -> None:
    """Twilio's retry racing the first delivery: one row, one ticket, one acknowledgement.

    On PostgreSQL the loser's insert waits for the winner's commit and then hits
    the unique constraint; SQLite serialises the writers outright.
    """
    message_id, workers = sid(), 4
    barrier = threading.Barrier(workers)
    results: list[bool] = []
    errors: list[BaseException] = []

    def handle() -> None:
        try:
            with fresh_app.app_context(), Session(db.engine) as own:
                barrier.wait()
                result = handle_inbound_sms(
                    own,
                    message_id=message_id,
                    sender="+905551119900",
                    body="Sokak lambası yanmıyor",
                    now=datetime(2026, 11, 17, 7, 0, tzinfo=UTC),
                )
                own.commit()
                results.append(result.duplicate)
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=handle) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(results) == [False, True, True, True]
    with fresh_app.app_context(), Session(db.engine) as check:
        assert check.scalar(sa.select(sa.func.count()).select_from(InboundMessage)) == 1
        tickets = check.scalars(sa.select(Ticket).where(Ticket.external_id == message_id)).all()
        assert len(tickets) == 1
        acks = check.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.ticket_id == tickets[0].id)
        )
        assert acks == 1
