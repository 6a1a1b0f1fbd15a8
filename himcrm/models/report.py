"""Generated periodic reports, stored so managers can open and download them later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from himcrm.models.base import Base, utcnow


class StoredReport(Base):
    """One generated report of a period; generating the same period again replaces it."""

    __tablename__ = "stored_reports"
    __table_args__ = (sa.UniqueConstraint("kind", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # "weekly" | "monthly"
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    label: Mapped[str] = mapped_column(sa.String(64))
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # the figures
    csv: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    xlsx: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
