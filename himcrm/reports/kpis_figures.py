"""The GROUP BY queries behind each KPI figure (definitions in kpis.py).

A window's figures cost a handful of statements, each reading through an index
only what the period touched, so their cost follows the period, not the history
(issue 5, bench/RESULTS.md):

- tickets: one pass over the tickets received, answered or first responded in
  the window: received, answered, SLA met and, on PostgreSQL, the duration
  percentiles (SQLite has no percentile: it reads the sorted durations, kpis_durations);
- state: the tickets open at ``at`` (overdue, backlog);
- concluded: the tickets answered in the window (ticket pass) plus those answered
  in it and reopened since (_reanswered);
- events: the window's reopen and transfer events;
- satisfaction: the survey answers given in the window (SURVEY events: a score
  counts when it is given, also when it reopened the ticket);
- held hours: the holding segments (himcrm.models.holding) that end after the
  window starts or still run.

Rows of a cut and the total come from the same statements: the total's counts
are the sums of the rows' (every ticket, event and segment has exactly one row
key); only the ticket pass runs again for the total, for its percentiles.
"""

from __future__ import annotations

from collections.abc import Callable
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
    TicketHoldSegment,
    TicketStatus,
)
from himcrm.models.holding import MOVES
from himcrm.reports.kpis_durations import percentiles
from himcrm.reports.kpis_sql import (
    BUCKET_DAYS,
    Window,
    bucket_predicate,
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
RowOf = Callable[[str], KpiRow]
SCORES = range(1, 6)


def empty_row(key: str) -> KpiRow:
    return KpiRow(key=key, label=key, backlog_by_age=dict.fromkeys(AGE_BUCKETS, 0))


def pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _row_of(rows: Rows) -> RowOf:
    def row(key: str) -> KpiRow:
        if key not in rows:
            rows[key] = empty_row(key)
        return rows[key]

    return row


def window_figures(
    session: Session, window: Window, cut: Cut, department_ids: set[int] | None, *, held: bool
) -> tuple[Rows, KpiRow]:
    """One KpiRow per key with any figure (none for the TOTAL cut) and the total.

    A total with no figure at all is an empty row (``held_hours`` None).
    """
    rows: Rows = {}
    totals: Rows = {}
    row = _row_of(rows)
    scope = scoped(department_ids)
    # PostgreSQL: the total's ticket figures in the same pass (ROLLUP).
    rollup = cut is not Cut.TOTAL and _postgresql(session)
    _tickets(session, window, cut, scope, row, _row_of(totals) if rollup else None)
    _state(session, window, cut, scope, row)
    reanswered = _reanswered(session, window, cut, scope)
    for key, n in reanswered.items():
        row(key).concluded += n
    _events(session, window, cut, department_ids, row)
    _satisfaction(session, window, cut, scope, row)
    seconds = _held(session, window, cut, department_ids) if held else {}
    for key, value in seconds.items():
        row(key).held_hours = _rounded_hours(value)
    for target in rows.values():
        target.concluded_pct = pct(target.concluded, target.received)
        if held:
            target.held_hours = target.held_hours or 0.0
    if cut is Cut.TOTAL:
        return {}, rows.get("") or empty_row("")
    if not rows:
        return rows, empty_row("")
    if not rollup:
        _tickets(session, window, Cut.TOTAL, scope, _row_of(totals))
    total = totals.get("") or empty_row("")
    for target in rows.values():
        total.overdue_now += target.overdue_now
        for bucket, count in target.backlog_by_age.items():
            total.backlog_by_age[bucket] += count
        total.reopened += target.reopened
        total.transfers += target.transfers
        for score, n in (target.satisfaction_dist or {}).items():
            dist = total.satisfaction_dist or {str(s): 0 for s in SCORES}
            dist[score] += n
            total.satisfaction_dist = dist
    _rate(total)
    total.concluded += sum(reanswered.values())
    total.concluded_pct = pct(total.concluded, total.received)
    if held:
        total.held_hours = _rounded_hours(sum(seconds.values(), 0)) or 0.0
    return rows, total


def _satisfaction(
    session: Session, window: Window, cut: Cut, scope: ColumnElement[bool], row: RowOf
) -> None:
    """Survey answers given in the window, per row key of the ticket rated."""
    score = TicketEvent.data["score"].as_integer()
    key = key_expr(cut)
    stmt = with_key_joins(
        sa.select(key.label("key"), score, sa.func.count())
        .select_from(TicketEvent)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id),
        cut,
    )
    stmt = stmt.where(
        TicketEvent.kind == sa.literal_column("'survey'"),  # a literal: the partial index
        in_window(TicketEvent.created_at, window),
        scope,
    ).group_by(key, score)
    touched: set[str] = set()
    for key_value, given, n in session.execute(stmt):
        if given not in SCORES:
            continue
        target = row(key_value)
        dist = target.satisfaction_dist or {str(s): 0 for s in SCORES}
        dist[str(given)] += n
        target.satisfaction_dist = dist
        touched.add(key_value)
    for key_value in touched:
        _rate(row(key_value))


