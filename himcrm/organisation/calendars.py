"""Business calendars: the coming public holidays and per-date overrides.

Overrides change the working time of one date for one calendar (a bridge day off,
a shortened day, a Saturday made a working day). They apply to SLA due times
computed from then on; tickets already routed keep their due times.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, datetime, time

import holidays
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from holidays.constants import HALF_DAY, PUBLIC
from sqlalchemy.orm import Session, selectinload

from himcrm.errors import ValidationError
from himcrm.models import BusinessCalendar, HolidayOverride
from himcrm.organisation import inputs
from himcrm.sla.calendar import WorkCalendar, turkish_holidays

_INTERVAL = re.compile(r"^(\d{1,2})[:.](\d{2})\s*[-–]\s*(\d{1,2})[:.](\d{2})$")


@dataclass(frozen=True, slots=True)
class Holiday:
    day: date
    name: str
    half_day: bool  # an eve: work ends at 13:00


def list_calendars(session: Session) -> list[BusinessCalendar]:
    stmt = (
        sa.select(BusinessCalendar)
        .options(selectinload(BusinessCalendar.overrides))
        .order_by(BusinessCalendar.code)
    )
    return list(session.scalars(stmt))


def coming_holidays(today: date, *, language: str = "tr") -> list[Holiday]:
    """Public holidays and half-day eves from ``today`` to the end of next year."""
    found: list[Holiday] = []
    for year in (today.year, today.year + 1):
        full, half = turkish_holidays(year)
        names = holidays.Turkey(
            years=year,
            categories=(PUBLIC, HALF_DAY),
            language="tr" if language == "tr" else "en_US",
        )
        for day in sorted(full | half):
            if day >= today:
                found.append(Holiday(day, str(names.get(day, "")), day in half))
    return found


def _parse_day(raw: str | date) -> date:
    if isinstance(raw, date):
        return raw
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_l("Tarih gerekli."), field="day")
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no zone
        except ValueError:
            continue
    raise ValidationError(_l("Tarih GG.AA.YYYY biçiminde olmalı."), field="day")


def parse_hours(raw: str) -> list[list[str]]:
    """``"08:30-12:00, 13:00-17:30"`` → ``[["08:30", "12:00"], ["13:00", "17:30"]]``.

    Times are local; a closing time of 24:00 means the end of the day. Intervals
    must not overlap; they are stored sorted.
    """
    pieces = [p.strip() for p in re.split(r"[,;]", raw or "") if p.strip()]
    if not pieces:
        raise ValidationError(
            _l("Çalışma saatlerini girin (ör. 08:30-12:00) ya da tüm gün kapalı seçin."),
            field="hours",
        )
    spans: list[tuple[int, int]] = []
    for piece in pieces:
        match = _INTERVAL.match(piece)
        if match is None:
            raise ValidationError(
                _l("“%(text)s” okunamadı; SS:DD-SS:DD biçiminde yazın.", text=piece), field="hours"
            )
        oh, om, ch, cm = (int(g) for g in match.groups())
        if oh > 23 or om > 59 or cm > 59 or ch > 24 or (ch == 24 and cm != 0):
            raise ValidationError(_l("“%(text)s”: geçersiz saat.", text=piece), field="hours")
        start, end = oh * 60 + om, ch * 60 + cm
        if start >= end:
            raise ValidationError(
                _l("“%(text)s”: başlangıç bitişten önce olmalı.", text=piece), field="hours"
            )
        spans.append((start, end))
    spans.sort()
    for (_, previous_end), (start, _) in itertools.pairwise(spans):
        if start < previous_end:
            raise ValidationError(_l("Saat aralıkları çakışıyor."), field="hours")
    return [[_hhmm(start), _hhmm(end)] for start, end in spans]


def _hhmm(minutes: int) -> str:
    return "24:00" if minutes == 24 * 60 else time(minutes // 60, minutes % 60).strftime("%H:%M")


def add_override(
    session: Session,
    calendar: BusinessCalendar,
    *,
    day: str | date,
    name: str = "",
    closed: bool,
    hours: str = "",
) -> HolidayOverride:
    """Close ``day`` all day, or give it its own working hours, on this calendar."""
    when = _parse_day(day)
    label = inputs.text(name, "name", max_len=128)
    intervals = [] if closed else parse_hours(hours)
    if closed and (hours or "").strip():
        raise ValidationError(_l("Tüm gün kapalı bir gün için saat girilmez."), field="hours")
    clash = session.scalar(
        sa.select(HolidayOverride.id).where(
            HolidayOverride.calendar_id == calendar.id, HolidayOverride.day == when
        )
    )
    if clash is not None:
        raise ValidationError(
            _l("Bu tarih için zaten bir istisna var; önce onu kaldırın."), field="day"
        )
    try:  # the calendar engine must accept what we store
        WorkCalendar.from_json(overrides_json={when.isoformat(): intervals})
    except ValueError as error:
        raise ValidationError(_l("Saatler geçersiz."), field="hours", detail=str(error)) from None
    row = HolidayOverride(calendar=calendar, day=when, name=label, hours=intervals)
    session.add(row)
    session.flush()
    return row


def remove_override(session: Session, override: HolidayOverride) -> None:
    session.delete(override)
    session.flush()
