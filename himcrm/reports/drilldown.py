"""The tickets behind a KPI figure, for the dashboard's drill-down lists.

Built from the same predicates as the figures (himcrm.reports.kpis_sql), so a
list holds exactly the tickets counted. Two figures count events, not tickets:
"reopened" and "transfers" list the tickets with at least one such event in the
period (a ticket transferred twice is counted twice and listed once).

Key "" always means the total, so the rows whose own key is "" (no district,
unassigned) have no separate list.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from himcrm.errors import ValidationError
from himcrm.models import EventKind, Ticket, TicketEvent
from himcrm.reports.kpis_sql import (
    BUCKET_DAYS,
    Window,
    answered_events,
    bucket_predicate,
    event_kind_in,
    in_window,
    key_expr,
    open_at,
    overdue_at,
    scoped,
    transfer_origin,
    transfer_scope,
    with_key_joins,
)
from himcrm.reports.model import Cut
from himcrm.reports.period import Period

FIGURES = (
    "received",
    "concluded",
    "sla_met",
    "sla_missed",
    "overdue_now",
    *(f"backlog:{bucket}" for bucket in BUCKET_DAYS),
    "reopened",
    "transfers",
)


def drilldown_query(
    session: Session,
    period: Period,
    cut: Cut,
    key: str,
    figure: str,
    *,
    now: datetime,
    department_ids: set[int] | None = None,
) -> sa.Select[tuple[Ticket]]:
    """Tickets behind ``figure`` of row ``key`` ("" = the total), newest first.

    Raises ValidationError(field="figure") for an unknown figure. ``session`` is
    unused today but kept so callers need not change if a figure needs a lookup.
    """
    del session
    if figure not in FIGURES:
        raise ValidationError(_l("Bilinmeyen gösterge."), field="figure")
    window = Window.of(period, now)
    stmt = sa.select(Ticket)
    if figure == "transfers":
        moves = sa.select(TicketEvent.ticket_id).where(
            event_kind_in(EventKind.TRANSFERRED, window), transfer_scope(department_ids)
        )
        moves = moves.join(Ticket, TicketEvent.ticket_id == Ticket.id)
        if key and cut is Cut.DEPARTMENT:
            moves = moves.where(transfer_origin() == key)
        elif key and cut is not Cut.TOTAL:
            moves = with_key_joins(moves, cut).where(key_expr(cut) == key)
        return stmt.where(Ticket.id.in_(moves)).order_by(Ticket.created_at.desc(), Ticket.id.desc())
    stmt = stmt.where(_figure(figure, window), scoped(department_ids))
    if key and cut is not Cut.TOTAL:
        stmt = with_key_joins(stmt, cut).where(key_expr(cut) == key)
    return stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc())


def _figure(figure: str, window: Window) -> ColumnElement[bool]:
    if figure == "received":
        return in_window(Ticket.created_at, window)
    if figure == "concluded":
        return Ticket.id.in_(answered_events(window))
    if figure in ("sla_met", "sla_missed"):
        on_time = Ticket.answered_at <= Ticket.resolution_due_at
        return sa.and_(
            in_window(Ticket.answered_at, window),
            Ticket.resolution_due_at.is_not(None),
            on_time if figure == "sla_met" else sa.not_(on_time),
        )
    if figure == "overdue_now":
        return overdue_at(window)
    if figure.startswith("backlog:"):
        return sa.and_(open_at(window), bucket_predicate(figure.partition(":")[2], window))
    assert figure == "reopened"
    reopens = sa.select(TicketEvent.ticket_id).where(event_kind_in(EventKind.REOPENED, window))
    return Ticket.id.in_(reopens)