def _rate(target: KpiRow) -> None:
    """The average of a row's satisfaction distribution (None when nobody rated)."""
    dist = target.satisfaction_dist
    rated = sum(dist.values()) if dist else 0
    if dist and rated:
        target.satisfaction_avg = round(sum(int(s) * n for s, n in dist.items()) / rated, 2)


def _rounded_hours(seconds: Any) -> float:
    return round(float(seconds or 0) / 3600, 2)


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _grouped(cut: Cut, *columns: Any, rollup: bool = False) -> sa.Select[Any]:
    """SELECT key, columns FROM tickets (+ the key's table) GROUP BY key.

    With ``rollup`` (PostgreSQL) a first column ``grouping(key)`` is 1 on the total row.
    """
    key = key_expr(cut)
    if rollup:
        columns = (sa.func.grouping(key), *columns)
    stmt = with_key_joins(sa.select(key.label("key"), *columns).select_from(Ticket), cut)
    return stmt.group_by(sa.func.rollup(key) if rollup else key)


def _tickets(
    session: Session,
    window: Window,
    cut: Cut,
    scope: ColumnElement[bool],
    row: RowOf,
    total: RowOf | None = None,
) -> None:
    """received, SLA met and the duration percentiles, in one pass.

    ``total`` (PostgreSQL only) also receives the total row of the same pass.
    """
    created = in_window(Ticket.created_at, window)
    answered = in_window(Ticket.answered_at, window)
    responded = sa.and_(
        in_window(Ticket.first_responded_at, window),
        Ticket.first_response_business_minutes.is_not(None),
    )

    def count(*conditions: ColumnElement[bool]) -> Any:
        return sa.func.count().filter(sa.and_(*conditions))

    columns = [
        count(created),
        count(answered),
        count(answered, Ticket.resolution_due_at.is_not(None)),
        count(answered, Ticket.answered_at <= Ticket.resolution_due_at),
    ]
    durations = {
        "first_response": (responded, Ticket.first_response_business_minutes),
        "resolution": (answered, Ticket.resolution_business_minutes),
    }
    in_sql = _postgresql(session)
    if in_sql:
        for condition, minutes in durations.values():
            value = sa.case((condition, minutes))  # NULL elsewhere: percentiles skip it
            columns += [
                sa.func.percentile_cont(0.5).within_group(value),
                sa.func.percentile_cont(0.9).within_group(value),
            ]
    stmt = _grouped(cut, *columns, rollup=total is not None)
    for found in session.execute(stmt.where(sa.or_(created, answered, responded), scope)):
        if total is not None:
            key, is_total, received, answered_now, due, met, *rest = found
            target = total("") if is_total else row(key)
        else:
            key, received, answered_now, due, met, *rest = found
            target = row(key)
        target.received = received
        target.concluded = answered_now  # _reanswered adds those reopened since
        target.sla_met_pct = pct(met, due)
        hours = rest
        if hours:
            fr_median, fr_p90, res_median, res_p90 = hours
            if fr_median is not None:
                target.first_response_median_h = _hours(fr_median)
                target.first_response_p90_h = _hours(fr_p90)
            if res_median is not None:
                target.resolution_median_h = _hours(res_median)
                target.resolution_p90_h = _hours(res_p90)
    if in_sql:
        return
    for name, (condition, minutes) in durations.items():
        for key, (median, p90) in percentiles(session, cut, minutes, sa.and_(condition, scope)):
            setattr(row(key), f"{name}_median_h", _hours(median))
            setattr(row(key), f"{name}_p90_h", _hours(p90))


def _hours(minutes: float) -> float:
    return round(float(minutes) / 60, 2)


def _state(
    session: Session, window: Window, cut: Cut, scope: ColumnElement[bool], row: RowOf
) -> None:
    """overdue_now and the backlog by age: the tickets open at ``at``."""
    columns = [
        sa.func.count().filter(Ticket.resolution_due_at < ts(window.at)),
        *(sa.func.count().filter(bucket_predicate(b, window)) for b in BUCKET_DAYS),
    ]
    stmt = _grouped(cut, *columns).where(open_at(window), scope)
    for key, overdue, *buckets in session.execute(stmt):
        target = row(key)
        target.overdue_now = overdue
        target.backlog_by_age = dict(zip(AGE_BUCKETS, buckets, strict=True))


