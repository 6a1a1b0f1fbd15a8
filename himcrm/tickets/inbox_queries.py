"""Department inbox and approval queue queries.

Every query starts from :func:`visible_tickets`. The inbox filter on open
statuses is written as literal SQL identical to the predicate of the partial
index ``ix_tickets_open_department_due``: both PostgreSQL (with generic plans of
prepared statements) and SQLite use a partial index only when they can prove the
query implies its predicate, which they cannot from bound parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, joinedload, raiseload, selectinload
from sqlalchemy.sql.expression import FunctionElement

from himcrm.models import (
    OPEN_STATUSES,
    Department,
    District,
    Reply,
    ReplyStatus,
    Ticket,
    TicketStatus,
    TopicCode,
    User,
)
from himcrm.sla.status import DUE_SOON_FRACTION
from himcrm.tickets.queries import department_subtree, visible_department_ids, visible_tickets

PER_PAGE = 50
_OPEN_ORDER = ("new", "routed", "in_progress", "on_hold", "pending_approval")
assert set(_OPEN_ORDER) == {s.value for s in OPEN_STATUSES}
#: Same text as the partial index predicate (see the module docstring).
OPEN_PREDICATE = sa.text(
    "tickets.status IN (" + ", ".join(f"'{value}'" for value in _OPEN_ORDER) + ")"
)


class epoch_seconds(FunctionElement[float]):
    """Seconds since 1970 of a UTC datetime column, on either backend."""

    type = sa.Float()
    inherit_cache = True


@compiles(epoch_seconds, "postgresql")
def _epoch_pg(element: epoch_seconds, compiler: object, **kw: object) -> str:
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"  # type: ignore[attr-defined]


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: object, **kw: object) -> str:
    # Stored as naive UTC text; julianday() reads it, fractions included.
    inner = compiler.process(element.clauses, **kw)  # type: ignore[attr-defined]
    return f"((julianday({inner}) - 2440587.5) * 86400.0)"


@dataclass(frozen=True, slots=True)
class InboxFilter:
    """The inbox's filters as parsed from the query string (all optional)."""

    department_id: int | None = None
    status: TicketStatus | None = None
    overdue: bool = False
    due_soon: bool = False
    topic_prefix: str = ""
    district_id: int | None = None
    assignee: str = ""  # "" | "me" | "none" | a user id


@dataclass(frozen=True, slots=True)
class InboxPage:
    tickets: list[Ticket]
    total: int
    page: int
    pages: int


def needs_department_choice(user: User) -> bool:
    """Users who see every department pick one before the inbox lists anything."""
    return not user.role.is_department_scoped


def inbox_query(
    session: Session, user: User, filters: InboxFilter, *, now: datetime
) -> sa.Select[tuple[Ticket]]:
    """Open tickets the user may see, filtered, soonest resolution due first."""
    stmt = visible_tickets(session, user).where(OPEN_PREDICATE)
    if filters.department_id is not None:
        allowed = visible_department_ids(session, user)
        chosen = department_subtree(session, filters.department_id)
        if allowed is not None:
            chosen &= allowed
        stmt = stmt.where(Ticket.department_id.in_(sorted(chosen)))
    if filters.status is not None:
        stmt = stmt.where(Ticket.status == filters.status)
    if filters.overdue:
        stmt = stmt.where(Ticket.resolution_due_at < now, Ticket.sla_paused_at.is_(None))
    if filters.due_soon:
        stmt = stmt.where(*_due_soon_terms(now))
    if filters.topic_prefix:
        stmt = stmt.where(
            Ticket.topic_code_id.in_(
                sa.select(TopicCode.id).where(
                    TopicCode.code.startswith(filters.topic_prefix, autoescape=True)
                )
            )
        )
    if filters.district_id is not None:
        stmt = stmt.where(Ticket.district_id == filters.district_id)
    if filters.assignee == "me":
        stmt = stmt.where(Ticket.assignee_id == user.id)
    elif filters.assignee == "none":
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    elif filters.assignee.isdigit():
        stmt = stmt.where(Ticket.assignee_id == int(filters.assignee))
    return stmt


