"""Organisation: districts, departments (a tree plus external bodies) and calendars."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from himcrm.models.base import Base, TimestampMixin, enum_column, utcnow


class District(Base):
    """One of the metropolitan area's districts (ilçe)."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(64))

    def __repr__(self) -> str:
        return f"<District {self.code}>"


class DepartmentKind(StrEnum):
    DIRECTORATE = "directorate"  # Daire Başkanlığı
    BRANCH = "branch"  # Şube Müdürlüğü
    AFFILIATE = "affiliate"  # İZSU, ESHOT, Metro, İZBETON ...
    DISTRICT_MUNICIPALITY = "district_municipality"
    EXTERNAL = "external"  # other public bodies a matter is forwarded to

    @property
    def is_external(self) -> bool:
        return self in {DepartmentKind.DISTRICT_MUNICIPALITY, DepartmentKind.EXTERNAL}


class BusinessCalendar(TimestampMixin, Base):
    """When a unit works; the SLA clock runs only in working time (unless 24/7)."""

    __tablename__ = "business_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(128))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Istanbul")
    always_open: Mapped[bool] = mapped_column(default=False)
    public_holidays: Mapped[bool] = mapped_column(default=True)
    # {"0": [["08:30", "17:30"]], ...}: weekday (0 = Monday) -> local intervals.
    weekly_hours: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    overrides: Mapped[list[HolidayOverride]] = relationship(
        back_populates="calendar", cascade="all, delete-orphan", order_by="HolidayOverride.day"
    )

    def __repr__(self) -> str:
        return f"<BusinessCalendar {self.code}>"


class HolidayOverride(Base):
    """A day that differs from the weekly pattern and the public holidays.

    ``hours`` empty means closed all day; otherwise the day's working intervals,
    e.g. a bridge day off, or a Saturday made a working day.
    """

    __tablename__ = "holiday_overrides"
    __table_args__ = (sa.UniqueConstraint("calendar_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        sa.ForeignKey("business_calendars.id", ondelete="CASCADE")
    )
    day: Mapped[date]
    name: Mapped[str] = mapped_column(sa.String(128), default="")
    hours: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    calendar: Mapped[BusinessCalendar] = relationship(back_populates="overrides")


class Department(TimestampMixin, Base):
    """A unit that resolves tickets (birim), or an external body tickets go to."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[DepartmentKind] = mapped_column(enum_column(DepartmentKind))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    calendar_id: Mapped[int | None] = mapped_column(sa.ForeignKey("business_calendars.id"))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id"))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    is_active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Department | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Department]] = relationship(back_populates="parent")
    calendar: Mapped[BusinessCalendar | None] = relationship()
    district: Mapped[District | None] = relationship()

    def __repr__(self) -> str:
        return f"<Department {self.code}>"
