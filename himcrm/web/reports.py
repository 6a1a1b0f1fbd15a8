"""Report screens: the KPI dashboard, drill-down lists, the overdue list, exports.

Department managers see their department's subtree; supervisors and admins see
all of HİM. Stored (scheduled) reports are HİM-wide, so only supervisors and
admins may open them.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from himcrm.errors import DomainError, ValidationError
from himcrm.extensions import db
from himcrm.models import Department, Role, Ticket, User, utcnow
from himcrm.models.report import StoredReport
from himcrm.privacy.audit import AuditAction, record_access
from himcrm.reports import charts
from himcrm.reports.exports import (
    CALL_FIGURES,
    CUT_LABEL,
    FIGURE_COLUMNS,
    change_pct,
    download_filename,
    format_number,
    headline_columns,
    to_csv,
    translate_labels,
)
from himcrm.reports.model import AGE_BUCKETS, Cut, KpiReport
from himcrm.reports.period import LOCAL, Period
from himcrm.tickets.queries import visible_department_ids, visible_tickets
from himcrm.web import field_error, labels
from himcrm.web.access import roles_required

bp = Blueprint("reports", __name__, url_prefix="/reports")

REPORT_ROLES = (Role.DEPT_MANAGER, Role.SUPERVISOR, Role.ADMIN)
HIM_WIDE = (Role.SUPERVISOR, Role.ADMIN)
CUTS = (Cut.DEPARTMENT, Cut.TOPIC, Cut.CHANNEL, Cut.DISTRICT, Cut.EMPLOYEE)
FIGURES = frozenset(
    {"received", "concluded", "sla_met", "sla_missed", "overdue_now", "reopened", "transfers"}
    | {f"backlog:{bucket}" for bucket in AGE_BUCKETS}
)
PERIOD_KINDS = {"month": _l("Ay"), "week": _l("Hafta"), "custom": _l("Tarih aralığı")}
MAX_CUSTOM_DAYS = 366
PER_PAGE = 50
MAX_PAGE = 100_000
MIME = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
FIELDS = ("period", "year", "month", "from", "to", "cut")


@dataclass(frozen=True, slots=True)
class ReportQuery:
    period: Period
    cut: Cut
    args: dict[str, str]  # the normalised query string, for links and exports


def _int(text: str, field: str, low: int, high: int, message: Any) -> int:
    if not text.strip().isdigit() or not low <= int(text) <= high:
        raise ValidationError(message, field=field)
    return int(text)


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(_l("Geçerli bir tarih girin (YYYY-AA-GG)."), field=field) from None


def parse_query(args: Mapping[str, str], today: date) -> ReportQuery:
    """The period and cut of the query string; a bad value names its field."""
    kind = args.get("period", "") or "month"
    if kind not in PERIOD_KINDS:
        raise ValidationError(_l("Geçersiz dönem türü."), field="period")
    cut_text = args.get("cut", "") or Cut.DEPARTMENT.value
    if cut_text not in {c.value for c in CUTS}:
        raise ValidationError(_l("Geçersiz kırılım."), field="cut")
    cut = Cut(cut_text)
    normalised = {"period": kind, "cut": cut.value}
    if kind == "month":
        year = _int(
            args.get("year", "") or str(today.year),
            "year",
            2000,
            2100,
            _l("Yıl 2000 ile 2100 arasında olmalı."),
        )
        month = _int(
            args.get("month", "") or str(today.month),
            "month",
            1,
            12,
            _l("Ay 1 ile 12 arasında olmalı."),
        )
        period = Period.month(year, month)
        normalised |= {"year": str(year), "month": str(month)}
    elif kind == "week":
        day = _date(args.get("from", "") or today.isoformat(), "from")
        period = Period.week(day)
        normalised["from"] = period.first_day.isoformat()
    else:
        if not args.get("from", "").strip():
            raise ValidationError(_l("Başlangıç tarihini girin."), field="from")
        if not args.get("to", "").strip():
            raise ValidationError(_l("Bitiş tarihini girin."), field="to")
        first, last = _date(args["from"], "from"), _date(args["to"], "to")
        if last < first:
            raise ValidationError(_l("Bitiş tarihi başlangıçtan önce olamaz."), field="to")
        if (last - first).days >= MAX_CUSTOM_DAYS:
            raise ValidationError(_l("Tarih aralığı en çok 366 gün olabilir."), field="to")
        period = Period.custom(first, last)
        normalised |= {"from": first.isoformat(), "to": last.isoformat()}
    return ReportQuery(period=period, cut=cut, args=normalised)


def _scope(user: User) -> tuple[set[int] | None, str]:
    """Department ids the user's figures cover (None: all of HİM) and their name."""
    session = db.session()
    ids = visible_department_ids(session, user)
    if ids is None:
        return None, ""
    department = session.get(Department, user.department_id) if user.department_id else None
    return ids, department.name if department else ""


