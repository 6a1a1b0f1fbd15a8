"""The monthly list of tickets not concluded within their SLA, per department.

İzmir's HİM sends every department head, each month, the work not concluded in
the set durations; this writes that e-mail to the outbox once per head and month.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.models import Department, NotificationChannel, Ticket, TicketStatus
from himcrm.notify.outbox import queue_message
from himcrm.sla.reminders import department_contacts

LOCAL = ZoneInfo("Europe/Istanbul")
CONCLUDED = (TicketStatus.ANSWERED, TicketStatus.CLOSED)


def previous_month(now: datetime) -> tuple[int, int]:
    local = now.astimezone(LOCAL)
    return (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    start = datetime.combine(date(year, month, 1), time(0), LOCAL)
    end = datetime.combine(date(year + (month == 12), month % 12 + 1, 1), time(0), LOCAL)
    return start, end


def overdue_in_month(session: Session, year: int, month: int) -> dict[int, list[str]]:
    """Department id → numbers of tickets due in the month and not concluded by their due time."""
    start, end = month_bounds(year, month)
    late = sa.or_(Ticket.answered_at.is_(None), Ticket.answered_at > Ticket.resolution_due_at)
    rows = session.execute(
        sa.select(Ticket.department_id, Ticket.number)
        .where(
            Ticket.resolution_due_at >= start,
            Ticket.resolution_due_at < end,
            Ticket.department_id.is_not(None),
            Ticket.status.not_in([TicketStatus.MERGED, TicketStatus.OUT_OF_SCOPE]),
            late,
        )
        .order_by(Ticket.department_id, Ticket.number)
    ).all()
    found: dict[int, list[str]] = {}
    for department_id, number in rows:
        found.setdefault(department_id, []).append(number)
    return found


def queue_monthly_overdue(session: Session, *, year: int, month: int, now: datetime) -> int:
    """One e-mail per department head; a second run writes nothing new."""
    written = 0
    label = f"{year}-{month:02d}"
    for department_id, numbers in overdue_in_month(session, year, month).items():
        department = session.get(Department, department_id)
        _managers, heads = department_contacts(session, department_id)
        for head in heads:
            if not head.email:
                continue
            row = queue_message(
                session,
                key=f"monthly-overdue:{department_id}:{label}:{head.id}",
                channel=NotificationChannel.EMAIL,
                recipient=head.email,
                template="monthly_overdue",
                context={
                    "department": department.name if department else "",
                    "month": label,
                    "count": len(numbers),
                    "numbers": numbers,
                },
                now=now,
                user_id=head.id,
            )
            written += row is not None
    return written
