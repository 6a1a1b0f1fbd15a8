"""Phone calls: the source of the call-centre KPIs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from himcrm.models.base import Base, TimestampMixin, enum_column
from himcrm.models.citizen import Citizen
from himcrm.models.user import User


class CallDirection(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CallStatus(StrEnum):
    RINGING = "ringing"
    ANSWERED = "answered"
    COMPLETED = "completed"
    ABANDONED = "abandoned"
    VOICEMAIL = "voicemail"
    FAILED = "failed"


class Call(TimestampMixin, Base):
    __tablename__ = "calls"
    __table_args__ = (
        sa.UniqueConstraint("provider", "external_id"),
        sa.Index("ix_calls_started_at", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(32))  # "twilio", "cti", "manual"
    external_id: Mapped[str | None] = mapped_column(sa.String(128))
    direction: Mapped[CallDirection] = mapped_column(enum_column(CallDirection))
    status: Mapped[CallStatus] = mapped_column(enum_column(CallStatus), default=CallStatus.RINGING)
    from_number: Mapped[str] = mapped_column(sa.String(32), default="")
    to_number: Mapped[str] = mapped_column(sa.String(32), default="")
    citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    operator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    recording_url: Mapped[str | None] = mapped_column(sa.String(500))

    citizen: Mapped[Citizen | None] = relationship()
    operator: Mapped[User | None] = relationship()