def _report(query: ReportQuery, cut: Cut | None = None) -> KpiReport:
    from himcrm.reports.kpis import compute_report

    ids, scope = _scope(current_user)
    report = compute_report(
        db.session(), query.period, cut or query.cut, now=utcnow(), department_ids=ids
    )
    if scope and not report.scope:
        report.scope = scope
    return translate_labels(report)


def _headline(report: KpiReport) -> list[dict[str, Any]]:
    rows = []
    for col in headline_columns():
        now, before = col.get(report.total), col.get(report.previous_total)
        rows.append(
            {
                "label": col.label,
                "kind": col.kind,
                "figure": col.figure,
                "now": now,
                "before": before,
                "change": change_pct(now, before),
            }
        )
    for name, label, kind in CALL_FIGURES:
        now, before = getattr(report.calls, name), getattr(report.previous_calls, name)
        rows.append(
            {
                "label": label,
                "kind": kind,
                "figure": None,
                "now": now,
                "before": before,
                "change": change_pct(now, before),
            }
        )
    return rows


def _form_context(values: Mapping[str, str], errors: dict[str, str]) -> dict[str, Any]:
    return {
        "values": {name: values.get(name, "") for name in FIELDS},
        "errors": errors,
        "period_kinds": list(PERIOD_KINDS.items()),
        "cuts": [(c.value, CUT_LABEL[c]) for c in CUTS],
        "fmt": format_number,
    }


@bp.get("/")
@roles_required(*REPORT_ROLES)
def dashboard() -> ResponseReturnValue:
    try:
        query = parse_query(request.args, utcnow().astimezone(LOCAL).date())
    except DomainError as error:
        context = _form_context(request.args, field_error(error))
        return render_template("reports/dashboard.html", report=None, **context), 422
    report = _report(query)
    return render_template(
        "reports/dashboard.html",
        report=report,
        query=query,
        headline=_headline(report),
        columns=FIGURE_COLUMNS,
        cut_label=CUT_LABEL[query.cut],
        chart_rows=charts.received_concluded_chart(
            report.rows, cut_label=str(CUT_LABEL[query.cut])
        ),
        chart_backlog=charts.backlog_chart(report.total),
        chart_satisfaction=charts.satisfaction_chart(report.total),
        previous=query.period.previous(),
        **_form_context(query.args, {}),
    )


@bp.get("/tickets")
@roles_required(*REPORT_ROLES)
def tickets() -> ResponseReturnValue:
    """The tickets behind one figure of the dashboard, one page at a time."""
    from himcrm.reports.drilldown import drilldown_query

    args = request.args
    try:
        query = parse_query(args, utcnow().astimezone(LOCAL).date())
        figure = args.get("figure", "")
        if figure not in FIGURES:
            raise ValidationError(_l("Geçersiz gösterge."), field="figure")
        key = args.get("key", "")
        if len(key) > 200:
            raise ValidationError(_l("Geçersiz satır."), field="key")
    except DomainError as error:
        context = _form_context(args, field_error(error))
        return render_template("reports/dashboard.html", report=None, **context), 422
    page_text = args.get("page", "1")
    page = min(max(int(page_text), 1), MAX_PAGE) if page_text.isdigit() else 1
    session = db.session()
    ids, scope = _scope(current_user)
    stmt = drilldown_query(
        session, query.period, query.cut, key, figure, now=utcnow(), department_ids=ids
    )
    # The one scoping rule as well, whatever the figure's own filter does.
    visible = visible_tickets(session, current_user).with_only_columns(Ticket.id)
    stmt = stmt.where(Ticket.id.in_(visible))
    found = list(session.scalars(stmt.offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)))
    figure_label = next(
        (c.label for c in FIGURE_COLUMNS if c.figure == figure),
        {"sla_met": _l("Süresinde sonuçlanan"), "sla_missed": _l("Süresini aşan")}.get(
            figure, figure
        ),
    )
    return render_template(
        "reports/tickets.html",
        query=query,
        figure=figure,
        figure_label=figure_label,
        key=key,
        cut_label=CUT_LABEL[query.cut],
        tickets=found[:PER_PAGE],
        page=page,
        has_prev=page > 1,
        has_next=len(found) > PER_PAGE,
        scope=scope,
        labels=labels,
        now=utcnow(),
    )


