"""Shared pieces of the inbound SMS service tests.

Those tests override ``session`` with ``web_db``: sending a survey SMS commits,
and a commit runs the send jobs that intake queued (``send_now``)
synchronously on ``db.session``. With the plain ``session`` fixture that is
another connection, which SQLite makes wait for this one's lock; ``web_db``
binds both to one connection, like a request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from himcrm.channels.inbound_sms import InboundResult, handle_inbound_sms
from himcrm.config import Settings
from himcrm.models import InboundMessage, Notification, NotificationChannel, Role, Ticket
from himcrm.notify.gateways import ConsoleEmail, ConsoleSms
from himcrm.notify.outbox import queue_message
from himcrm.notify.rate_limit import RateLimiter
from himcrm.notify.sender import Senders, deliver
from himcrm.notify.texts import render
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor
from tests import factories as f
from tests.conftest import user

NO_APPROVAL = "FEN.YOL.01"  # seed: FEN.YOL answers directly
PHONE = "+905321112233"  # the factories' citizen
STRANGER = "+905559998877"
BASE = "https://him.example.org"
ISTANBUL = ZoneInfo("Europe/Istanbul")
_sids = iter(range(1, 10_000))


def sid() -> str:
    return f"SM{next(_sids):032x}"


def inbound(
    session: Session, body: str, now: datetime, sender: str = PHONE, **kw: str
) -> InboundResult:
    return handle_inbound_sms(
        session, message_id=kw.get("message_id", sid()), sender=sender, body=body, now=now
    )


def reply_of(session: Session, message_id: str) -> Notification | None:
    return session.scalar(
        sa.select(Notification).where(Notification.idempotency_key == f"sms:{message_id}:reply")
    )


def body_of(row: Notification) -> str:
    return render(row.template, row.context, base_url=BASE)[1]


def answered(session: Session, now: datetime, phone: str = PHONE) -> Ticket:
    ticket = f.ticket(session, topic_code=NO_APPROVAL, now=now, phone=phone)
    staff = Actor(user(session, Role.DEPT_STAFF, "FEN.YOL"))
    lifecycle.start(ticket, staff, now=now)
    lifecycle.answer(ticket, staff, now=now + timedelta(hours=1))
    return ticket


def send_survey(session: Session, app: Flask, ticket: Ticket, now: datetime) -> Notification:
    """The survey SMS, queued like replies.py does and sent through the console gateway."""
    assert ticket.citizen is not None and ticket.citizen.phone
    row_id = queue_message(
        session,
        key=f"ticket:{ticket.id}:survey",
        channel=NotificationChannel.SMS,
        recipient=ticket.citizen.phone,
        template="survey",
        context={"number": ticket.number, "token": ticket.tracking_token},
        now=now,
        ticket_id=ticket.id,
        citizen_id=ticket.citizen_id,
    )
    assert row_id is not None
    settings: Settings = app.config["HIMCRM_SETTINGS"]
    senders = Senders(
        settings=settings, sms=ConsoleSms(), email=ConsoleEmail(), limiter=RateLimiter(10)
    )
    assert deliver(session, row_id, senders, now=now) == "sent"
    row = session.get(Notification, row_id)
    assert row is not None
    return row


def stored(session: Session, message_id: str) -> list[InboundMessage]:
    return list(
        session.scalars(sa.select(InboundMessage).where(InboundMessage.external_id == message_id))
    )
