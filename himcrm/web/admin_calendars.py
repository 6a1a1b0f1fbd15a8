"""Admin: business calendars, the coming public holidays and per-date overrides."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from himcrm.errors import DomainError, ValidationError
from himcrm.extensions import db
from himcrm.models import BusinessCalendar, HolidayOverride, utcnow
from himcrm.organisation import add_override, coming_holidays, list_calendars, remove_override
from himcrm.web import field_error
from himcrm.web.access import ADMINS, roles_required
from himcrm.web.admin_common import (
    bp,
    calendar_choices,
    clear_drafts,
    form_values,
    get_or_404,
    saved,
)

WEEKDAYS = (_l("Pzt"), _l("Sal"), _l("Çar"), _l("Per"), _l("Cum"), _l("Cmt"), _l("Paz"))


def week(calendar: BusinessCalendar) -> str:
    """Weekly hours as text: "Pzt 08:30–17:30 · Sal 08:30–17:30 …"."""
    days = []
    for weekday, label in enumerate(WEEKDAYS):
        spans = calendar.weekly_hours.get(str(weekday)) or []
        if spans:
            days.append(f"{label} " + ", ".join(f"{a}–{b}" for a, b in spans))
    return " · ".join(days)


def _today() -> Any:
    tz = ZoneInfo(current_app.config["HIMCRM_SETTINGS"].timezone)
    return utcnow().astimezone(tz).date()


def _page(
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    html = render_template(
        "admin/calendars.html",
        calendars=list_calendars(db.session()),
        holidays=coming_holidays(_today(), language=str(get_locale() or "tr")),
        weekdays=WEEKDAYS,
        week=week,
        calendar_choices=calendar_choices(),
        values=values or {},
        errors=errors or {},
        clear=clear_drafts(),
    )
    return html, status


@bp.get("/calendars")
@roles_required(*ADMINS)
def calendars() -> ResponseReturnValue:
    return _page()


@bp.post("/calendars/overrides")
@roles_required(*ADMINS)
def override_add() -> ResponseReturnValue:
    form = request.form
    session = db.session()
    try:
        calendar = session.scalar(
            sa.select(BusinessCalendar).where(BusinessCalendar.code == form.get("calendar", ""))
        )
        if calendar is None:
            raise ValidationError(_l("Takvim seçin."), field="calendar")
        row = add_override(
            session,
            calendar,
            day=form.get("day", ""),
            name=form.get("name", ""),
            closed=form.get("mode", "closed") == "closed",
            hours=form.get("hours", ""),
        )
    except DomainError as error:
        db.session.rollback()
        return _page(values=form_values(), errors=field_error(error), status=error.status_code)
    day = row.day.strftime("%d.%m.%Y")
    db.session.commit()
    flash(_l("İstisna gün eklendi: %(day)s", day=day), "success")
    return saved("admin.calendars", "admin-override-new")


@bp.post("/calendars/overrides/<int:override_id>/delete")
@roles_required(*ADMINS)
def override_delete(override_id: int) -> ResponseReturnValue:
    remove_override(db.session(), get_or_404(HolidayOverride, override_id))
    db.session.commit()
    flash(_l("İstisna gün kaldırıldı."), "success")
    return redirect(url_for("admin.calendars"))