@bp.get("/overdue")
@roles_required(*REPORT_ROLES)
def overdue() -> ResponseReturnValue:
    from himcrm.reports.kpis import overdue_by_department

    ids, scope = _scope(current_user)
    now = utcnow()
    groups = overdue_by_department(db.session(), now=now, department_ids=ids)
    return render_template(
        "reports/overdue.html", groups=groups, scope=scope, labels=labels, now=now
    )


def _download(data: bytes, fmt: str, filename: str) -> Response:
    return send_file(
        io.BytesIO(data),
        mimetype=MIME[fmt],
        as_attachment=True,
        download_name=filename,
        max_age=0,
    )


@bp.get("/export.<fmt>")
@roles_required(*REPORT_ROLES)
def export(fmt: str) -> ResponseReturnValue:
    """The dashboard's figures as CSV (the cut), XLSX (every cut) or PDF (the cut)."""
    if fmt not in MIME:
        abort(404)
    try:
        query = parse_query(request.args, utcnow().astimezone(LOCAL).date())
    except DomainError as error:
        context = _form_context(request.args, field_error(error))
        return render_template("reports/dashboard.html", report=None, **context), 422
    report = _report(query)
    # Exports name employees (per-employee figures): who took which file is kept.
    record_access(
        db.session(),
        user=current_user._get_current_object(),
        action=AuditAction.EXPORT_REPORT,
        subject_type="report",
        subject_id=query.period.label,
        ip=request.remote_addr or "",
        detail={"format": fmt, "cut": query.cut.value},
    )
    db.session.commit()
    if fmt == "csv":
        data = to_csv(report)
    elif fmt == "xlsx":
        from himcrm.reports.exports_xlsx import to_xlsx

        others = [_report(query, cut) for cut in CUTS if cut != query.cut]
        data = to_xlsx([report, *others])
    else:
        from himcrm.reports.exports_pdf import to_pdf

        data = to_pdf([report])
    return _download(data, fmt, download_filename(report, fmt))


@bp.get("/stored")
@roles_required(*HIM_WIDE)
def stored() -> ResponseReturnValue:
    rows = db.session.execute(
        sa.select(
            StoredReport.id,
            StoredReport.kind,
            StoredReport.label,
            StoredReport.period_start,
            StoredReport.period_end,
            StoredReport.generated_at,
        ).order_by(StoredReport.period_start.desc(), StoredReport.kind)
    ).all()
    kinds = {"weekly": _l("Haftalık"), "monthly": _l("Aylık")}
    return render_template("reports/stored.html", rows=rows, kinds=kinds)


@bp.get("/stored/<int:report_id>/<fmt>")
@roles_required(*HIM_WIDE)
def stored_file(report_id: int, fmt: str) -> ResponseReturnValue:
    if fmt not in MIME:
        abort(404)
    row = db.session.execute(
        sa.select(StoredReport.kind, StoredReport.label, getattr(StoredReport, fmt)).where(
            StoredReport.id == report_id
        )
    ).first()
    if row is None or row[2] is None:
        abort(404)
    kind, label, data = row
    safe_label = label.replace("..", "_")
    return _download(data, fmt, f"himcrm-{kind}-rapor-{safe_label}.{fmt}")


# Importing the screen module registers its routes on ``bp``.
from himcrm.web import open_data  # noqa: E402, F401
