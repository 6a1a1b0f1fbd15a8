"""The GROUP BY queries behind each KPI figure (definitions in kpis.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from himcrm.models import (
    Call,
    CallDirection,
    CallStatus,
    Department,
    EventKind,
    Ticket,
    TicketEvent,
)
from himcrm.reports.kpis_sql import (
    BUCKET_DAYS,
    OPEN,
    Window,
    answered_events,
    bucket_predicate,
    event_kind_in,
    in_window,
    key_expr,
    open_at,
    scoped,
    transfer_origin,
    transfer_scope,
    ts,
    with_key_joins,
)
from himcrm.reports.model import AGE_BUCKETS, CallKpis, Cut, KpiRow

Rows = dict[str, KpiRow]


def empty_row(key: str) -> KpiRow:
    return KpiRow(key=key, label=key, backlog_by_age=dict.fromkeys(AGE_BUCKETS, 0))


def pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def figures(
    session: Session, window: Window, cut: Cut, department_ids: set[int] | None, *, held: bool
) -> Rows:
    """One KpiRow per key with any figure; the TOTAL cut gives the single key ""."""
    rows: Rows = {}

    def row(key: str) -> KpiRow:
        if key not in rows:
            rows[key] = empty_row(key)
        return rows[key]

    key = key_expr(cut)
    scope = scoped(department_ids)

    def grouped(*columns: Any, events: bool = False) -> sa.Select[Any]:
        stmt = sa.select(key.label("key"), *columns)
        if events:
            stmt = stmt.select_from(TicketEvent).join(Ticket, TicketEvent.ticket_id == Ticket.id)
        else:
            stmt = stmt.select_from(Ticket)
        return with_key_joins(stmt, cut).group_by(key)

    received = grouped(sa.func.count()).where(in_window(Ticket.created_at, window), scope)
    for k, n in session.execute(received):
        row(k).received = n

    concluded = grouped(sa.func.count(sa.distinct(Ticket.id))).where(
        Ticket.id.in_(answered_events(window)), scope
    )
    for k, n in session.execute(concluded):
        row(k).concluded = n

    answered = sa.and_(in_window(Ticket.answered_at, window), scope)
    with_due = sa.func.count(Ticket.resolution_due_at)
    met = sa.func.coalesce(
        sa.func.sum(sa.case((Ticket.answered_at <= Ticket.resolution_due_at, 1), else_=0)), 0
    )
    for k, due_count, met_count in session.execute(grouped(with_due, met).where(answered)):
        row(k).sla_met_pct = pct(met_count, due_count)

    state = [
        sa.func.coalesce(
            sa.func.sum(sa.case((Ticket.resolution_due_at < ts(window.at), 1), else_=0)), 0
        )
    ] + [
        sa.func.coalesce(sa.func.sum(sa.case((bucket_predicate(b, window), 1), else_=0)), 0)
        for b in BUCKET_DAYS
    ]
    for k, overdue, *buckets in session.execute(grouped(*state).where(open_at(window), scope)):
        target = row(k)
        target.overdue_now = overdue
        target.backlog_by_age = dict(zip(AGE_BUCKETS, buckets, strict=True))

    sat = grouped(Ticket.satisfaction, sa.func.count()).where(
        answered, Ticket.satisfaction.is_not(None)
    )
    for k, score, n in session.execute(sat.group_by(Ticket.satisfaction)):
        target = row(k)
        target.satisfaction_dist = target.satisfaction_dist or {str(s): 0 for s in range(1, 6)}
        target.satisfaction_dist[str(score)] = n
    for target in rows.values():
        dist = target.satisfaction_dist
        if dist:
            count = sum(dist.values())
            target.satisfaction_avg = round(sum(int(s) * n for s, n in dist.items()) / count, 2)

    reopened = grouped(sa.func.count(), events=True).where(
        event_kind_in(EventKind.REOPENED, window), scope
    )
    for k, n in session.execute(reopened):
        row(k).reopened = n

    _transfers(session, window, cut, department_ids, row)
    _durations(session, window, cut, scope, row)
    for target in rows.values():
        target.concluded_pct = pct(target.concluded, target.received)
    if held:
        _held(session, window, cut, department_ids, row)
        for target in rows.values():
            target.held_hours = target.held_hours or 0.0
    return rows


def _transfers(
    session: Session, window: Window, cut: Cut, department_ids: set[int] | None, row: Any
) -> None:
    key = transfer_origin() if cut is Cut.DEPARTMENT else key_expr(cut)
    stmt = sa.select(key, sa.func.count()).select_from(TicketEvent)
    stmt = stmt.join(Ticket, TicketEvent.ticket_id == Ticket.id)
    if cut is not Cut.DEPARTMENT:
        stmt = with_key_joins(stmt, cut)
    stmt = stmt.where(
        event_kind_in(EventKind.TRANSFERRED, window), transfer_scope(department_ids)
    ).group_by(key)
    for k, n in session.execute(stmt):
        row(k).transfers = n


def _percentiles(
    session: Session, cut: Cut, column: Any, where: ColumnElement[bool]
) -> dict[str, tuple[float, float]]:
    """Key → (median, p90) of a business-minutes column, in hours."""
    key = key_expr(cut)
    base = with_key_joins(sa.select(key).select_from(Ticket), cut).where(where, column.is_not(None))
    found: dict[str, tuple[float, float]] = {}
    if session.get_bind().dialect.name == "postgresql":
        stmt = base.add_columns(
            sa.func.percentile_cont(0.5).within_group(column),
            sa.func.percentile_cont(0.9).within_group(column),
        ).group_by(key)
        for k, median, p90 in session.execute(stmt):
            found[k] = (_hours(median), _hours(p90))
        return found
    # SQLite has no percentile: read only the sorted (key, minutes) column.
    values: dict[str, list[float]] = {}
    for k, minutes in session.execute(base.add_columns(column).order_by(key, column)):
        values.setdefault(k, []).append(float(minutes))
    for k, sorted_minutes in values.items():
        found[k] = (
            _hours(_percentile(sorted_minutes, 0.5)),
            _hours(_percentile(sorted_minutes, 0.9)),
        )
    return found


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """Like PostgreSQL percentile_cont: linear interpolation between closest ranks."""
    position = fraction * (len(sorted_values) - 1)
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def _hours(minutes: float) -> float:
    return round(float(minutes) / 60, 2)


def _durations(
    session: Session, window: Window, cut: Cut, scope: ColumnElement[bool], row: Any
) -> None:
    first = _percentiles(
        session,
        cut,
        Ticket.first_response_business_minutes,
        sa.and_(in_window(Ticket.first_responded_at, window), scope),
    )
    for k, (median, p90) in first.items():
        row(k).first_response_median_h, row(k).first_response_p90_h = median, p90
    resolution = _percentiles(
        session,
        cut,
        Ticket.resolution_business_minutes,
        sa.and_(in_window(Ticket.answered_at, window), scope),
    )
    for k, (median, p90) in resolution.items():
        row(k).resolution_median_h, row(k).resolution_p90_h = median, p90


def _seconds(session: Session, start: Any, end: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.extract("epoch", end - start)
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0


def _held(
    session: Session, window: Window, cut: Cut, department_ids: set[int] | None, row: Any
) -> None:
    """Hours each department held tickets within [start, at), by window functions."""
    order = (TicketEvent.created_at, TicketEvent.id)
    segments = (
        sa.select(
            TicketEvent.department_id.label("department_id"),
            TicketEvent.to_status.label("status"),
            TicketEvent.created_at.label("since"),
            sa.func.lead(TicketEvent.created_at)
            .over(partition_by=TicketEvent.ticket_id, order_by=order)
            .label("until"),
        )
        .where(
            TicketEvent.to_status.is_not(None),
            TicketEvent.created_at < window.at,
            # Whole tickets only (the window needs all of a ticket's events): those
            # that can have been open in the period. Answered before it and not
            # reopened since (reopening clears answered_at) cannot.
            TicketEvent.ticket_id.in_(
                sa.select(Ticket.id).where(
                    Ticket.created_at < window.at,
                    sa.or_(Ticket.answered_at.is_(None), Ticket.answered_at >= window.start),
                )
            ),
        )
        .subquery()
    )
    since, until = segments.c.since, segments.c.until
    start, at = ts(window.start), ts(window.at)
    clip_start = sa.case((since < start, start), else_=since)
    clip_end = sa.case((sa.or_(until.is_(None), until > at), at), else_=until)
    key = sa.func.coalesce(Department.code, "") if cut is Cut.DEPARTMENT else sa.literal("")
    stmt = (
        sa.select(key, sa.func.sum(_seconds(session, clip_start, clip_end)))
        .select_from(segments)
        .join(Department, Department.id == segments.c.department_id)
        .where(
            segments.c.status.in_(OPEN),
            since < at,
            sa.or_(until.is_(None), until > start),
        )
        .group_by(key)
    )
    if department_ids is not None:
        stmt = stmt.where(segments.c.department_id.in_(sorted(department_ids)))
    for k, seconds in session.execute(stmt):
        row(k).held_hours = round(float(seconds or 0) / 3600, 2)


def call_figures(session: Session, window: Window) -> CallKpis:
    def count(*statuses: CallStatus) -> ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((Call.status.in_(statuses), 1), else_=0)), 0)

    received, answered, abandoned, voicemail = session.execute(
        sa.select(
            sa.func.count(),
            count(CallStatus.ANSWERED, CallStatus.COMPLETED),
            count(CallStatus.ABANDONED),
            count(CallStatus.VOICEMAIL),
        ).where(Call.direction == CallDirection.INBOUND, in_window(Call.started_at, window))
    ).one()
    return CallKpis(
        received=received,
        answered=answered,
        answered_pct=pct(answered, received),
        abandoned=abandoned,
        voicemail=voicemail,
    )


__all__ = ["call_figures", "empty_row", "figures"]
