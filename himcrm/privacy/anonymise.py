"""Anonymising a citizen: the person goes, the record and the statistics stay (KVKK).

Unlike helpdesks that delete a person's tickets with the person, HİM keeps every
ticket — topic, district, channel, dates, durations, status, satisfaction — so
reports and open data do not change. What is removed:

- the citizen's name, phone, e-mail, kimlik no, address and neighbourhood;
- on their tickets: the description and address (free text that names people),
  the exact coordinates, the citizen's own photos (files deleted);
- the answers' mentions of the name, phone and e-mail (replaced by ***);
- the outbox: recipients and message contexts; unsent messages are cancelled;
- the phone channel: the caller's number and voice-mail recordings;
- inbound SMS / social messages: sender and text.

Left as it is, knowingly: the ticket history (``ticket_events``) is append-only
by a database trigger; staff notes in it are written by staff about the matter
and are kept with the record.

:func:`run_retention` applies the policy (personal data N years after the
citizen's last ticket was concluded, nobody with an open ticket); each run and
each request is a :class:`DestructionRecord`, kept three years.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.models import (
    OPEN_STATUSES,
    Attachment,
    Call,
    Citizen,
    DestructionRecord,
    InboundMessage,
    Notification,
    NotificationStatus,
    Reply,
    Ticket,
    User,
)
from himcrm.privacy.audit import AuditAction, check_reason, record_access
from himcrm.tickets.attachments import stored_path, upload_root

log = logging.getLogger(__name__)

MARKER = "[Kişisel veri anonimleştirildi]"
KEEP_RECORDS = timedelta(days=3 * 366)
BATCH = 500


def _mask_mentions(text: str, needles: list[str]) -> str:
    for needle in needles:
        if len(needle) >= 3:
            text = re.sub(re.escape(needle), "***", text, flags=re.IGNORECASE)
    return text


def _needles(citizen: Citizen) -> list[str]:
    needles = [citizen.full_name or "", citizen.email or "", citizen.kimlik_no or ""]
    if citizen.phone:
        national = citizen.phone.removeprefix("+90")
        needles += [citizen.phone, national, "0" + national]
    return [n for n in needles if n]


def anonymise_citizen(
    session: Session, citizen: Citizen, *, now: datetime, instance_path: str | Path
) -> int:
    """Remove the person from the citizen row and everything linked; returns tickets touched."""
    if citizen.anonymised_at is not None:
        return 0
    needles = _needles(citizen)
    ticket_ids = list(session.scalars(sa.select(Ticket.id).where(Ticket.citizen_id == citizen.id)))
    if ticket_ids:
        session.execute(
            sa.update(Ticket)
            .where(Ticket.id.in_(ticket_ids))
            .values(description=MARKER, address="", latitude=None, longitude=None)
            .execution_options(synchronize_session=False)
        )
        for reply in session.scalars(sa.select(Reply).where(Reply.ticket_id.in_(ticket_ids))):
            reply.body = _mask_mentions(reply.body, needles)
        root = upload_root(instance_path)
        for attachment in session.scalars(
            sa.select(Attachment).where(
                Attachment.ticket_id.in_(ticket_ids), Attachment.uploaded_by_id.is_(None)
            )
        ):
            stored_path(root, attachment).unlink(missing_ok=True)
            session.delete(attachment)
    citizen_messages = sa.or_(
        Notification.citizen_id == citizen.id,
        sa.and_(Notification.ticket_id.in_(ticket_ids), Notification.user_id.is_(None)),
    )
    session.execute(
        sa.update(Notification)
        .where(citizen_messages, Notification.status == NotificationStatus.PENDING)
        .values(status=NotificationStatus.CANCELLED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.update(Notification)
        .where(citizen_messages)
        .values(recipient="", context={})
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.update(Call)
        .where(Call.citizen_id == citizen.id)
        .values(from_number="", recording_url=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.update(InboundMessage)
        .where(
            sa.or_(
                InboundMessage.citizen_id == citizen.id, InboundMessage.ticket_id.in_(ticket_ids)
            )
        )
        .values(sender="", body="")
        .execution_options(synchronize_session=False)
    )
    citizen.full_name = ""
    citizen.phone = None
    citizen.email = None
    citizen.kimlik_no = None
    citizen.address = ""
    citizen.neighbourhood = ""
    citizen.kvkk_consent_at = None
    citizen.anonymised_at = now
    session.flush()
    return len(ticket_ids)


def anonymise_on_request(
    session: Session,
    citizen: Citizen,
    *,
    actor: User,
    reason: str,
    now: datetime,
    instance_path: str | Path,
    ip: str = "",
) -> DestructionRecord:
    """A data-subject request: anonymise now, with a reason; audited and recorded."""
    reason = check_reason(reason)
    tickets = anonymise_citizen(session, citizen, now=now, instance_path=instance_path)
    record = DestructionRecord(
        run_at=now,
        trigger="request",
        policy={},
        citizens=1,
        tickets=tickets,
        actor_id=actor.id,
        reason=reason,
        keep_until=now + KEEP_RECORDS,
    )
    session.add(record)
    record_access(
        session,
        user=actor,
        action=AuditAction.ANONYMISE,
        subject_type="citizen",
        subject_id=citizen.id,
        reason=reason,
        ip=ip,
        now=now,
    )
    return record


def due_for_retention(session: Session, *, now: datetime, years: int) -> sa.Select[tuple[int]]:
    """Citizens whose last ticket was concluded more than ``years`` ago and none is open."""
    cutoff = now - timedelta(days=round(365.25 * years))
    concluded = sa.func.coalesce(Ticket.closed_at, Ticket.answered_at, Ticket.updated_at)
    open_ticket = sa.exists().where(
        Ticket.citizen_id == Citizen.id, Ticket.status.in_(OPEN_STATUSES)
    )
    recent = sa.exists().where(Ticket.citizen_id == Citizen.id, concluded >= cutoff)
    return (
        sa.select(Citizen.id)
        .where(
            Citizen.anonymised_at.is_(None),
            Citizen.created_at < cutoff,
            ~open_ticket,
            ~recent,
        )
        .order_by(Citizen.id)
    )


def run_retention(
    session: Session, *, now: datetime, years: int, instance_path: str | Path
) -> DestructionRecord:
    """Anonymise everyone the policy has reached; commit per batch; always leaves a record."""
    citizens = tickets = 0
    while True:
        ids = list(session.scalars(due_for_retention(session, now=now, years=years).limit(BATCH)))
        if not ids:
            break
        for citizen in session.scalars(sa.select(Citizen).where(Citizen.id.in_(ids))):
            tickets += anonymise_citizen(session, citizen, now=now, instance_path=instance_path)
            citizens += 1
        session.commit()
    record = DestructionRecord(
        run_at=now,
        trigger="retention",
        policy={"anonymise_after_years": years},
        citizens=citizens,
        tickets=tickets,
        keep_until=now + KEEP_RECORDS,
    )
    session.add(record)
    # Records older than three years have served their purpose too.
    session.execute(sa.delete(DestructionRecord).where(DestructionRecord.keep_until < now))
    session.commit()
    log.info("retention: %d citizens anonymised, %d tickets scrubbed", citizens, tickets)
    return record
