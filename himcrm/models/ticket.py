"""Tickets (başvuru), their append-only history, attachments and numbering."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from himcrm.models.base import Base, TimestampMixin, enum_column, utcnow
from himcrm.models.call import Call
from himcrm.models.citizen import Citizen
from himcrm.models.org import Department, District
from himcrm.models.topic import Priority, TopicCode
from himcrm.models.user import User


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    EMAIL = "email"
    SMS = "sms"
    SOCIAL_X = "social_x"
    SOCIAL_META = "social_meta"
    MOBILE_APP = "mobile_app"
    FIELD = "field"
    WALK_IN = "walk_in"
    RADIO = "radio"
    DISTRICT_MUNICIPALITY = "district_municipality"
    CIMER = "cimer"
    OPEN311 = "open311"


class TicketType(StrEnum):
    REQUEST = "request"
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    INFORMATION = "information"
    THANKS = "thanks"


class TicketStatus(StrEnum):
    NEW = "new"
    ROUTED = "routed"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    PENDING_APPROVAL = "pending_approval"
    ANSWERED = "answered"
    CLOSED = "closed"
    MERGED = "merged"
    OUT_OF_SCOPE = "out_of_scope"


#: Statuses in which a ticket still waits for the municipality (the SLA runs or is paused).
OPEN_STATUSES: frozenset[TicketStatus] = frozenset(
    {
        TicketStatus.NEW,
        TicketStatus.ROUTED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.ON_HOLD,
        TicketStatus.PENDING_APPROVAL,
    }
)
_OPEN_SQL = "status IN ('new', 'routed', 'in_progress', 'on_hold', 'pending_approval')"


class Ticket(TimestampMixin, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        # Idempotent intake: one ticket per (channel, external id).
        sa.Index(
            "uq_tickets_channel_external_id",
            "channel",
            "external_id",
            unique=True,
            postgresql_where=sa.text("external_id IS NOT NULL"),
            sqlite_where=sa.text("external_id IS NOT NULL"),
        ),
        # Department inbox and the SLA sweep: open tickets by department and due time.
        sa.Index(
            "ix_tickets_open_department_due",
            "department_id",
            "resolution_due_at",
            postgresql_where=sa.text(_OPEN_SQL),
            sqlite_where=sa.text(_OPEN_SQL),
        ),
        # A department's tickets newest first: its staff's free-text search walks
        # them backwards for a common word (issue 9: 0.7 s → see bench/RESULTS.md).
        sa.Index("ix_tickets_department_id_id", "department_id", "id"),
        # The reminder sweep: only tickets with a reminder due are read, however
        # many are open (DESIGN.md §5).
        sa.Index(
            "ix_tickets_next_reminder_at",
            "next_reminder_at",
            postgresql_where=sa.text("next_reminder_at IS NOT NULL"),
            sqlite_where=sa.text("next_reminder_at IS NOT NULL"),
        ),
        # Reports: tickets received in a period, per department; concluded in a period.
        sa.Index("ix_tickets_created_at_department", "created_at", "department_id"),
        sa.Index("ix_tickets_answered_at", "answered_at"),
        sa.Index("ix_tickets_first_responded_at", "first_responded_at"),
        sa.CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="satisfaction_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(16), unique=True)
    tracking_token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    external_id: Mapped[str | None] = mapped_column(sa.String(128))
    type: Mapped[TicketType] = mapped_column(enum_column(TicketType), default=TicketType.REQUEST)
    status: Mapped[TicketStatus] = mapped_column(
        enum_column(TicketStatus), default=TicketStatus.NEW
    )
    priority: Mapped[Priority] = mapped_column(enum_column(Priority), default=Priority.NORMAL)

    citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    topic_code_id: Mapped[int | None] = mapped_column(sa.ForeignKey("topic_codes.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    call_id: Mapped[int | None] = mapped_column(sa.ForeignKey("calls.id"), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"), index=True)

    description: Mapped[str] = mapped_column(sa.Text)
    address: Mapped[str] = mapped_column(sa.Text, default="")
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id"))
    neighbourhood: Mapped[str] = mapped_column(sa.String(128), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]

    # SLA: due times are absolute (UTC); on hold they are recomputed on resume.
    sla_started_at: Mapped[datetime | None]
    first_response_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    sla_paused_at: Mapped[datetime | None]
    # When the sweep should next look at this ticket (50%/80%/due/overdue); NULL
    # while paused or concluded. Maintained by himcrm.sla.clock.
    next_reminder_at: Mapped[datetime | None]
    first_responded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    # Durations in business minutes, fixed when the step happens, so reports
    # aggregate them in SQL instead of re-running calendar maths per ticket.
    paused_business_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    first_response_business_minutes: Mapped[int | None]
    resolution_business_minutes: Mapped[int | None]

    satisfaction: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1)

    citizen: Mapped[Citizen | None] = relationship()
    topic_code: Mapped[TopicCode | None] = relationship()
    department: Mapped[Department | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    district: Mapped[District | None] = relationship()
    merged_into: Mapped[Ticket | None] = relationship(remote_side=[id])
    call: Mapped[Call | None] = relationship()  # the call it came from (voice mail: its recording)
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", lazy="selectin"
    )
    attachments: Mapped[list[Attachment]] = relationship(back_populates="ticket")

    # Optimistic locking: two people acting on one ticket at once cannot both win.
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Ticket {self.number} {self.status}>"


class EventKind(StrEnum):
    CREATED = "created"
    ROUTED = "routed"
    TRANSFERRED = "transferred"
    ASSIGNED = "assigned"
    STATUS_CHANGED = "status_changed"
    ON_HOLD = "on_hold"
    RESUMED = "resumed"
    RETURNED = "returned"
    APPROVED = "approved"
    ANSWERED = "answered"
    CLOSED = "closed"
    REOPENED = "reopened"
    MERGED = "merged"
    OUT_OF_SCOPE = "out_of_scope"
    NOTE = "note"
    FIRST_RESPONSE = "first_response"
    NOTIFICATION = "notification"
    SURVEY = "survey"  # the citizen rated the answer (data: score, comment, via)


class TicketEvent(Base):
    """One entry of a ticket's append-only history.

    ``department_id`` is the department holding the ticket *after* the event, so
    the time each department held a ticket is derivable from consecutive events.
    Rows are never updated or deleted (enforced by a trigger, see the migration).
    """

    __tablename__ = "ticket_events"
    __table_args__ = (sa.Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind))
    from_status: Mapped[TicketStatus | None] = mapped_column(enum_column(TicketStatus))
    to_status: Mapped[TicketStatus | None] = mapped_column(enum_column(TicketStatus))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Who acted when it is not a staff user: "system", "citizen", "sms", "open311" ...
    actor_label: Mapped[str] = mapped_column(sa.String(64), default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
    department: Mapped[Department | None] = relationship()

    def __repr__(self) -> str:
        return f"<TicketEvent {self.kind} {self.from_status}->{self.to_status}>"


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(128))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    is_public: Mapped[bool] = mapped_column(default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")


class TicketNumberCounter(Base):
    """The last ticket number given out per year.

    Incremented with ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` inside the
    intake transaction: the row lock serialises concurrent writers and a rollback
    returns the number, so numbers have neither duplicates nor gaps.
    """

    __tablename__ = "ticket_number_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)