def _reanswered(
    session: Session, window: Window, cut: Cut, scope: ColumnElement[bool]
) -> dict[str, int]:
    """Tickets answered in the window whose current ``answered_at`` is not in it.

    ``concluded`` is the tickets with an answer event in the window. ``answered_at``
    is written only with an answer event at the same instant (sla.clock.record_resolution)
    and cleared only by reopening, so those with ``answered_at`` in the window (counted
    by the ticket pass) are concluded, and the others were reopened after their
    answer in the window: only tickets reopened since the window started are looked
    up, not every answer of the window.
    """
    reopened = sa.select(TicketEvent.ticket_id).where(
        # Literals: the predicate of ix_ticket_events_moves_created_at.
        TicketEvent.kind.in_([sa.literal_column(f"'{kind}'") for kind in MOVES]),
        TicketEvent.kind == EventKind.REOPENED,
        TicketEvent.created_at >= window.start,
    )
    if _postgresql(session):
        # id = ANY(ARRAY(...)): the ids are collected first and looked up by primary
        # key; as a join or IN the planner may hash them against every ticket.
        candidate = Ticket.id == sa.any_(sa.func.array(reopened.scalar_subquery()))
    else:
        candidate = Ticket.id.in_(reopened)
    answer = sa.orm.aliased(TicketEvent)
    answered_in_window = (
        sa.select(answer.id)
        .where(
            answer.ticket_id == Ticket.id,
            answer.to_status == TicketStatus.ANSWERED,
            in_window(answer.created_at, window),
        )
        .exists()
    )
    not_now = sa.or_(
        Ticket.answered_at.is_(None),
        Ticket.answered_at < window.start,
        Ticket.answered_at >= window.end,
    )
    stmt = _grouped(cut, sa.func.count()).where(candidate, not_now, answered_in_window, scope)
    return {key: n for key, n in session.execute(stmt)}


def _events(
    session: Session, window: Window, cut: Cut, department_ids: set[int] | None, row: RowOf
) -> None:
    """Reopen and transfer events of the window.

    A transfer counts for the department the ticket left on the DEPARTMENT cut.
    """
    moves = (
        sa.select(TicketEvent.ticket_id, TicketEvent.kind, transfer_origin().label("origin"))
        .where(
            # Literals: the predicate of ix_ticket_events_moves_created_at.
            TicketEvent.kind.in_([sa.literal_column(f"'{kind}'") for kind in MOVES]),
            in_window(TicketEvent.created_at, window),
        )
        # Planned on its own: the few events of the partial index. Joined to the
        # tickets in one statement, PostgreSQL prefers a parallel scan of all the
        # month's events on a 2-core machine (bench/RESULTS.md).
        .cte("moves")
        .prefix_with("MATERIALIZED")
    )
    key = key_expr(cut)
    stmt = sa.select(key, moves.c.kind, moves.c.origin, sa.func.count()).select_from(moves)
    stmt = with_key_joins(stmt.join(Ticket, moves.c.ticket_id == Ticket.id), cut)
    stmt = stmt.where(transfer_scope(department_ids))
    stmt = stmt.group_by(key, moves.c.kind, moves.c.origin)
    for key_value, kind, moved_from, n in session.execute(stmt):
        if kind == EventKind.REOPENED:
            row(key_value).reopened += n
        else:
            row(moved_from if cut is Cut.DEPARTMENT else key_value).transfers += n


def _seconds(session: Session, start: Any, end: Any) -> Any:
    if _postgresql(session):
        return sa.func.extract("epoch", end - start)
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0


def _held(
    session: Session, window: Window, cut: Cut, department_ids: set[int] | None
) -> dict[str, Any]:
    """Seconds each holding department (DEPARTMENT cut) held open tickets within [start, at).

    The stretches still running and those ending after ``start``: two ranges of
    ix_ticket_hold_segments_until, read from the index alone.
    """
    segment = TicketHoldSegment
    start, at = ts(window.start), ts(window.at)
    columns = (segment.department_id, segment.since, segment.until)
    running = sa.select(*columns).where(segment.until.is_(None), segment.since < at)
    ended = sa.select(*columns).where(segment.until > start, segment.since < at)
    if department_ids is not None:
        scope = segment.department_id.in_(sorted(department_ids))
        running, ended = running.where(scope), ended.where(scope)
    found = sa.union_all(running, ended).subquery()
    since, until = found.c.since, found.c.until
    clip_start = sa.case((since < start, start), else_=since)
    clip_end = sa.case((sa.or_(until.is_(None), until > at), at), else_=until)
    key = sa.func.coalesce(Department.code, "") if cut is Cut.DEPARTMENT else sa.literal("")
    stmt = (
        sa.select(key, sa.func.sum(_seconds(session, clip_start, clip_end)))
        .select_from(found)
        .join(Department, Department.id == found.c.department_id)
        .group_by(key)
    )
    return {k: seconds for k, seconds in session.execute(stmt)}


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


__all__ = ["call_figures", "empty_row", "window_figures"]
