"""Inbound SMS: what a citizen texts to the municipality's number (issue 6, part 5).

Every message is kept once in :class:`InboundMessage` under ("sms", MessageSid):
a provider retry or a replayed webhook finds the row and does nothing at all
(nothing recorded twice, nothing sent twice). Replies go through the one send
path, the outbox, with the key ``sms:<MessageSid>:reply``. What a message
becomes is decided in this order:

1. **Status query** — ``DURUM 2026-000123`` or ``STATUS 2026-000123``
   (any case; Turkish İ/ı and ASCII spellings fold to the same thing). The
   number may be written ``2026-000123``, ``2026000123``, ``2026/123``,
   ``2026 123`` or ``2026-123``: four digits of year, then the sequence without
   its leading zeros if the citizen likes. The answer (status, department,
   expected date, tracking link) goes only to the phone of the ticket's citizen;
   any other phone, and a number that does not exist, get the very same "not
   found" text, so nobody can probe other people's tickets. A keyword followed
   by only digits and separators that do not make a number gets a usage hint;
   a keyword followed by words ("Durum çok kötü, ...") is not a query at all
   and falls through to rule 3.
2. **Survey reply** — a message that starts with a single digit 1–5 (a comment
   may follow: "2 çukur hâlâ orada"), from a phone to which a survey SMS was
   actually sent (outbox row sent or delivered) for a ticket not yet rated:
   :func:`himcrm.tickets.survey.record_survey` with ``via="sms"`` for the most
   recently answered such ticket; the reply thanks them or says the ticket was
   reopened. The comment is cut to the survey's 1000 characters (the whole text
   stays in InboundMessage). A digit from a phone with no pending survey is
   ordinary text (rule 3).
3. **Anything else** — from a known citizen (a non-anonymised Citizen with this
   phone) that has an open ticket: a note on the latest open ticket
   (``lifecycle.add_note``, actor label ``sms``), and an SMS saying so. With no
   open ticket, or from an unknown phone: a new ticket through the one intake
   service (channel ``sms``, external id = MessageSid, no topic, so it waits in
   the back office's triage queue); intake queues the usual acknowledgement
   with the tracking link. We chose the note over a new ticket for a citizen
   with open work because follow-ups ("still waiting", "the team came but
   left") belong with the ticket the department is working on; staff can split
   a note into a ticket, while merging many one-line tickets is more work.
   An unknown phone becomes a Citizen with only its number (find_or_create).
4. An empty body (an MMS with only a picture) or a sender that is not a phone
   number (an alphanumeric sender id, a short code) is stored as ``ignored``
   and answered with nothing: there is nobody to answer.

Logs carry message ids and outcomes only, never phone numbers or texts.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.citizens.identity import normalise_phone
from himcrm.citizens.service import CitizenInput
from himcrm.db_setup import add_once
from himcrm.errors import ValidationError
from himcrm.models import (
    OPEN_STATUSES,
    Citizen,
    InboundMessage,
    Notification,
    NotificationChannel,
    NotificationStatus,
    Ticket,
)
from himcrm.notify.outbox import queue_message
from himcrm.text import search_key
from himcrm.tickets import lifecycle
from himcrm.tickets.intake import TicketInput, create_ticket
from himcrm.tickets.lifecycle import Actor
from himcrm.tickets.survey import MAX_COMMENT, RATEABLE, record_survey

log = logging.getLogger(__name__)

CHANNEL = "sms"
ACTOR_LABEL = "sms"
#: Twilio joins a long SMS into one Body of at most 1600 characters.
MAX_BODY = 1600
#: Twilio's SIDs are 34 characters; the outbox key and the columns hold more.
MAX_MESSAGE_ID = 64
MAX_SENDER = 64


class Outcome(StrEnum):
    STATUS = "status"
    STATUS_NOT_FOUND = "status_not_found"
    STATUS_HELP = "status_help"
    SURVEY = "survey"
    SURVEY_REOPENED = "survey_reopened"
    NOTE = "note"
    NEW_TICKET = "new_ticket"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class InboundResult:
    message: InboundMessage
    outcome: Outcome
    duplicate: bool  # True: this MessageSid was handled before; nothing was done now
    ticket: Ticket | None = None
    reply_id: int | None = None  # the outbox row of our answer, when one was written


# After search_key(): lower case by Turkish rules, folded to ASCII.
_STATUS_QUERY = re.compile(r"^(?:durumu|durum|status)(?![a-z0-9])[\s:#.-]*(.*)$", re.S)
_ONLY_NUMBERISH = re.compile(r"^[\d\s/.-]*$")
_TICKET_NUMBER = re.compile(r"^(20\d\d)\s*[-/.]?\s*(\d{1,7})$")
_SURVEY_REPLY = re.compile(r"^([1-5])(?!\d)[\s.,:;)/*!-]*(.*)$", re.S)
_SENT = (NotificationStatus.SENT, NotificationStatus.DELIVERED)


def handle_inbound_sms(
    session: Session,
    *,
    message_id: str,
    sender: str,
    body: str,
    now: datetime,
    timezone: str = "Europe/Istanbul",
) -> InboundResult:
    """Store an inbound SMS once and act on it (see the module docstring).

    Bad input raises ValidationError naming the field before anything is
    written. Everything happens in the caller's transaction.
    """
    message_id, sender, body = _check(message_id, sender, body)
    existing = _find(session, message_id)
    if existing is not None:
        return _duplicate(existing)
    phone = _phone_or_none(sender)
    message = InboundMessage(
        channel=CHANNEL,
        external_id=message_id,
        sender=phone or sender,
        body=body,
        received_at=now,
        outcome="",
    )
    message, created = add_once(session, message, lambda: _find(session, message_id))
    if not created:
        return _duplicate(message)  # the same webhook, handled concurrently, won the race

    result = _act(session, message, phone, body.strip(), now, timezone)
    message.outcome = result.outcome.value
    message.ticket_id = result.ticket.id if result.ticket is not None else None
    if result.ticket is not None and message.citizen_id is None:
        message.citizen_id = result.ticket.citizen_id
    session.flush()
    log.info("Inbound SMS %s: %s", message_id, result.outcome.value)
    return result


def _check(message_id: str, sender: str, body: str) -> tuple[str, str, str]:
    message_id = (message_id or "").strip()
    sender = (sender or "").strip()
    # A NUL cannot be stored in a PostgreSQL text column; it carries nothing anyway.
    body = (body or "").replace("\x00", "")
    for field, value, limit in (
        ("message_id", message_id, MAX_MESSAGE_ID),
        ("sender", sender, MAX_SENDER),
    ):
        if not value:
            raise ValidationError(_l("Bu alan gerekli."), field=field)
        if len(value) > limit:
            raise ValidationError(_l("En fazla %(n)s karakter olabilir.", n=limit), field=field)
    if len(body) > MAX_BODY:
        raise ValidationError(_l("En fazla %(n)s karakter olabilir.", n=MAX_BODY), field="body")
    return message_id, sender, body


def _find(session: Session, message_id: str) -> InboundMessage | None:
    return session.scalar(
        sa.select(InboundMessage).where(
            InboundMessage.channel == CHANNEL, InboundMessage.external_id == message_id
        )
    )


def _duplicate(message: InboundMessage) -> InboundResult:
    log.info("Inbound SMS %s seen before; nothing done", message.external_id)
    try:
        outcome = Outcome(message.outcome)
    except ValueError:
        outcome = Outcome.IGNORED
    return InboundResult(message, outcome, duplicate=True)


def _phone_or_none(sender: str) -> str | None:
    try:
        return normalise_phone(sender, field="sender")
    except ValidationError:
        return None


def _act(
    session: Session,
    message: InboundMessage,
    phone: str | None,
    text: str,
    now: datetime,
    timezone: str,
) -> InboundResult:
    if phone is None or not text:
        return InboundResult(message, Outcome.IGNORED, duplicate=False)
    citizen_ids = list(
        session.scalars(
            sa.select(Citizen.id).where(Citizen.phone == phone, Citizen.anonymised_at.is_(None))
        )
    )
    if citizen_ids:
        message.citizen_id = citizen_ids[0]
    reply = _Reply(session, message, phone, now)

    query = _status_query(text)
    if query is not None:
        return _answer_status(session, reply, query, citizen_ids)

    survey = _SURVEY_REPLY.match(text)
    if survey is not None and citizen_ids:
        ticket = _awaiting_survey(session, phone, citizen_ids)
        if ticket is not None:
            comment = survey.group(2).strip()[:MAX_COMMENT]
            result = record_survey(
                session, ticket, score=int(survey.group(1)), comment=comment, via="sms", now=now
            )
            if result.reopened:
                row = reply.send("survey_reopened", ticket)
                return InboundResult(message, Outcome.SURVEY_REOPENED, False, ticket, row)
            row = reply.send("survey_thanks", ticket)
            return InboundResult(message, Outcome.SURVEY, False, ticket, row)

    open_ticket = _latest_open_ticket(session, citizen_ids)
    if open_ticket is not None:
        lifecycle.add_note(open_ticket, Actor(label=ACTOR_LABEL), text, now=now)
        row = reply.send("sms_note_added", open_ticket)
        return InboundResult(message, Outcome.NOTE, False, open_ticket, row)

    intake = create_ticket(
        session,
        TicketInput(
            channel=CHANNEL,
            description=text,
            external_id=message.external_id,
            citizen=CitizenInput(phone=phone),
        ),
        actor_label=ACTOR_LABEL,
        now=now,
        timezone=timezone,
    )
    # The acknowledgement with the tracking link is intake's, keyed by the ticket.
    return InboundResult(message, Outcome.NEW_TICKET, False, intake.ticket)


@dataclass(slots=True)
class _Reply:
    """Our one answer to one inbound message, through the outbox."""

    session: Session
    message: InboundMessage
    phone: str
    now: datetime

    def send(self, template: str, ticket: Ticket | None = None, **context: object) -> int | None:
        if ticket is not None:
            context = {"number": ticket.number, "token": ticket.tracking_token, **context}
        return queue_message(
            self.session,
            key=f"sms:{self.message.external_id}:reply",
            channel=NotificationChannel.SMS,
            recipient=self.phone,
            template=template,
            context=context,
            now=self.now,
            ticket_id=ticket.id if ticket is not None else None,
            citizen_id=self.message.citizen_id,
            send_now=True,  # the citizen is holding the phone
        )


@dataclass(frozen=True, slots=True)
class _StatusQuery:
    number: str | None  # None: the keyword with no readable number


def _status_query(text: str) -> _StatusQuery | None:
    match = _STATUS_QUERY.match(search_key(text))
    if match is None:
        return None
    rest = match.group(1).strip().rstrip("?!.").strip()
    if not _ONLY_NUMBERISH.match(rest):
        return None  # "Durum çok kötü, ...": words, not a query
    number = _TICKET_NUMBER.match(rest)
    if number is None:
        return _StatusQuery(None)
    return _StatusQuery(f"{number.group(1)}-{int(number.group(2)):06d}")


def _answer_status(
    session: Session, reply: _Reply, query: _StatusQuery, citizen_ids: list[int]
) -> InboundResult:
    message = reply.message
    if query.number is None:
        row = reply.send("sms_status_help")
        return InboundResult(message, Outcome.STATUS_HELP, False, None, row)
    ticket = None
    if citizen_ids:
        # Only the ticket's own citizen: any other phone gets "not found" (no enumeration).
        ticket = session.scalar(
            sa.select(Ticket).where(
                Ticket.number == query.number, Ticket.citizen_id.in_(citizen_ids)
            )
        )
    if ticket is None:
        row = reply.send("sms_status_not_found", number=query.number)
        return InboundResult(message, Outcome.STATUS_NOT_FOUND, False, None, row)
    row = reply.send(
        "sms_status",
        ticket,
        status=ticket.status.value,
        department=ticket.department.name if ticket.department is not None else "",
        due=ticket.resolution_due_at.isoformat() if ticket.resolution_due_at else None,
        answered=ticket.answered_at.isoformat() if ticket.answered_at else None,
    )
    return InboundResult(message, Outcome.STATUS, False, ticket, row)


def _awaiting_survey(session: Session, phone: str, citizen_ids: list[int]) -> Ticket | None:
    """The citizen's most recently answered ticket whose survey SMS reached this phone."""
    survey_sent = (
        sa.select(Notification.id)
        .where(
            Notification.ticket_id == Ticket.id,
            Notification.template == "survey",
            Notification.channel == NotificationChannel.SMS,
            Notification.recipient == phone,
            Notification.status.in_(_SENT),
        )
        .exists()
    )
    return session.scalar(
        sa.select(Ticket)
        .where(
            Ticket.citizen_id.in_(citizen_ids),
            Ticket.status.in_(RATEABLE),
            Ticket.satisfaction.is_(None),
            survey_sent,
        )
        .order_by(Ticket.answered_at.desc(), Ticket.id.desc())
        .limit(1)
    )


def _latest_open_ticket(session: Session, citizen_ids: list[int]) -> Ticket | None:
    if not citizen_ids:
        return None
    return session.scalar(
        sa.select(Ticket)
        .where(Ticket.citizen_id.in_(citizen_ids), Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(1)
    )


__all__ = ["InboundResult", "Outcome", "handle_inbound_sms"]
