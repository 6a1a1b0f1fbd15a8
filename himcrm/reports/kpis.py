"""KPI computation: every figure of a report in SQL aggregation (issue 5).

A report is a constant number of GROUP BY queries whatever the number of
tickets (on PostgreSQL five for the rows and their total, five for the previous
period's total, a label query and two for the calls; a few more on SQLite, which
has no percentiles), and each reads through an index only what the period
touched, so its cost follows the period, not the history (bench/RESULTS.md).
Ticket rows are never loaded. How: himcrm.reports.kpis_figures.

Definitions, for a period [start, end) in UTC (Istanbul calendar bounds) and
the instant ``at = min(now, end)``:

- received: tickets with ``created_at`` in [start, end).
- concluded: distinct tickets answered in the period, i.e. with a TicketEvent
  whose ``to_status`` is "answered" (a direct answer or an approval) created in
  [start, end). A ticket answered in the period and reopened later still counts;
  one answered twice in the period counts once.
- concluded_pct: concluded / received × 100 (one decimal), None when received = 0.
  A percentage, like sla_met_pct and answered_pct.
- sla_met_pct: among tickets whose current ``answered_at`` is in the period and
  which have a ``resolution_due_at``, the share with answered_at <= resolution_due_at
  (× 100). Tickets reopened after the answer have no answered_at any more and are
  left out (their first answer's due time was replaced on reopening).
- overdue_now: tickets open at ``at`` whose ``resolution_due_at`` < ``at``.
- backlog_by_age: tickets open at ``at`` by whole days since ``created_at``
  (AGE_BUCKETS: 0-2, 3-7, 8-15, 16-30, 31+).
  "Open at ``at``" is approximated from the current state: created before ``at``
  and either in an open status now (new, routed, in_progress, on_hold,
  pending_approval) or answered/closed with ``answered_at`` >= ``at``. For a past
  period this misses tickets answered before ``at`` and reopened after it (counted
  as open) and merged/out-of-scope tickets (never counted), and uses the current
  ``resolution_due_at``. The exact history is in TicketEvent if ever needed.
- first_response_median_h / _p90_h: ``first_response_business_minutes`` of the
  tickets first responded (``first_responded_at``) in the period; resolution_*:
  ``resolution_business_minutes`` (time on hold excluded) of the tickets whose
  ``answered_at`` is in the period. In business hours, two decimals; continuous
  percentiles (PostgreSQL ``percentile_cont``, the same interpolation in Python on
  SQLite over the sorted duration column only).
- reopened: TicketEvent kind "reopened" in the period (events, not tickets).
- transfers: TicketEvent kind "transferred" in the period. For the DEPARTMENT cut
  a transfer is counted for the department the ticket left (``data["from"]``);
  for other cuts by the ticket's current key. Department scoping follows the one
  scoping rule (the ticket's current department), like every other figure, so a
  scoped DEPARTMENT report may show a row for the department a visible ticket came
  from, holding only its transfers.
- held_hours (DEPARTMENT cut, and its total): hours each department held tickets
  within [start, at): from consecutive status-changing events, a stretch after an
  event held by the event's department while the status after it is open, clipped
  to the period. Read from the holding segments (himcrm.models.holding) written
  with every status-changing event.
- satisfaction_avg / _dist: ``satisfaction`` (1..5) of tickets whose
  ``answered_at`` is in the period.
- calls: inbound Call rows with ``started_at`` in the period; answered = answered
  or completed. Calls are not department-scoped: with ``department_ids`` given,
  calls are zeros.

Keys: DEPARTMENT → department code (label name), TOPIC → topic code (label
name_tr), CHANNEL → channel value (label = the value; screens translate with
himcrm.web.labels.CHANNEL), DISTRICT → district code (label name; "" = none),
EMPLOYEE → assignee username (label full name; "" = unassigned). Rows and
figures always use the ticket's current department/topic/... (except transfers,
above). The total row has key "" and label "". A report of the TOTAL cut has
no rows, only the total (and the previous period's total).

held_hours is scoped by the holding department (the department's own time),
not by the ticket's current department.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.db_setup import without_jit
from himcrm.models import (
    OPEN_STATUSES,
    Department,
    District,
    Ticket,
    TopicCode,
    User,
)
from himcrm.reports.kpis_figures import call_figures, window_figures
from himcrm.reports.kpis_sql import Window
from himcrm.reports.model import CallKpis, Cut, KpiReport, KpiRow
from himcrm.reports.period import Period

__all__ = ["compute_report", "overdue_by_department"]


def compute_report(
    session: Session,
    period: Period,
    cut: Cut,
    *,
    now: datetime,
    department_ids: set[int] | None = None,
) -> KpiReport:
    """The figures of ``period`` by ``cut``, its total and the previous period's total."""
    without_jit(session)  # the period's bitmap scans are priced past the JIT threshold
    window = Window.of(period, now)
    previous = Window.of(period.previous(), now)
    held = cut is Cut.DEPARTMENT
    found, total = window_figures(session, window, cut, department_ids, held=held)
    rows = list(found.values())
    _label(session, cut, rows)
    rows.sort(key=lambda row: (-row.received, row.label, row.key))
    _, previous_total = window_figures(session, previous, Cut.TOTAL, department_ids, held=held)
    if department_ids is None:
        calls, previous_calls = call_figures(session, window), call_figures(session, previous)
    else:
        calls, previous_calls = CallKpis(), CallKpis()
    return KpiReport(
        period=period,
        cut=cut,
        rows=rows,
        total=total,
        previous_total=previous_total,
        calls=calls,
        previous_calls=previous_calls,
    )


_LABELS: dict[Cut, tuple[Any, Any]] = {
    Cut.DEPARTMENT: (Department.code, Department.name),
    Cut.TOPIC: (TopicCode.code, TopicCode.name_tr),
    Cut.DISTRICT: (District.code, District.name),
    Cut.EMPLOYEE: (User.username, User.full_name),
}


def _label(session: Session, cut: Cut, rows: list[KpiRow]) -> None:
    """Fill labels with one query for all rows."""
    if cut not in _LABELS:
        for row in rows:
            row.label = row.key
        return
    code, name = _LABELS[cut]
    keys = sorted({row.key for row in rows if row.key})
    names: dict[str, str] = (
        dict(session.execute(sa.select(code, name).where(code.in_(keys))).tuples().all())
        if keys
        else {}
    )
    for row in rows:
        row.label = names.get(row.key, row.key)


def overdue_by_department(
    session: Session, *, now: datetime, department_ids: set[int] | None = None
) -> list[tuple[Department, list[Ticket]]]:
    """Open tickets past their resolution due time at ``now``, per department.

    Tickets most overdue first within a department; departments ordered by their
    most overdue ticket.
    """
    stmt = (
        sa.select(Ticket)
        .where(
            Ticket.status.in_(sorted(OPEN_STATUSES)),
            Ticket.resolution_due_at < now,
            Ticket.department_id.is_not(None),
        )
        .order_by(Ticket.resolution_due_at, Ticket.id)
    )
    if department_ids is not None:
        stmt = stmt.where(Ticket.department_id.in_(sorted(department_ids)))
    grouped: dict[int, list[Ticket]] = defaultdict(list)
    for ticket in session.scalars(stmt):
        assert ticket.department_id is not None
        grouped[ticket.department_id].append(ticket)
    if not grouped:
        return []
    departments = {
        d.id: d for d in session.scalars(sa.select(Department).where(Department.id.in_(grouped)))
    }
    return [(departments[dept_id], tickets) for dept_id, tickets in grouped.items()]
