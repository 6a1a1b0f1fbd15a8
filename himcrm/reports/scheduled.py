"""Weekly and monthly reports: computed, stored with their exports, e-mailed once.

Generating the same (kind, period) again replaces the stored row (one row, same
id) and writes no second e-mail: the outbox key names the kind, the period and
the recipient, so a retried or duplicated job is harmless (DESIGN.md §5).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from himcrm.db_setup import upsert_insert
from himcrm.models import NotificationChannel
from himcrm.models.report import StoredReport
from himcrm.notify.outbox import queue_message
from himcrm.reports.exports import (
    HEADLINE,
    PCT,
    column,
    format_number,
    to_csv,
    translate_labels,
)
from himcrm.reports.exports_pdf import to_pdf
from himcrm.reports.exports_xlsx import to_xlsx
from himcrm.reports.model import Cut, KpiReport
from himcrm.reports.period import Period

KINDS = ("weekly", "monthly")
#: The cuts of a stored report, in sheet order; the department cut comes first.
CUTS = (Cut.DEPARTMENT, Cut.TOPIC, Cut.CHANNEL, Cut.DISTRICT, Cut.EMPLOYEE)
TEMPLATE = "report_ready"

_table = StoredReport.__table__


def period_for(kind: str, now: datetime) -> Period:
    """The last complete week or month before ``now`` (Istanbul time)."""
    if kind == "weekly":
        return Period.last_complete_week(now)
    if kind == "monthly":
        return Period.last_complete_month(now)
    raise ValueError(f"unknown report kind {kind!r}")


def compute_cuts(session: Session, period: Period, *, now: datetime) -> list[KpiReport]:
    """The HİM-wide report for every cut."""
    from himcrm.reports.kpis import compute_report

    return [translate_labels(compute_report(session, period, cut, now=now)) for cut in CUTS]


def headline_context(report: KpiReport) -> dict[str, str]:
    """The figures the e-mail quotes, already formatted (decimal comma; "—" for none)."""
    figures = {
        name: format_number(column(name).get(report.total), column(name).kind) or "—"
        for name in HEADLINE
    }
    figures["calls_received"] = str(report.calls.received)
    figures["calls_answered_pct"] = format_number(report.calls.answered_pct, PCT) or "—"
    return figures


def generate_stored_report(
    session: Session,
    kind: str,
    period: Period,
    *,
    now: datetime,
    recipients: list[str],
) -> StoredReport:
    """Compute, export and store the report of ``period``; queue one e-mail per recipient.

    The caller commits (the job boundary). Upsert on (kind, period_start): the
    row of an earlier run keeps its id and gets the new figures and files.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}")
    reports = compute_cuts(session, period, now=now)
    values: dict[str, Any] = {
        "period_end": period.end,
        "label": period.label,
        "generated_at": now,
        "data": {"cuts": [report.to_json() for report in reports]},
        "csv": to_csv(reports[0]),
        "xlsx": to_xlsx(reports),
        "pdf": to_pdf(reports),
    }
    stmt = (
        upsert_insert(session, _table)
        .values(kind=kind, period_start=period.start, **values)
        .on_conflict_do_update(index_elements=[_table.c.kind, _table.c.period_start], set_=values)
        .returning(_table.c.id)
    )
    row_id = session.execute(stmt).scalar_one()
    stored = session.get(StoredReport, row_id, populate_existing=True)
    assert stored is not None
    context = {
        "report_id": stored.id,
        "kind": kind,
        "label": period.label,
        "first_day": period.first_day.strftime("%d.%m.%Y"),
        "last_day": period.last_day.strftime("%d.%m.%Y"),
        **headline_context(reports[0]),
    }
    for recipient in dict.fromkeys(r.strip() for r in recipients if r.strip()):
        queue_message(
            session,
            key=f"report:{kind}:{period.label}:{recipient}",
            channel=NotificationChannel.EMAIL,
            recipient=recipient,
            template=TEMPLATE,
            context=context,
            now=now,
        )
    return stored


def stored_reports_of(stored: StoredReport) -> list[KpiReport]:
    """The figures of a stored report, back as :class:`KpiReport` objects."""
    return [KpiReport.from_json(data) for data in (stored.data or {}).get("cuts", [])]
