"""Registered client applications of the public APIs (Open311, the REST API)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from himcrm.models.base import Base, utcnow
from himcrm.models.user import User

#: What a key may be used for.
SCOPE_OPEN311 = "open311"
SCOPE_API = "api"
SCOPES = (SCOPE_OPEN311, SCOPE_API)


class ApiClient(Base):
    """One client application and its key.

    Only a SHA-256 of the key is stored; ``key_prefix`` (the first characters,
    shown to admins) finds the row without a scan. A REST API client acts as
    ``user``, so the role and department scoping of that user applies to every
    call; an Open311 client needs no user (it files requests as a citizen would).
    """

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    contact: Mapped[str] = mapped_column(sa.String(254), default="")
    key_prefix: Mapped[str] = mapped_column(sa.String(12), unique=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64))
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ApiClient {self.key_prefix} {self.name!r}>"


class InboundMessage(Base):
    """A message a citizen sent us (SMS now; social media later), kept once.

    ``(channel, external_id)`` is unique, so a provider's retry or a replayed
    webhook finds the row and records nothing twice. ``outcome`` says what the
    message became (status answer, survey, note, new ticket, ignored).
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (sa.UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(32))
    external_id: Mapped[str] = mapped_column(sa.String(128))
    sender: Mapped[str] = mapped_column(sa.String(254))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(32), default="")

    def __repr__(self) -> str:
        return f"<InboundMessage {self.channel} {self.external_id}>"
