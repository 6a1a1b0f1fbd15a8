"""Inbound SMS service: survey replies, replays of every kind, the reply texts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from himcrm.channels.inbound_sms import Outcome
from himcrm.models import (
    EventKind,
    InboundMessage,
    Notification,
    NotificationChannel,
    Ticket,
    TicketStatus,
)
from himcrm.notify.outbox import queue_message
from himcrm.notify.texts import render, sms_segments, transliterate
from tests import factories as f
from tests.channels.inbound_sms_helpers import (
    BASE,
    PHONE,
    STRANGER,
    answered,
    body_of,
    inbound,
    send_survey,
    sid,
)


@pytest.fixture
def session(web_db: Session) -> Session:
    """The rolled-back session shared with ``db.session`` (see inbound_sms_helpers)."""
    return web_db


# --- survey replies --------------------------------------------------------------------------


def test_a_digit_after_a_survey_sms_records_the_score_and_thanks(
    session: Session, app: Flask, now: datetime
) -> None:
    ticket = answered(session, now)
    send_survey(session, app, ticket, now + timedelta(days=1))
    later = now + timedelta(days=1, hours=2)
    result = inbound(session, "4 teşekkürler, hızlıydı", later)
    assert result.outcome == Outcome.SURVEY and result.ticket is ticket
    session.expire_all()
    assert ticket.satisfaction == 4 and ticket.status == TicketStatus.ANSWERED
    survey = [e for e in ticket.events if e.kind == EventKind.SURVEY]
    assert len(survey) == 1 and survey[0].data == {"score": 4, "via": "sms"}
    assert survey[0].reason == "teşekkürler, hızlıydı"
    row = session.get(Notification, result.reply_id)
    assert row is not None and row.template == "survey_thanks" and row.recipient == PHONE
    assert ticket.number in body_of(row)
    assert result.message.outcome == "survey" and result.message.ticket_id == ticket.id


@pytest.mark.parametrize("text", ["2", "1 - çukur hâlâ orada", "5. Ama sorun devam ediyor"])
def test_a_low_score_or_a_reopen_request_reopens_and_says_so(
    session: Session, app: Flask, now: datetime, text: str
) -> None:
    ticket = answered(session, now)
    send_survey(session, app, ticket, now + timedelta(days=1))
    result = inbound(session, text, now + timedelta(days=2))
    assert result.outcome == Outcome.SURVEY_REOPENED
    session.expire_all()
    assert ticket.status == TicketStatus.NEW
    assert ticket.events[-1].kind == EventKind.REOPENED
    row = session.get(Notification, result.reply_id)
    assert row is not None and row.template == "survey_reopened"
    assert "yeniden" in body_of(row) and ticket.tracking_token in body_of(row)


def test_the_latest_answered_unrated_ticket_gets_the_score(
    session: Session, app: Flask, now: datetime
) -> None:
    older = answered(session, now)
    newer = answered(session, now + timedelta(hours=3))
    send_survey(session, app, older, now + timedelta(days=1))
    send_survey(session, app, newer, now + timedelta(days=1))
    inbound(session, "5", now + timedelta(days=2))
    assert (older.satisfaction, newer.satisfaction) == (None, 5)
    inbound(session, "3", now + timedelta(days=2))  # the next one still waits for a score
    assert (older.satisfaction, newer.satisfaction) == (3, 5)


def test_without_a_sent_survey_a_digit_is_an_ordinary_message(
    session: Session, now: datetime
) -> None:
    ticket = answered(session, now)
    # Queued for tomorrow, not sent yet: the citizen has not been asked.
    queue_message(
        session,
        key=f"ticket:{ticket.id}:survey",
        channel=NotificationChannel.SMS,
        recipient=PHONE,
        template="survey",
        context={"number": ticket.number},
        now=now,
        send_after=now + timedelta(days=1),
        ticket_id=ticket.id,
    )
    result = inbound(session, "5", now + timedelta(hours=2))
    assert result.outcome == Outcome.NEW_TICKET  # no open ticket to note it on
    assert ticket.satisfaction is None


def test_a_second_score_for_a_rated_ticket_is_an_ordinary_message(
    session: Session, app: Flask, now: datetime
) -> None:
    ticket = answered(session, now)
    send_survey(session, app, ticket, now)
    assert inbound(session, "5", now).outcome == Outcome.SURVEY
    result = inbound(session, "1", now)
    assert result.outcome == Outcome.NEW_TICKET
    session.expire_all()
    assert ticket.satisfaction == 5 and ticket.status == TicketStatus.ANSWERED


def test_a_survey_sms_to_someone_else_does_not_let_this_phone_rate(
    session: Session, app: Flask, now: datetime
) -> None:
    ticket = answered(session, now)
    send_survey(session, app, ticket, now)
    f.ticket(session, topic_code=None, now=now, phone=STRANGER)
    result = inbound(session, "1", now, sender=STRANGER)
    assert result.outcome == Outcome.NOTE  # on the stranger's own open ticket
    assert ticket.satisfaction is None


# --- once --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["status", "note", "new_ticket", "survey"])
def test_a_replayed_message_records_and_sends_nothing_twice(
    session: Session, app: Flask, now: datetime, kind: str
) -> None:
    ticket = (
        answered(session, now) if kind == "survey" else f.ticket(session, topic_code=None, now=now)
    )
    if kind == "survey":
        send_survey(session, app, ticket, now)
    text = {
        "status": f"DURUM {ticket.number}",
        "note": "Hâlâ bekliyorum",
        "new_ticket": "Yeni bir konu",
        "survey": "1",
    }[kind]
    sender = STRANGER if kind == "new_ticket" else PHONE
    message_id = sid()

    def counts() -> tuple[int, ...]:
        rows = [
            session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            for model in (InboundMessage, Notification, Ticket)
        ]
        return (*rows, len(ticket.events))

    first = inbound(session, text, now, sender=sender, message_id=message_id)
    assert not first.duplicate
    session.expire_all()
    after_first = counts()
    again = inbound(session, text, now + timedelta(minutes=1), sender=sender, message_id=message_id)
    assert again.duplicate and again.outcome == first.outcome and again.reply_id is None
    assert again.message.id == first.message.id
    session.expire_all()
    assert counts() == after_first


# --- texts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "context"),
    [
        (
            "sms_status",
            {
                "number": "2026-000123",
                "token": "t" * 32,
                "status": "in_progress",
                "department": "Fen İşleri Dairesi Başkanlığı",
                "due": "2026-11-20T14:30:00+00:00",
                "answered": None,
            },
        ),
        ("sms_status", {"number": "2026-000123", "status": "on_hold", "department": ""}),
        ("sms_status_not_found", {"number": "2026-000123"}),
        ("sms_status_help", {}),
        ("survey_thanks", {"number": "2026-000123", "token": "t" * 32}),
        ("survey_reopened", {"number": "2026-000123", "token": "t" * 32}),
        ("sms_note_added", {"number": "2026-000123", "token": "t" * 32}),
    ],
)
def test_the_replies_are_short_and_gsm_7_once_transliterated(
    template: str, context: dict[str, object]
) -> None:
    subject, body = render(template, context, base_url=BASE)
    assert subject and body.startswith("İzmir BB HİM: ")
    gsm = sms_segments(transliterate(body))
    assert gsm.encoding == "GSM-7" and gsm.count <= 2, body
    if template == "sms_status" and context.get("due"):
        assert "20.11.2026" in body and "İşlemde" in body  # 17:30 in Istanbul
    if template == "sms_status" and context["status"] == "on_hold":
        assert "henüz belirlenmedi" in body and "Tahmini" not in body
