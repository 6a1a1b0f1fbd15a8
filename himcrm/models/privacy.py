"""KVKK records: who looked at personal data, and what was destroyed when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from himcrm.models.base import Base, utcnow
from himcrm.models.user import User


class AccessAudit(Base):
    """One view or export of personal data: who, when, what, why. Append-only.

    The database refuses UPDATE and DELETE (a trigger, as for ticket events), so
    an administrator cannot tidy away their own traces from the application.
    """

    __tablename__ = "access_audit"
    __table_args__ = (
        sa.Index("ix_access_audit_subject", "subject_type", "subject_id", "at"),
        sa.Index("ix_access_audit_user_at", "user_id", "at"),
        sa.Index("ix_access_audit_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Who, when it is not a staff user: "api:<key prefix>", "system" ...
    actor_label: Mapped[str] = mapped_column(sa.String(64), default="")
    action: Mapped[str] = mapped_column(sa.String(32))
    subject_type: Mapped[str] = mapped_column(sa.String(32))  # "citizen", "ticket", "report" ...
    subject_id: Mapped[str] = mapped_column(sa.String(64), default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    user: Mapped[User | None] = relationship()


class DestructionRecord(Base):
    """One anonymisation run (the retention job) or request; kept three years (KVKK)."""

    __tablename__ = "destruction_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    trigger: Mapped[str] = mapped_column(sa.String(16))  # "retention" or "request"
    policy: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    citizens: Mapped[int] = mapped_column(default=0)
    tickets: Mapped[int] = mapped_column(default=0)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    keep_until: Mapped[datetime]
