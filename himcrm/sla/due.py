"""SLA due-time maths on top of WorkCalendar (pure).

An SLA is measured either in business time (only the unit's working hours count) or in
calendar time (wall-clock time). All results are aware datetimes in UTC.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from himcrm.sla.calendar import WorkCalendar, as_duration

__all__ = [
    "SlaUnit",
    "due_at",
    "fraction_elapsed",
    "resume_due",
    "threshold_at",
    "time_left",
]

_ZERO = timedelta(0)


class SlaUnit(StrEnum):
    """How SLA time is counted."""

    BUSINESS = "business"
    CALENDAR = "calendar"


def _utc(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment!r}")
    # Arithmetic on datetimes sharing a ZoneInfo is wall-clock arithmetic; UTC avoids that.
    return moment.astimezone(UTC)


def _measure(calendar: WorkCalendar, a: datetime, b: datetime, unit: SlaUnit) -> timedelta:
    """SLA time in [a, b); zero if b <= a."""
    if unit is SlaUnit.BUSINESS:
        return calendar.between(a, b)
    return max(b - a, _ZERO)


def _advance(calendar: WorkCalendar, start: datetime, amount: timedelta, unit: SlaUnit) -> datetime:
    if unit is SlaUnit.BUSINESS:
        return calendar.add(start, amount)
    return start + amount


def due_at(
    calendar: WorkCalendar,
    start: datetime,
    minutes: float | timedelta,
    unit: SlaUnit | str,
) -> datetime:
    """Due time of an SLA of `minutes` (or a timedelta) starting at `start`."""
    return _advance(calendar, _utc(start, "start"), as_duration(minutes), SlaUnit(unit))


def resume_due(
    calendar: WorkCalendar,
    due: datetime,
    paused_at: datetime,
    resumed_at: datetime,
    unit: SlaUnit | str,
) -> datetime:
    """New due time after the SLA clock was paused at `paused_at` and resumed at `resumed_at`.

    The SLA time still remaining at the pause is re-added from `resumed_at`. Already overdue
    at the pause -> `due` unchanged. Never earlier than `due`.
    """
    unit = SlaUnit(unit)
    due_utc = _utc(due, "due")
    paused = _utc(paused_at, "paused_at")
    resumed = _utc(resumed_at, "resumed_at")
    if resumed < paused:
        raise ValueError("resumed_at must not be earlier than paused_at")
    if due_utc <= paused:
        return due_utc
    remaining = _measure(calendar, paused, due_utc, unit)
    # For a due produced by calendar.add (inside (open, close]) the result is never earlier
    # anyway. A due sitting outside working time (an opening instant, a due computed with
    # another calendar, or a manual edit) would otherwise be pulled back to the previous
    # closing time when the pause covers no working time, so clamp.
    return max(due_utc, _advance(calendar, resumed, remaining, unit))


def time_left(
    calendar: WorkCalendar, now: datetime, due: datetime, unit: SlaUnit | str
) -> timedelta:
    """SLA time until `due`: positive before it, negative (overdue amount) after it."""
    unit = SlaUnit(unit)
    now_utc = _utc(now, "now")
    due_utc = _utc(due, "due")
    if due_utc >= now_utc:
        return _measure(calendar, now_utc, due_utc, unit)
    return -_measure(calendar, due_utc, now_utc, unit)


def fraction_elapsed(
    calendar: WorkCalendar,
    start: datetime,
    due: datetime,
    now: datetime,
    unit: SlaUnit | str,
) -> float:
    """Share of the SLA consumed at `now`: 0.0 at (or before) start, 1.0 at due, >1 after.

    If the SLA spans no SLA time at all (due <= start, or no working time in between) the
    result is 0.0 before `due` and 1.0 from `due` on.
    """
    unit = SlaUnit(unit)
    start_utc = _utc(start, "start")
    due_utc = _utc(due, "due")
    now_utc = _utc(now, "now")
    total = _measure(calendar, start_utc, due_utc, unit)
    if total <= _ZERO:
        return 1.0 if now_utc >= due_utc else 0.0
    return _measure(calendar, start_utc, now_utc, unit) / total


def threshold_at(
    calendar: WorkCalendar,
    start: datetime,
    due: datetime,
    fraction: float,
    unit: SlaUnit | str,
) -> datetime:
    """The instant at which `fraction` of the SLA is consumed (e.g. 0.5, 0.8 reminders).

    fraction 0 gives `start`; fraction >= 1 is never earlier than `due`. Business-unit
    results below 1 lie inside working time, so reminders do not fire at night.
    """
    unit = SlaUnit(unit)
    if isinstance(fraction, bool) or not math.isfinite(fraction) or fraction < 0:
        raise ValueError(f"fraction must be a finite number >= 0, got {fraction!r}")
    start_utc = _utc(start, "start")
    due_utc = _utc(due, "due")
    total = _measure(calendar, start_utc, due_utc, unit)
    moment = _advance(calendar, start_utc, total * fraction, unit)
    if fraction >= 1:
        moment = max(moment, due_utc)
    return moment
