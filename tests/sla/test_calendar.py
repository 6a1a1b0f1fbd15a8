"""Tests for himcrm.sla.calendar (pure; no app or DB fixtures)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from himcrm.sla.calendar import WorkCalendar, turkish_holidays

IST = ZoneInfo("Europe/Istanbul")
BERLIN = ZoneInfo("Europe/Berlin")
US = timedelta(microseconds=1)

DEFAULT = WorkCalendar()
SPLIT = WorkCalendar(
    weekly={
        **{d: ((time(8, 30), time(12, 0)), (time(13, 0), time(17, 30))) for d in range(5)},
        5: ((time(9, 0), time(13, 0)),),
    },
    overrides={
        date(2026, 11, 23): (),  # bridge day off
        date(2026, 11, 29): ((time(10, 0), time(16, 0)),),  # a Sunday made working
        date(2026, 10, 29): ((time(9, 0), time(12, 0)),),  # override beats Republic Day
    },
)
# Night shifts crossing midnight and a full Sunday, in a zone that still has DST.
NIGHT_BERLIN = WorkCalendar(
    timezone="Europe/Berlin",
    public_holidays=False,
    weekly={
        **{d: ((time(0, 0), time(6, 0)), (time(22, 0), time(0, 0))) for d in range(6)},
        6: ((time(0, 0), time(0, 0)),),
    },
)
SPARSE = WorkCalendar(weekly={2: ((time(10, 0), time(12, 0)),)})
ALWAYS = WorkCalendar(always_open=True)

CALENDARS = [DEFAULT, SPLIT, NIGHT_BERLIN, SPARSE, ALWAYS]
calendars = st.sampled_from(CALENDARS)

_any_instant = st.datetimes(
    min_value=datetime(2025, 6, 1),  # noqa: DTZ001 - hypothesis bounds must be naive
    max_value=datetime(2027, 6, 1),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, IST, BERLIN]),
)
# Quarter-hour local instants hit opening/closing boundaries often.
_grid_instant = st.builds(
    lambda d, q: datetime.combine(d, time(0), tzinfo=IST) + timedelta(minutes=15 * q),
    st.dates(min_value=date(2025, 6, 1), max_value=date(2027, 6, 1)),
    st.integers(0, 95),
)
instants = st.one_of(_any_instant, _grid_instant)
minutes = st.one_of(
    st.integers(0, 15_000),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)),
)
SETTINGS = settings(deadline=None, max_examples=150)


def ist(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=IST)


def u(moment: datetime) -> datetime:
    # PEP 495: inter-zone == is always False for local times in a DST gap or fold, so
    # compare instants in UTC.
    return moment.astimezone(UTC)


def as_td(m: int | timedelta) -> timedelta:
    return m if isinstance(m, timedelta) else timedelta(minutes=m)


# -- properties -----------------------------------------------------------------------------


@SETTINGS
@given(calendars, instants, minutes)
def test_add_never_lands_outside_working_time(cal: WorkCalendar, start: datetime, m: int) -> None:
    result = cal.add(start, m)
    assert result.tzinfo is UTC
    if as_td(m) == timedelta(0):
        assert result == u(start)
        return
    assert result > start
    # The result lies in (open, close]: the instant just before it is working time.
    assert cal.is_working(result - US)


@SETTINGS
@given(calendars, instants, minutes)
def test_add_then_between_round_trips(cal: WorkCalendar, start: datetime, m: int) -> None:
    end = cal.add(start, m)
    assert cal.between(cal.next_open(start), end) == as_td(m)
    assert cal.between(start, end) == as_td(m)


@SETTINGS
@given(calendars, instants, minutes, minutes)
def test_add_is_monotonic(cal: WorkCalendar, start: datetime, m1: int, m2: int) -> None:
    d1, d2 = sorted((as_td(m1), as_td(m2)))
    if d1 < d2:
        assert cal.add(start, d1) < cal.add(start, d2)
    else:
        assert cal.add(start, d1) == cal.add(start, d2)


@SETTINGS
@given(calendars, instants, instants, instants)
def test_between_is_additive(cal: WorkCalendar, x: datetime, y: datetime, z: datetime) -> None:
    a, b, c = sorted((x, y, z))
    assert cal.between(a, b) + cal.between(b, c) == cal.between(a, c)
    assert cal.between(c, a) == timedelta(0)


@SETTINGS
@given(calendars, instants)
def test_next_open_is_first_working_instant(cal: WorkCalendar, at: datetime) -> None:
    opened = cal.next_open(at)
    assert opened >= at
    assert cal.is_working(opened)
    assert cal.between(at, opened) == timedelta(0)
    assert (opened == u(at)) == cal.is_working(at)


@SETTINGS
@given(instants, instants, minutes)
def test_always_open_is_wall_clock(a: datetime, b: datetime, m: int) -> None:
    assert ALWAYS.add(a, m) == u(a) + as_td(m)
    assert ALWAYS.between(a, b) == max(u(b) - u(a), timedelta(0))
    assert ALWAYS.is_working(a)
    assert ALWAYS.next_open(a) == u(a)
    # Holidays are ignored.
    assert ALWAYS.between(ist(2026, 10, 29), ist(2026, 10, 30)) == timedelta(hours=24)


# -- concrete examples ---------------------------------------------------------------------


def test_friday_afternoon_rolls_over_weekend() -> None:
    assert DEFAULT.add(ist(2026, 11, 20, 16, 30), 120) == ist(2026, 11, 23, 9, 30)
    assert DEFAULT.add(ist(2026, 11, 20, 16, 30), timedelta(hours=2)) == ist(2026, 11, 23, 9, 30)


def test_result_may_be_exactly_a_closing_time() -> None:
    assert DEFAULT.add(ist(2026, 11, 20, 16, 30), 60) == ist(2026, 11, 20, 17, 30)


def test_fifteen_working_days_across_republic_day() -> None:
    # 26, 27 Oct: 9 h each; 28 Oct eve: 08:30-13:00 = 4.5 h; 29 Oct closed; 30 Oct: 9 h
    # -> 31.5 h; two full weeks -> 121.5 h; 16 Nov -> 130.5 h; 4.5 h more on 17 Nov.
    start = ist(2026, 10, 26, 8, 30)
    assert DEFAULT.add(start, 135 * 60) == ist(2026, 11, 17, 13, 0)
    assert DEFAULT.between(start, ist(2026, 11, 17, 13, 0)) == timedelta(hours=135)


def test_republic_day_eve_is_half_day_and_holiday_closed() -> None:
    assert DEFAULT.intervals_on(date(2026, 10, 28)) == (
        (ist(2026, 10, 28, 8, 30), ist(2026, 10, 28, 13)),
    )
    assert DEFAULT.intervals_on(date(2026, 10, 29)) == ()
    assert not DEFAULT.is_working(ist(2026, 10, 28, 13, 0))
    assert DEFAULT.is_working(ist(2026, 10, 28, 12, 59))
    assert DEFAULT.next_open(ist(2026, 10, 28, 13, 0)) == ist(2026, 10, 30, 8, 30)


def test_ramazan_bayrami_2026() -> None:
    # 19 Mar (Thu) is the eve until 13:00; 20-22 Mar are closed (21-22 are a weekend anyway).
    assert DEFAULT.add(ist(2026, 3, 19, 12, 0), 120) == ist(2026, 3, 23, 9, 30)
    assert DEFAULT.next_open(ist(2026, 3, 19, 14, 0)) == ist(2026, 3, 23, 8, 30)
    assert DEFAULT.between(ist(2026, 3, 19, 0, 0), ist(2026, 3, 23, 0, 0)) == timedelta(hours=4.5)


def test_half_day_drops_afternoon_intervals() -> None:
    assert SPLIT.intervals_on(date(2026, 3, 19)) == (
        (ist(2026, 3, 19, 8, 30), ist(2026, 3, 19, 12)),
    )


def test_full_holiday_wins_over_coinciding_eve() -> None:
    # 2029-04-23 is National Sovereignty Day (full) and also Eid al-Adha eve (half day).
    full, half = turkish_holidays(2029)
    assert date(2029, 4, 23) in full and date(2029, 4, 23) not in half
    assert DEFAULT.intervals_on(date(2029, 4, 23)) == ()


def test_holidays_load_lazily_for_the_whole_range() -> None:
    assert date(2000, 10, 29) in turkish_holidays(2000)[0]
    assert date(2100, 10, 28) in turkish_holidays(2100)[1]
    assert DEFAULT.intervals_on(date(2100, 10, 28)) == (
        (datetime(2100, 10, 28, 8, 30, tzinfo=IST), datetime(2100, 10, 28, 13, tzinfo=IST)),
    )


def test_public_holidays_can_be_disabled() -> None:
    cal = WorkCalendar(public_holidays=False)
    assert cal.intervals_on(date(2026, 10, 29)) == (
        (ist(2026, 10, 29, 8, 30), ist(2026, 10, 29, 17, 30)),
    )


def test_override_closes_a_day() -> None:
    cal = WorkCalendar(overrides={date(2026, 12, 31): ()})
    assert cal.intervals_on(date(2026, 12, 31)) == ()
    assert cal.add(ist(2026, 12, 30, 17, 0), 60) == ist(2027, 1, 4, 9, 0)  # 1 Jan holiday


def test_override_makes_saturday_working() -> None:
    cal = WorkCalendar(overrides={date(2026, 11, 21): ((time(9, 0), time(13, 0)),)})
    assert cal.add(ist(2026, 11, 20, 16, 30), 120) == ist(2026, 11, 21, 10, 0)
    assert cal.is_working(ist(2026, 11, 21, 12, 59))
    assert not cal.is_working(ist(2026, 11, 21, 13, 0))


def test_override_beats_holiday() -> None:
    assert SPLIT.intervals_on(date(2026, 10, 29)) == (
        (ist(2026, 10, 29, 9), ist(2026, 10, 29, 12)),
    )


def test_dst_days_have_23_and_25_hours() -> None:
    def berlin(year: int, month: int, day: int, hour: int = 0) -> datetime:
        return datetime(year, month, day, hour, tzinfo=BERLIN)

    assert NIGHT_BERLIN.between(berlin(2026, 3, 29), berlin(2026, 3, 30)) == timedelta(hours=23)
    assert NIGHT_BERLIN.between(berlin(2026, 10, 25), berlin(2026, 10, 26)) == timedelta(hours=25)
    # 22:00-24:00 Saturday is contiguous with Sunday's 00:00-24:00.
    assert NIGHT_BERLIN.add(berlin(2026, 3, 28, 23), 60 * 10) == berlin(2026, 3, 29, 10)


def test_intervals_are_utc() -> None:
    ((start, end),) = DEFAULT.intervals_on(date(2026, 11, 23))
    assert start == datetime(2026, 11, 23, 5, 30, tzinfo=UTC) and start.tzinfo is UTC
    assert end == datetime(2026, 11, 23, 14, 30, tzinfo=UTC)


def test_zero_minutes_returns_start_even_outside_hours() -> None:
    sat = ist(2026, 11, 21, 3, 0)
    assert DEFAULT.add(sat, 0) == sat
    assert DEFAULT.add(sat, timedelta(0)) == sat


def test_fifteen_working_days_is_fast() -> None:
    import time as clock

    began = clock.perf_counter()
    for _ in range(50):
        DEFAULT.add(ist(2026, 10, 26, 8, 30), 135 * 60)
    assert clock.perf_counter() - began < 1.0


# -- validation ----------------------------------------------------------------------------


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2026, 11, 20, 16, 30)  # noqa: DTZ001
    aware = ist(2026, 11, 20, 16, 30)
    with pytest.raises(ValueError, match="timezone-aware"):
        DEFAULT.add(naive, 10)
    with pytest.raises(ValueError):
        DEFAULT.is_working(naive)
    with pytest.raises(ValueError):
        DEFAULT.next_open(naive)
    with pytest.raises(ValueError):
        DEFAULT.between(naive, aware)
    with pytest.raises(ValueError):
        ALWAYS.between(aware, naive)


def test_negative_minutes_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        DEFAULT.add(ist(2026, 11, 20), -1)
    with pytest.raises(ValueError):
        DEFAULT.add(ist(2026, 11, 20), timedelta(seconds=-1))


@pytest.mark.parametrize(
    ("weekly", "message"),
    [
        ({0: ((time(17), time(9)),)}, "opens at or after"),
        ({0: ((time(9), time(9)),)}, "opens at or after"),
        ({0: ((time(9), time(12)), (time(11), time(14)))}, "overlaps"),
        ({0: ((time(13), time(14)), (time(9), time(12)))}, "sorted"),
        ({7: ((time(9), time(12)),)}, "weekday"),
        ({0: (("09:00", "12:00"),)}, "datetime.time"),
        ({0: ((time(9),),)}, "pair"),
    ],
)
def test_invalid_weekly_rejected(weekly: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkCalendar(weekly=weekly)


def test_invalid_override_and_timezone_rejected() -> None:
    with pytest.raises(ValueError, match="overrides"):
        WorkCalendar(overrides={date(2026, 1, 2): ((time(12), time(9)),)})
    with pytest.raises(ValueError, match="timezone"):
        WorkCalendar(timezone="Mars/Olympus_Mons")


def test_calendar_without_working_time_raises_instead_of_looping() -> None:
    with pytest.raises(ValueError, match="3 years"):
        WorkCalendar(weekly={}).next_open(ist(2026, 1, 1))
    with pytest.raises(ValueError, match="3 years"):
        WorkCalendar(weekly={}).add(ist(2026, 1, 1), 1)


def test_from_json() -> None:
    cal = WorkCalendar.from_json(
        '{"0": [["08:30", "12:00"], ["13:00", "17:30"]], "5": [["22:00", "24:00"]]}',
        timezone="Europe/Istanbul",
        always_open=False,
        public_holidays=True,
        overrides_json={"2026-12-31": [["08:30", "12:00"]], "2026-12-30": []},
    )
    assert cal.weekly[0] == ((time(8, 30), time(12)), (time(13), time(17, 30)))
    assert cal.weekly[5] == ((time(22), time(0)),)
    assert 1 not in cal.weekly
    assert cal.overrides[date(2026, 12, 30)] == ()
    assert cal.intervals_on(date(2026, 11, 21)) == ((ist(2026, 11, 21, 22), ist(2026, 11, 22)),)
    assert WorkCalendar.from_json(None) == DEFAULT
    assert hash(WorkCalendar.from_json(None)) == hash(DEFAULT)


@pytest.mark.parametrize(
    ("weekly_json", "overrides_json"),
    [
        ({"mon": [["08:30", "17:30"]]}, None),
        ({"0": [["8h30", "17:30"]]}, None),
        ({"0": [["17:30", "08:30"]]}, None),
        ({"0": [["08:30"]]}, None),
        (None, {"31/12/2026": []}),
        (None, {"2026-12-31": [["24:00", "12:00"]]}),
    ],
)
def test_from_json_rejects_bad_input(weekly_json: object, overrides_json: object) -> None:
    with pytest.raises(ValueError):
        WorkCalendar.from_json(weekly_json, overrides_json=overrides_json)


def test_calendar_is_immutable() -> None:
    with pytest.raises(AttributeError):
        DEFAULT.timezone = "UTC"  # type: ignore[misc]
    with pytest.raises(TypeError):
        DEFAULT.weekly[6] = ()  # type: ignore[index]


@SETTINGS
@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)), st.integers(0, 3599))
def test_split_calendar_lunch_break_is_not_working(day: date, second: int) -> None:
    at = datetime.combine(day, time(12), tzinfo=IST) + timedelta(seconds=second)
    plain_weekday = (
        day.weekday() < 5
        and day not in SPLIT.overrides
        and not any(day in s for s in turkish_holidays(day.year))
    )
    if plain_weekday:
        assert not SPLIT.is_working(at)
        assert SPLIT.next_open(at) == datetime.combine(day, time(13), tzinfo=IST)
