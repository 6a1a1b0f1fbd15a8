"""SQL building blocks shared by the KPI report (kpis.py) and its drill-down.

Every figure of a report and the ticket list behind it are built from the same
predicates here, so a drill-down list always matches the count it came from.
See :mod:`himcrm.reports.kpis` for the definitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from himcrm.models import (
    OPEN_STATUSES,
    Department,
    District,
    EventKind,
    Ticket,
    TicketEvent,
    TicketStatus,
    TopicCode,
    User,
)
from himcrm.models.base import UTCDateTime
from himcrm.reports.model import AGE_BUCKETS, Cut
from himcrm.reports.period import Period

OPEN = sorted(OPEN_STATUSES)
CONCLUDED = [TicketStatus.ANSWERED, TicketStatus.CLOSED]
# AGE_BUCKETS as [low, high) whole days since creation; None = no upper bound.
BUCKET_DAYS: dict[str, tuple[int, int | None]] = {
    "0-2": (0, 3),
    "3-7": (3, 8),
    "8-15": (8, 16),
    "16-30": (16, 31),
    "31+": (31, None),
}
assert tuple(BUCKET_DAYS) == AGE_BUCKETS


@dataclass(frozen=True, slots=True)
class Window:
    """A period's bounds plus the instant its state figures are taken at."""

    start: datetime
    end: datetime
    at: datetime  # min(now, end): "open", "overdue" and the backlog are measured here

    @classmethod
    def of(cls, period: Period, now: datetime) -> Window:
        return cls(period.start, period.end, min(now, period.end))


def ts(value: datetime) -> ColumnElement[datetime]:
    """A typed datetime parameter (naive UTC on SQLite, like the stored values)."""
    return sa.literal(value, UTCDateTime())


def in_window(column: Any, window: Window) -> ColumnElement[bool]:
    return sa.and_(column >= window.start, column < window.end)


# --- group keys ---------------------------------------------------------------


def key_expr(cut: Cut) -> ColumnElement[str]:
    """The row key of a ticket for a cut (needs :func:`with_key_joins`)."""
    column: Any
    if cut is Cut.DEPARTMENT:
        column = Department.code
    elif cut is Cut.TOPIC:
        column = TopicCode.code
    elif cut is Cut.CHANNEL:
        column = sa.cast(Ticket.channel, sa.String)
    elif cut is Cut.DISTRICT:
        column = District.code
    elif cut is Cut.EMPLOYEE:
        column = User.username
    else:
        return sa.literal("", sa.String)
    return sa.func.coalesce(column, "")


def with_key_joins(stmt: sa.Select[Any], cut: Cut) -> sa.Select[Any]:
    """Outer-join the table the cut's key lives in (stmt already includes tickets)."""
    if cut is Cut.DEPARTMENT:
        return stmt.outerjoin(Department, Ticket.department_id == Department.id)
    if cut is Cut.TOPIC:
        return stmt.outerjoin(TopicCode, Ticket.topic_code_id == TopicCode.id)
    if cut is Cut.DISTRICT:
        return stmt.outerjoin(District, Ticket.district_id == District.id)
    if cut is Cut.EMPLOYEE:
        return stmt.outerjoin(User, Ticket.assignee_id == User.id)
    return stmt


def scoped(department_ids: set[int] | None) -> ColumnElement[bool]:
    if department_ids is None:
        return sa.true()
    return Ticket.department_id.in_(sorted(department_ids))


# --- figure predicates (on tickets) -----------------------------------------


def open_at(window: Window) -> ColumnElement[bool]:
    """Open at ``window.at``, approximated from the current state (see kpis.py).

    Two branches, each bounded by an index whatever the history: the open tickets
    (ix_tickets_open_department_due) and those answered after ``at``
    (ix_tickets_answered_at).
    """
    created = Ticket.created_at < window.at
    return sa.or_(
        sa.and_(Ticket.status.in_(OPEN), created),
        sa.and_(Ticket.status.in_(CONCLUDED), Ticket.answered_at >= window.at, created),
    )


def overdue_at(window: Window) -> ColumnElement[bool]:
    return sa.and_(open_at(window), Ticket.resolution_due_at < window.at)


def bucket_predicate(bucket: str, window: Window) -> ColumnElement[bool]:
    """Age in whole days since created_at falls in the bucket (index-friendly bounds)."""
    low, high = BUCKET_DAYS[bucket]
    conditions = [Ticket.created_at <= window.at - timedelta(days=low)]
    if high is not None:
        conditions.append(Ticket.created_at > window.at - timedelta(days=high))
    return sa.and_(*conditions)


def answered_events(window: Window) -> sa.Select[tuple[int]]:
    """Tickets with an answer (direct or approved) in the window, reopened later or not."""
    return sa.select(TicketEvent.ticket_id).where(
        TicketEvent.to_status == TicketStatus.ANSWERED, in_window(TicketEvent.created_at, window)
    )


def event_kind_in(kind: EventKind, window: Window) -> ColumnElement[bool]:
    return sa.and_(TicketEvent.kind == kind, in_window(TicketEvent.created_at, window))


def transfer_origin() -> ColumnElement[str]:
    """The department code a transfer moved the ticket away from."""
    return sa.func.coalesce(TicketEvent.data["from"].as_string(), "")


def transfer_scope(department_ids: set[int] | None) -> ColumnElement[bool]:
    """Transfers follow the one scoping rule: the ticket's current department.

    So a department sees the transfers of the tickets it holds now (also those it
    received); a ticket it passed on is no longer visible to it, nor counted.
    """
    return scoped(department_ids)
