"""Human ticket numbers: ``YYYY-NNNNNN``, per calendar year in Istanbul time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from himcrm.db_setup import insert_on_conflict
from himcrm.models import TicketNumberCounter

_NEXT = insert_on_conflict(
    TicketNumberCounter.__table__,
    ("year", "last_value"),
    conflict="year",
    update="last_value = ticket_number_counters.last_value + 1",
    returning="last_value",
)


def ticket_year(at: datetime, timezone: str = "Europe/Istanbul") -> int:
    return at.astimezone(ZoneInfo(timezone)).year


def next_ticket_number(session: Session, year: int) -> str:
    """Take the next number of ``year`` inside the caller's transaction.

    One upsert statement increments the year's counter and returns the value.
    On PostgreSQL the updated row stays locked until the transaction ends, so
    concurrent intakes queue behind each other (no duplicates) and a rolled-back
    intake gives its number back (no gaps). SQLite serialises writers anyway.
    Past 999,999 in a year the number simply grows a digit.
    """
    value = session.execute(_NEXT, {"year": year, "last_value": 1}).scalar_one()
    return f"{year}-{value:06d}"
