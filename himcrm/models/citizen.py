"""Citizens (hemşehri): the people who file requests."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from himcrm.models.base import Base, TimestampMixin, enum_column
from himcrm.models.org import District


class ReplyChannel(StrEnum):
    SMS = "sms"
    PHONE = "phone"
    EMAIL = "email"
    POST = "post"
    IN_PERSON = "in_person"
    SOCIAL = "social"  # a private message where a social-media request was made; not a preference


class Citizen(TimestampMixin, Base):
    """A person; one citizen, many tickets.

    The phone number is stored in E.164. The T.C. kimlik no is stored only after
    its checksum passed and is never shown in full (masking: issue 8).
    Anonymisation blanks the personal fields and keeps the row, so tickets and
    statistics survive (KVKK).
    """

    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    kimlik_no: Mapped[str | None] = mapped_column(sa.String(11), unique=True)
    address: Mapped[str] = mapped_column(sa.Text, default="")
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id"))
    neighbourhood: Mapped[str] = mapped_column(sa.String(128), default="")
    preferred_channel: Mapped[ReplyChannel] = mapped_column(
        enum_column(ReplyChannel), default=ReplyChannel.SMS
    )
    kvkk_consent_at: Mapped[datetime | None]
    anonymised_at: Mapped[datetime | None]

    district: Mapped[District | None] = relationship()

    def __repr__(self) -> str:
        return f"<Citizen {self.id}>"
