"""Tests for himcrm.sla.due (pure; no app or DB fixtures)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from himcrm.sla.calendar import WorkCalendar
from himcrm.sla.due import (
    SlaUnit,
    due_at,
    fraction_elapsed,
    resume_due,
    threshold_at,
    time_left,
)

IST = ZoneInfo("Europe/Istanbul")
BERLIN = ZoneInfo("Europe/Berlin")
B, C = SlaUnit.BUSINESS, SlaUnit.CALENDAR

DEFAULT = WorkCalendar()
CALENDARS = [
    DEFAULT,
    WorkCalendar(
        weekly={d: ((time(8, 30), time(12, 0)), (time(13, 0), time(17, 30))) for d in range(5)},
        overrides={date(2026, 11, 23): (), date(2026, 11, 28): ((time(9), time(13)),)},
    ),
    WorkCalendar(
        timezone="Europe/Berlin",
        public_holidays=False,
        weekly={d: ((time(0), time(6)), (time(22), time(0))) for d in range(7)},
    ),
    WorkCalendar(always_open=True),
]
calendars = st.sampled_from(CALENDARS)
units = st.sampled_from([B, C])
instants = st.one_of(
    st.datetimes(
        min_value=datetime(2025, 6, 1),  # noqa: DTZ001 - hypothesis bounds must be naive
        max_value=datetime(2027, 6, 1),  # noqa: DTZ001
        timezones=st.sampled_from([UTC, IST, BERLIN]),
    ),
    st.builds(
        lambda d, q: datetime.combine(d, time(0), tzinfo=IST) + timedelta(minutes=15 * q),
        st.dates(min_value=date(2025, 6, 1), max_value=date(2027, 6, 1)),
        st.integers(0, 95),
    ),
)
durations = st.integers(0, 20_000).map(lambda m: timedelta(minutes=m))
unit_fraction = st.floats(0, 1, exclude_max=True)
SETTINGS = settings(deadline=None, max_examples=150)


def ist(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=IST)


def u(moment: datetime) -> datetime:
    # PEP 495: inter-zone == is always False for local times in a DST gap or fold.
    return moment.astimezone(UTC)


# -- due_at -------------------------------------------------------------------------------


def test_due_at_business_and_calendar() -> None:
    start = ist(2026, 11, 20, 16, 30)
    assert due_at(DEFAULT, start, 120, B) == ist(2026, 11, 23, 9, 30)
    assert due_at(DEFAULT, start, 120, "business") == ist(2026, 11, 23, 9, 30)
    assert due_at(DEFAULT, start, 120, C) == ist(2026, 11, 20, 18, 30)
    assert due_at(DEFAULT, start, timedelta(days=3), "calendar") == ist(2026, 11, 23, 16, 30)
    assert due_at(DEFAULT, start, 120, B).tzinfo is UTC


def test_calendar_unit_counts_real_time_across_dst() -> None:
    start = datetime(2026, 3, 28, 12, tzinfo=BERLIN)
    assert due_at(DEFAULT, start, timedelta(hours=24), C) == datetime(
        2026, 3, 29, 13, tzinfo=BERLIN
    )


def test_due_at_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        due_at(DEFAULT, datetime(2026, 1, 5, 9), 10, C)  # noqa: DTZ001
    with pytest.raises(ValueError):
        due_at(DEFAULT, ist(2026, 1, 5, 9), -10, C)
    with pytest.raises(ValueError):
        due_at(DEFAULT, ist(2026, 1, 5, 9), 10, "fortnights")


@SETTINGS
@given(calendars, instants, durations)
def test_due_at_business_matches_calendar_add(
    cal: WorkCalendar, start: datetime, d: timedelta
) -> None:
    assert due_at(cal, start, d, B) == cal.add(start, d)
    assert due_at(cal, start, d, C) == u(start) + d


# -- resume_due ----------------------------------------------------------------------------


@SETTINGS
@given(
    calendars,
    units,
    instants,
    durations,
    unit_fraction,
    st.timedeltas(timedelta(0), timedelta(days=20)),
)
def test_pause_resume_never_shortens(
    cal: WorkCalendar, unit: SlaUnit, start: datetime, d: timedelta, p: float, hold: timedelta
) -> None:
    due = due_at(cal, start, d, unit)
    paused = u(start) + (due - u(start)) * p
    resumed = paused + hold
    new_due = resume_due(cal, due, paused, resumed, unit)
    assert new_due >= due
    if due > paused:
        # The SLA time left at the pause is what is left at the resumption.
        assert time_left(cal, resumed, new_due, unit) == time_left(cal, paused, due, unit)


@SETTINGS
@given(calendars, units, instants, instants, instants, instants)
def test_pause_resume_never_shortens_arbitrary_due(
    cal: WorkCalendar, unit: SlaUnit, w: datetime, x: datetime, y: datetime, z: datetime
) -> None:
    # Dues that were not produced by add (opening instants, nights, manual edits) too.
    due = w
    paused, resumed = sorted((x, y))
    assert resume_due(cal, due, paused, resumed, unit) >= due
    assert resume_due(cal, z, z, z, unit) == u(z)


@SETTINGS
@given(calendars, instants, durations, unit_fraction, unit_fraction)
def test_pause_outside_working_hours_keeps_business_due(
    cal: WorkCalendar, start: datetime, d: timedelta, p: float, r: float
) -> None:
    due = due_at(cal, start, d, B)
    paused = u(start) + (due - u(start)) * p
    # Resume anywhere before the unit opens again: the pause covers no working time.
    resumed = paused + (cal.next_open(paused) - paused) * r
    assert cal.between(paused, resumed) == timedelta(0)
    assert resume_due(cal, due, paused, resumed, B) == due


def test_resume_due_examples() -> None:
    due = ist(2026, 11, 23, 9, 30)  # Mon
    # Paused Friday 18:00 (after closing), resumed Saturday: due stays Monday 09:30.
    assert resume_due(DEFAULT, due, ist(2026, 11, 20, 18), ist(2026, 11, 21, 10), B) == due
    # Paused Friday 17:00 (1.5 h left), resumed Saturday: Friday's last half hour is re-added.
    assert resume_due(DEFAULT, due, ist(2026, 11, 20, 17), ist(2026, 11, 21, 10), B) == ist(
        2026, 11, 23, 10, 0
    )
    # Paused Friday 17:00, resumed Monday 10:00: 1.5 h from then.
    assert resume_due(DEFAULT, due, ist(2026, 11, 20, 17), ist(2026, 11, 23, 10), B) == ist(
        2026, 11, 23, 11, 30
    )
    # Calendar unit: shifted by the wall-clock length of the hold.
    assert resume_due(DEFAULT, due, ist(2026, 11, 20, 17), ist(2026, 11, 21, 10), C) == ist(
        2026, 11, 24, 2, 30
    )
    # Already overdue at the pause: unchanged.
    assert resume_due(DEFAULT, due, ist(2026, 11, 23, 9, 30), ist(2026, 11, 25), B) == due
    assert resume_due(DEFAULT, due, ist(2026, 11, 24), ist(2026, 11, 25), C) == due


def test_resume_due_with_due_at_opening_time_is_not_pulled_back() -> None:
    due = ist(2026, 11, 23, 8, 30)  # exactly Monday's opening, e.g. a calendar-unit due
    assert resume_due(DEFAULT, due, ist(2026, 11, 21), ist(2026, 11, 22), B) == due


def test_resume_before_pause_rejected() -> None:
    with pytest.raises(ValueError, match="resumed_at"):
        resume_due(DEFAULT, ist(2026, 11, 23, 9), ist(2026, 11, 22), ist(2026, 11, 21), B)


# -- time_left -----------------------------------------------------------------------------


def test_time_left_examples() -> None:
    due = ist(2026, 11, 23, 9, 30)
    assert time_left(DEFAULT, ist(2026, 11, 20, 17), due, B) == timedelta(minutes=90)
    assert time_left(DEFAULT, ist(2026, 11, 20, 17), due, C) == timedelta(hours=64, minutes=30)
    assert time_left(DEFAULT, ist(2026, 11, 24, 9), due, B) == -timedelta(hours=8, minutes=30)
    assert time_left(DEFAULT, due, due, B) == timedelta(0)


@SETTINGS
@given(calendars, units, instants, instants)
def test_time_left_is_antisymmetric(
    cal: WorkCalendar, unit: SlaUnit, a: datetime, b: datetime
) -> None:
    assert time_left(cal, a, b, unit) == -time_left(cal, b, a, unit)
    assert (time_left(cal, a, b, unit) < timedelta(0)) <= (b < a)


# -- fraction_elapsed / threshold_at -------------------------------------------------------


def test_reminder_thresholds_example() -> None:
    start, due = ist(2026, 11, 20, 16, 30), ist(2026, 11, 23, 9, 30)  # 2 business hours
    assert threshold_at(DEFAULT, start, due, 0.0, B) == start
    assert threshold_at(DEFAULT, start, due, 0.5, B) == ist(2026, 11, 20, 17, 30)
    assert threshold_at(DEFAULT, start, due, 0.8, B) == ist(2026, 11, 23, 9, 6)
    assert threshold_at(DEFAULT, start, due, 1.0, B) == due
    assert threshold_at(DEFAULT, start, due, 0.5, C) == ist(2026, 11, 22, 1, 0)
    assert fraction_elapsed(DEFAULT, start, due, ist(2026, 11, 21, 12), B) == 0.5
    assert fraction_elapsed(DEFAULT, start, due, ist(2026, 11, 23, 9, 6), B) == pytest.approx(0.8)
    assert fraction_elapsed(DEFAULT, start, due, ist(2026, 11, 23, 10, 30), B) == 1.5
    assert fraction_elapsed(DEFAULT, start, due, ist(2026, 11, 19), B) == 0.0


def test_degenerate_sla_fraction() -> None:
    sat, sun = ist(2026, 11, 21, 10), ist(2026, 11, 22, 10)  # no working time in between
    assert fraction_elapsed(DEFAULT, sat, sun, ist(2026, 11, 21, 12), B) == 0.0
    assert fraction_elapsed(DEFAULT, sat, sun, sun, B) == 1.0
    assert threshold_at(DEFAULT, sat, sun, 0.5, B) == sat
    assert threshold_at(DEFAULT, sat, sun, 1.0, B) == sun


def test_threshold_rejects_bad_fraction() -> None:
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="fraction"):
            threshold_at(DEFAULT, ist(2026, 11, 20), ist(2026, 11, 23), bad, B)


@SETTINGS
@given(calendars, units, instants, durations.filter(bool), st.floats(0, 2))
def test_threshold_and_fraction_round_trip(
    cal: WorkCalendar, unit: SlaUnit, start: datetime, d: timedelta, f: float
) -> None:
    due = due_at(cal, start, d, unit)
    moment = threshold_at(cal, start, due, f, unit)
    assert u(start) <= moment
    assert (moment <= due) if f <= 1 else (moment >= due)
    assert fraction_elapsed(cal, start, due, moment, unit) == pytest.approx(f, abs=1e-6)
    if unit is B and moment > u(start):
        assert cal.is_working(moment - timedelta(microseconds=1))


@SETTINGS
@given(calendars, units, instants, durations.filter(bool), instants, instants)
def test_fraction_elapsed_is_monotonic(
    cal: WorkCalendar, unit: SlaUnit, start: datetime, d: timedelta, x: datetime, y: datetime
) -> None:
    due = due_at(cal, start, d, unit)
    early, late = sorted((x, y))
    assert fraction_elapsed(cal, start, due, early, unit) >= 0.0
    assert fraction_elapsed(cal, start, due, early, unit) <= fraction_elapsed(
        cal, start, due, late, unit
    )
    assert fraction_elapsed(cal, start, due, due, unit) == 1.0
