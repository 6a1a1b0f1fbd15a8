"""Report periods: weeks and months in Istanbul time, stored as UTC bounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Istanbul")


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end) in UTC; ``kind`` is "week", "month" or "custom"."""

    kind: str
    start: datetime
    end: datetime
    label: str

    @classmethod
    def week(cls, any_day: date) -> Period:
        """The Monday-to-Sunday week containing ``any_day`` (ISO week)."""
        monday = any_day - timedelta(days=any_day.weekday())
        iso = monday.isocalendar()
        return cls(
            "week",
            _local_midnight(monday),
            _local_midnight(monday + timedelta(days=7)),
            f"{iso.year}-W{iso.week:02d}",
        )

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = date(year, month, 1)
        following = date(year + (month == 12), month % 12 + 1, 1)
        return cls(
            "month", _local_midnight(first), _local_midnight(following), f"{year}-{month:02d}"
        )

    @classmethod
    def custom(cls, first_day: date, last_day: date) -> Period:
        """Whole local days from ``first_day`` to ``last_day`` inclusive."""
        if last_day < first_day:
            raise ValueError("the period ends before it starts")
        return cls(
            "custom",
            _local_midnight(first_day),
            _local_midnight(last_day + timedelta(days=1)),
            f"{first_day.isoformat()}..{last_day.isoformat()}",
        )

    @property
    def first_day(self) -> date:
        return self.start.astimezone(LOCAL).date()

    @property
    def last_day(self) -> date:
        return (self.end.astimezone(LOCAL) - timedelta(days=1)).date()

    def previous(self) -> Period:
        """The period of the same kind just before this one (same length for custom)."""
        if self.kind == "week":
            return Period.week(self.first_day - timedelta(days=7))
        if self.kind == "month":
            first = self.first_day
            return Period.month(first.year - (first.month == 1), (first.month - 2) % 12 + 1)
        days = (self.last_day - self.first_day).days + 1
        return Period.custom(
            self.first_day - timedelta(days=days), self.first_day - timedelta(days=1)
        )

    @classmethod
    def last_complete_week(cls, now: datetime) -> Period:
        return cls.week(now.astimezone(LOCAL).date()).previous()

    @classmethod
    def last_complete_month(cls, now: datetime) -> Period:
        return cls.month(*_year_month(now)).previous()


def _year_month(now: datetime) -> tuple[int, int]:
    local = now.astimezone(LOCAL)
    return local.year, local.month