def _due_soon_terms(now: datetime) -> list[sa.ColumnElement[bool]]:
    """Due, not yet overdue, within the last fifth of the SLA.

    Approximated in calendar time from the SLA start: a business-hours SLA spans
    about the same fraction of calendar time as of working time. The exact
    business-time figure is what :func:`himcrm.sla.status.sla_badges` shows.
    """
    due, started = epoch_seconds(Ticket.resolution_due_at), epoch_seconds(Ticket.sla_started_at)
    return [
        Ticket.resolution_due_at >= now,
        Ticket.sla_paused_at.is_(None),
        Ticket.sla_started_at.is_not(None),
        due * (1 - DUE_SOON_FRACTION) + started * DUE_SOON_FRACTION <= now.timestamp(),
    ]


def due_state(ticket: Ticket, now: datetime) -> str:
    """The row marker, by the same approximation as the filter.

    ``none`` | ``paused`` | ``overdue`` | ``due_soon`` | ``ok``.
    """
    due = ticket.resolution_due_at
    if due is None:
        return "none"
    if ticket.sla_paused_at is not None:
        return "paused"
    if due < now:
        return "overdue"
    started = ticket.sla_started_at
    if started is not None and now >= due - (due - started) * DUE_SOON_FRACTION:
        return "due_soon"
    return "ok"


def inbox_page(
    session: Session,
    user: User,
    filters: InboxFilter,
    *,
    now: datetime,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> InboxPage:
    """One page of the inbox with what the rows show loaded in the same round trips."""
    base = inbox_query(session, user, filters, now=now)
    total = session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    stmt = (
        base.options(
            joinedload(Ticket.topic_code),
            joinedload(Ticket.district),
            joinedload(Ticket.assignee),
            joinedload(Ticket.department),
            raiseload(Ticket.events),  # the list never shows the history
        )
        .order_by(Ticket.resolution_due_at.asc().nulls_last(), Ticket.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return InboxPage(list(session.scalars(stmt).unique()), total, page, pages)


# --------------------------------------------------------------------------- form choices


def choosable_departments(session: Session, user: User) -> list[Department]:
    """Departments the user may look at in the inbox (their subtree, or all)."""
    ids = visible_department_ids(session, user)
    stmt = sa.select(Department).where(Department.is_active.is_(True)).order_by(Department.code)
    if ids is not None:
        stmt = stmt.where(Department.id.in_(sorted(ids)))
    return list(session.scalars(stmt))


def transfer_targets(session: Session, ticket: Ticket) -> list[Department]:
    """Active departments a ticket may be transferred to (all but its own)."""
    stmt = sa.select(Department).where(Department.is_active.is_(True)).order_by(Department.name)
    if ticket.department_id is not None:
        stmt = stmt.where(Department.id != ticket.department_id)
    return list(session.scalars(stmt))


def colleagues(session: Session, department_id: int | None) -> list[User]:
    """Active users of one department, by name."""
    if department_id is None:
        return []
    return list(
        session.scalars(
            sa.select(User)
            .where(User.department_id == department_id, User.active.is_(True))
            .order_by(User.full_name)
        )
    )


def districts(session: Session) -> list[District]:
    return list(session.scalars(sa.select(District).order_by(District.name)))


# --------------------------------------------------------------------------- approvals


@dataclass(frozen=True, slots=True)
class Waiting:
    reply: Reply
    ticket: Ticket
    waited: timedelta


def approval_queue(session: Session, user: User, *, now: datetime) -> list[Waiting]:
    """Submitted replies of tickets the user may see, longest waiting first."""
    stmt = (
        visible_tickets(session, user)
        .join(Reply, Reply.ticket_id == Ticket.id)
        .where(Reply.status == ReplyStatus.SUBMITTED)
        .add_columns(Reply)
        .options(
            joinedload(Ticket.topic_code),
            joinedload(Ticket.department),
            raiseload(Ticket.events),
            selectinload(Reply.author),
        )
        .order_by(Reply.submitted_at, Reply.id)
    )
    rows = session.execute(stmt).unique().all()
    return [
        Waiting(reply, ticket, now - (reply.submitted_at or reply.created_at))
        for ticket, reply in rows
    ]
