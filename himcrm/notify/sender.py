"""The one send path: claim an outbox row, hand it to its gateway, record the outcome.

Exactly once, as far as the provider allows (DESIGN.md §5):
- a row is *claimed* with one conditional UPDATE that is committed before the
  provider is called, so two workers never send the same row;
- a claim older than the lease (a worker killed mid-send) may be taken again;
  before re-sending, the gateway is asked whether it already accepted the very
  message (Twilio: the message list), so a crash between the provider's
  acceptance and our commit does not send twice;
- transient errors go back to ``pending`` with a backoff; permanent ones (an
  invalid number, a landline, an unsubscribed one) fail at once and show on the
  ticket.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.config import Settings
from himcrm.models import (
    EventKind,
    Notification,
    NotificationChannel,
    NotificationStatus,
    Ticket,
)
from himcrm.notify.gateways import EmailGateway, SendError, SmsGateway
from himcrm.notify.rate_limit import RateLimiter
from himcrm.notify.social import ConsoleSocial, SocialGateway
from himcrm.notify.texts import render, transliterate

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6


def backoff(attempt: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min, then hourly."""
    return timedelta(seconds=min(30 * 4 ** max(attempt - 1, 0), 3600))


@dataclass
class Senders:
    """What a send needs besides the row: gateways, limiter, settings."""

    settings: Settings
    sms: SmsGateway
    email: EmailGateway
    limiter: RateLimiter
    #: Per social channel value ("social_meta", "social_x"); unconfigured: the console.
    social: dict[str, SocialGateway] = field(default_factory=dict)

    def social_gateway(self, channel: NotificationChannel) -> SocialGateway:
        return self.social.get(channel.value) or ConsoleSocial()

    def provider_name(self, channel: NotificationChannel) -> str:
        if channel == NotificationChannel.SMS:
            return self.sms.name
        if channel == NotificationChannel.EMAIL:
            return self.email.name
        return self.social_gateway(channel).name


def _claimable(now: datetime, lease: timedelta) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(Notification.status == NotificationStatus.PENDING, Notification.send_after <= now),
        sa.and_(
            Notification.status == NotificationStatus.SENDING, Notification.claimed_at < now - lease
        ),
    )


def claim(
    session: Session, notification_id: int, *, now: datetime, lease: timedelta
) -> Notification | None:
    """Take a row for sending, or None if it is not due or someone else has it."""
    claimed = session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id, _claimable(now, lease))
        .values(
            status=NotificationStatus.SENDING,
            claimed_at=now,
            attempts=Notification.attempts + 1,
            updated_at=now,
        )
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    session.commit()  # the claim must be visible before the provider is called
    if claimed is None:
        return None
    return session.get(Notification, notification_id, populate_existing=True)


def due_ids(session: Session, *, now: datetime, lease: timedelta, limit: int = 1000) -> list[int]:
    return list(
        session.scalars(
            sa.select(Notification.id)
            .where(_claimable(now, lease))
            .order_by(Notification.send_after, Notification.id)
            .limit(limit)
        )
    )


def deliver(session: Session, notification_id: int, senders: Senders, *, now: datetime) -> str:
    """Send one outbox row if it is due; returns what happened (for logs and tests)."""
    lease = timedelta(seconds=senders.settings.send_lease_seconds)
    row = claim(session, notification_id, now=now, lease=lease)
    if row is None:
        return "skipped"
    subject, body = render(
        row.template,
        row.context,
        base_url=senders.settings.public_base_url,
        tz=senders.settings.timezone,
    )
    if row.channel == NotificationChannel.SMS and senders.settings.sms_transliterate:
        body = transliterate(body)
    try:
        provider_id = _send(row, subject, body, senders)
    except SendError as error:
        return _failed(session, row, error, now=now)
    row.status = NotificationStatus.SENT
    row.provider_message_id = provider_id
    row.provider = senders.provider_name(row.channel)
    row.sent_at = now
    row.error_code = row.error_message = None
    session.commit()
    return "sent"


def _send(row: Notification, subject: str, body: str, senders: Senders) -> str:
    if row.channel == NotificationChannel.SMS:
        if row.attempts > 1:
            already = senders.sms.find_sent(row.recipient, body, row.created_at)
            if already:
                return already
        senders.limiter.acquire()
        callback = f"{senders.settings.public_base_url}/webhooks/twilio/status"
        return senders.sms.send(
            row.recipient, body, key=row.idempotency_key, status_callback=callback
        )
    if row.channel == NotificationChannel.EMAIL:
        return senders.email.send(row.recipient, subject, body, key=row.idempotency_key)
    return senders.social_gateway(row.channel).send(row.recipient, body, key=row.idempotency_key)


def _failed(session: Session, row: Notification, error: SendError, *, now: datetime) -> str:
    row.error_code = error.code[:32] or None
    row.error_message = str(error)[:500]
    if error.permanent or row.attempts >= MAX_ATTEMPTS:
        row.status = NotificationStatus.FAILED
        _note_on_ticket(session, row, now)
        outcome = "failed"
    else:
        row.status = NotificationStatus.PENDING
        row.send_after = now + backoff(row.attempts)
        outcome = "retry"
    session.commit()
    log.warning("notification %s: %s (%s)", row.id, outcome, row.error_code)
    return outcome


def _note_on_ticket(session: Session, row: Notification, now: datetime) -> None:
    """A message that can never be delivered shows on the ticket's timeline."""
    if row.ticket_id is None or row.user_id is not None:
        return  # staff reminders are not part of the citizen's ticket history
    from himcrm.tickets.lifecycle import Actor, record_event

    ticket = session.get(Ticket, row.ticket_id)
    if ticket is None:
        return
    record_event(
        ticket,
        EventKind.NOTIFICATION,
        Actor.system(),
        now=now,
        reason="",
        data={
            "notification": row.id,
            "channel": row.channel.value,
            "template": row.template,
            "status": "failed",
            "error_code": row.error_code or "",
        },
    )


def record_status(
    session: Session,
    provider_message_id: str,
    status: str,
    error_code: str | None,
    *,
    now: datetime,
) -> bool:
    """Apply a delivery-status callback; False when the message is unknown."""
    row = session.scalar(
        sa.select(Notification).where(Notification.provider_message_id == provider_message_id)
    )
    if row is None:
        return False
    row.provider_status = status[:32]
    if status == "delivered":
        row.status = NotificationStatus.DELIVERED
    elif status in {"failed", "undelivered"} and row.status != NotificationStatus.FAILED:
        row.status = NotificationStatus.FAILED
        row.error_code = (error_code or status)[:32]
        _note_on_ticket(session, row, now)
    row.updated_at = now
    return True
