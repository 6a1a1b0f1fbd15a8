"""Replies to citizens: versioned drafts, the approval decision, and templates."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from himcrm.models.base import Base, TimestampMixin, enum_column, utcnow
from himcrm.models.citizen import ReplyChannel
from himcrm.models.ticket import Ticket
from himcrm.models.topic import TopicCode
from himcrm.models.user import User


class ReplyStatus(StrEnum):
    DRAFT = "draft"  # being written; editing makes a new version
    SUBMITTED = "submitted"  # waiting in the manager's approval queue
    APPROVED = "approved"  # sent to the citizen through the outbox
    RETURNED = "returned"  # sent back by the manager with a reason
    SUPERSEDED = "superseded"  # an older version of a draft


class Reply(Base):
    """One version of the answer to a ticket; a new edit is a new row.

    The newest version is the live draft; older ones stay for the timeline.
    """

    __tablename__ = "replies"
    __table_args__ = (
        sa.UniqueConstraint("ticket_id", "version"),
        # The approval-wait sweep: submitted replies by submission time.
        sa.Index("ix_replies_status_submitted_at", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    version: Mapped[int]
    body: Mapped[str] = mapped_column(sa.Text)
    channel: Mapped[ReplyChannel] = mapped_column(
        enum_column(ReplyChannel), default=ReplyChannel.SMS
    )
    status: Mapped[ReplyStatus] = mapped_column(enum_column(ReplyStatus), default=ReplyStatus.DRAFT)
    template_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reply_templates.id"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")

    ticket: Mapped[Ticket] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class ReplyTemplate(TimestampMixin, Base):
    """A ready answer, optionally for one topic (or a group of topics)."""

    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    topic_code_id: Mapped[int | None] = mapped_column(sa.ForeignKey("topic_codes.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)

    topic_code: Mapped[TopicCode | None] = relationship()
