"""The outbox: every SMS and e-mail, written in the transaction that caused it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from himcrm.models.base import Base, TimestampMixin, enum_column, utcnow
from himcrm.models.ticket import Ticket


class NotificationChannel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    SOCIAL_META = "social_meta"  # Messenger message or private reply (himcrm.notify.social)
    SOCIAL_X = "social_x"  # X direct message


class NotificationStatus(StrEnum):
    PENDING = "pending"  # written, waiting for a sender
    SENDING = "sending"  # claimed by a sender (a crashed sender leaves it here)
    SENT = "sent"  # accepted by the provider
    DELIVERED = "delivered"
    FAILED = "failed"  # permanent failure: not retried, shown on the ticket
    CANCELLED = "cancelled"


class Notification(TimestampMixin, Base):
    """One message to one recipient.

    ``idempotency_key`` is unique: a reminder for (ticket, kind, threshold) can be
    written only once however many sweeps or duplicate jobs try (DESIGN.md §5).
    """

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_status_send_after", "status", "send_after"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    channel: Mapped[NotificationChannel] = mapped_column(enum_column(NotificationChannel))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    template: Mapped[str] = mapped_column(sa.String(64))
    context: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[NotificationStatus] = mapped_column(
        enum_column(NotificationStatus), default=NotificationStatus.PENDING
    )
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    send_after: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    provider: Mapped[str | None] = mapped_column(sa.String(32))
    provider_message_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    provider_status: Mapped[str | None] = mapped_column(sa.String(32))
    error_code: Mapped[str | None] = mapped_column(sa.String(32))
    error_message: Mapped[str | None] = mapped_column(sa.Text)

    ticket: Mapped[Ticket | None] = relationship()
