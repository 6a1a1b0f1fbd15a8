"""Business-calendar arithmetic: when a unit works, and how much working time lies between instants.

Pure module (no Flask, no database). All public methods take timezone-aware datetimes and
return aware datetimes in UTC. Working hours are defined in the calendar's local timezone.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from holidays.constants import HALF_DAY, PUBLIC

__all__ = ["Interval", "WorkCalendar", "as_duration", "turkish_holidays"]

Interval = tuple[time, time]
"""(open, close) in local wall time; close == time(0, 0) means midnight at the end of the day."""

_K = TypeVar("_K")
_V = TypeVar("_V")

_DAY = timedelta(days=1)
_ZERO = timedelta(0)
# A calendar with no working time for this long is treated as misconfigured rather than
# scanned forever.
_MAX_GAP_DAYS = 3 * 366


class _FrozenMap(Mapping[_K, _V]):
    """Read-only, hashable mapping so that WorkCalendar stays immutable and hashable."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[_K, _V]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: _K) -> _V:
        return self._data[key]

    def __iter__(self) -> Iterator[_K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return repr(self._data)


@functools.lru_cache(maxsize=256)
def turkish_holidays(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """Return (full-day holidays, half-day eves) for a year, from the `holidays` package.

    A date that is both a public holiday and an eve (e.g. 2029-04-23) counts as a full holiday.
    """
    full = frozenset(holidays.Turkey(years=year, categories=(PUBLIC,)).keys())
    half = frozenset(holidays.Turkey(years=year, categories=(HALF_DAY,)).keys())
    return full, half - full


def _offset(moment: time) -> timedelta:
    return timedelta(
        hours=moment.hour,
        minutes=moment.minute,
        seconds=moment.second,
        microseconds=moment.microsecond,
    )


def _span(interval: Interval) -> tuple[timedelta, timedelta]:
    """Offsets from local midnight; a closing time of 00:00 means 24:00."""
    o, c = _offset(interval[0]), _offset(interval[1])
    return o, (c if c > _ZERO else _DAY)


def _normalise_intervals(raw: Any, where: str) -> tuple[Interval, ...]:
    """Validate a sequence of (open, close) pairs and return them as a tuple of tuples."""
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        raise ValueError(f"{where}: intervals must be a sequence of (open, close) pairs")
    result: list[Interval] = []
    previous_close: timedelta | None = None
    for item in raw:
        if isinstance(item, str | bytes) or not isinstance(item, Sequence) or len(item) != 2:
            raise ValueError(f"{where}: interval {item!r} is not an (open, close) pair")
        opening, closing = item
        if not isinstance(opening, time) or not isinstance(closing, time):
            raise ValueError(f"{where}: interval {item!r} must consist of datetime.time values")
        if opening.tzinfo is not None or closing.tzinfo is not None:
            raise ValueError(f"{where}: interval times must be naive local times")
        o, c = _span((opening, closing))
        if o >= c:
            raise ValueError(f"{where}: interval {opening}-{closing} opens at or after it closes")
        if previous_close is not None and o < previous_close:
            raise ValueError(
                f"{where}: interval {opening}-{closing} overlaps or precedes the previous one "
                "(intervals must be sorted and non-overlapping)"
            )
        previous_close = c
        result.append((opening, closing))
    return tuple(result)


def _parse_time(text: Any, where: str, *, closing: bool) -> time:
    if not isinstance(text, str):
        raise ValueError(f"{where}: time {text!r} must be a 'HH:MM' string")
    if closing and text in ("24:00", "24:00:00"):
        return time(0, 0)
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{where}: invalid time {text!r}") from None


def _parse_json_intervals(raw: Any, where: str) -> tuple[Interval, ...]:
    if not isinstance(raw, list | tuple):
        raise ValueError(f"{where}: expected a list of [open, close] pairs, got {raw!r}")
    pairs: list[Interval] = []
    for item in raw:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise ValueError(f"{where}: interval {item!r} is not an [open, close] pair")
        pairs.append(
            (_parse_time(item[0], where, closing=False), _parse_time(item[1], where, closing=True))
        )
    return tuple(pairs)


def _load_json(raw: Any) -> Any:
    return json.loads(raw) if isinstance(raw, str | bytes) else raw


def _to_utc(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment!r}")
    return moment.astimezone(UTC)


def as_duration(amount: float | timedelta, name: str = "minutes") -> timedelta:
    """Convert minutes (int/float) or a timedelta into a non-negative timedelta."""
    if isinstance(amount, bool):
        raise TypeError(f"{name} must be a number of minutes or a timedelta, not bool")
    if isinstance(amount, timedelta):
        delta = amount
    elif isinstance(amount, int | float):
        delta = timedelta(minutes=amount)
    else:
        raise TypeError(f"{name} must be a number of minutes or a timedelta")
    if delta < _ZERO:
        raise ValueError(f"{name} must not be negative, got {amount!r}")
    return delta


def _default_weekly() -> Mapping[int, tuple[Interval, ...]]:
    hours = ((time(8, 30), time(17, 30)),)
    return _FrozenMap({weekday: hours for weekday in range(5)})


def _empty_overrides() -> Mapping[date, tuple[Interval, ...]]:
    return _FrozenMap({})


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """When a unit works: weekly hours, Turkish public holidays, and per-date overrides.

    Precedence for a local date: `always_open` (every minute works) > `overrides` >
    full public holiday (closed) > half-day eve (weekly hours clipped at `half_day_close`)
    > `weekly`. Weekdays missing from `weekly` are closed.
    """

    timezone: str = "Europe/Istanbul"
    weekly: Mapping[int, tuple[Interval, ...]] = field(default_factory=_default_weekly)
    always_open: bool = False
    public_holidays: bool = True
    half_day_close: time = time(13, 0)
    overrides: Mapping[date, tuple[Interval, ...]] = field(default_factory=_empty_overrides)
    _tz: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        try:
            tz = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {self.timezone!r}") from None
        object.__setattr__(self, "_tz", tz)

        weekly: dict[int, tuple[Interval, ...]] = {}
        for key, raw in dict(self.weekly).items():
            if isinstance(key, bool) or not isinstance(key, int) or not 0 <= key <= 6:
                raise ValueError(f"weekly: weekday key {key!r} must be an int 0 (Mon)..6 (Sun)")
            weekly[key] = _normalise_intervals(raw, f"weekly[{key}]")
        object.__setattr__(self, "weekly", _FrozenMap(weekly))

        overrides: dict[date, tuple[Interval, ...]] = {}
        for day, raw in dict(self.overrides).items():
            if isinstance(day, datetime) or not isinstance(day, date):
                raise ValueError(f"overrides: key {day!r} must be a datetime.date")
            overrides[day] = _normalise_intervals(raw, f"overrides[{day.isoformat()}]")
        object.__setattr__(self, "overrides", _FrozenMap(overrides))

        if not isinstance(self.half_day_close, time) or self.half_day_close.tzinfo is not None:
            raise ValueError("half_day_close must be a naive datetime.time")

    @classmethod
    def from_json(
        cls,
        weekly_json: Any = None,
        *,
        timezone: str = "Europe/Istanbul",
        always_open: bool = False,
        public_holidays: bool = True,
        overrides_json: Any = None,
        half_day_close: time = time(13, 0),
    ) -> WorkCalendar:
        """Build from JSON-friendly data (dicts, or the JSON text itself).

        weekly_json: {"0": [["08:30", "17:30"]], ...}; missing weekdays are closed; None
        means the default Mon-Fri 08:30-17:30. overrides_json: {"2026-12-31": [["08:30",
        "12:00"]], "2026-12-30": []}. A closing time of "24:00" means end of day.
        """
        weekly_raw = _load_json(weekly_json)
        overrides_raw = _load_json(overrides_json) or {}
        if not isinstance(overrides_raw, Mapping):
            raise ValueError("overrides_json must be an object keyed by ISO date")
        weekly: dict[int, tuple[Interval, ...]] = {}
        if weekly_raw is not None:
            if not isinstance(weekly_raw, Mapping):
                raise ValueError("weekly_json must be an object keyed by weekday '0'..'6'")
            for key, raw in weekly_raw.items():
                try:
                    weekday = int(key)
                except (TypeError, ValueError):
                    raise ValueError(f"weekly: weekday key {key!r} is not an integer") from None
                weekly[weekday] = _parse_json_intervals(raw, f"weekly[{key}]")
        overrides: dict[date, tuple[Interval, ...]] = {}
        for key, raw in overrides_raw.items():
            try:
                day = date.fromisoformat(key)
            except (TypeError, ValueError):
                raise ValueError(f"overrides: key {key!r} is not an ISO date") from None
            overrides[day] = _parse_json_intervals(raw, f"overrides[{key}]")
        return cls(
            timezone=timezone,
            weekly=weekly if weekly_raw is not None else _default_weekly(),
            always_open=always_open,
            public_holidays=public_holidays,
            half_day_close=half_day_close,
            overrides=overrides,
        )

    # -- per-day structure -------------------------------------------------------------

    def _local_spans(self, day: date) -> list[tuple[timedelta, timedelta]]:
        if day in self.overrides:
            return [_span(iv) for iv in self.overrides[day]]
        spans = [_span(iv) for iv in self.weekly.get(day.weekday(), ())]
        if self.public_holidays and spans:
            full, half = turkish_holidays(day.year)
            if day in full:
                return []
            if day in half:
                cut = _offset(self.half_day_close)
                spans = [(o, min(c, cut)) for o, c in spans if o < cut]
        return spans

    def _local_to_utc(self, day: date, offset: timedelta) -> datetime:
        # Naive wall-clock arithmetic first, so that 24:00 rolls over to the next date;
        # fold=0 resolves DST gaps/repeats consistently.
        wall = datetime.combine(day, time(0)) + offset
        return wall.replace(tzinfo=self._tz).astimezone(UTC)

    def intervals_on(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """Working intervals of a local date as half-open [start, end) pairs in UTC."""
        day_start = self._local_to_utc(day, _ZERO)
        day_end = self._local_to_utc(day, _DAY)
        if self.always_open:
            return ((day_start, day_end),)
        result: list[tuple[datetime, datetime]] = []
        # Clipping to the local day keeps the intervals of consecutive dates disjoint and
        # ordered even around DST transitions.
        for o, c in self._local_spans(day):
            start = max(self._local_to_utc(day, o), day_start)
            end = min(self._local_to_utc(day, c), day_end)
            if start >= end:
                continue
            if result and start <= result[-1][1]:
                result[-1] = (result[-1][0], max(end, result[-1][1]))
            else:
                result.append((start, end))
        return tuple(result)

    def _local_date(self, moment_utc: datetime) -> date:
        return moment_utc.astimezone(self._tz).date()

    def _intervals_from(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals after `at` (UTC), the first one clipped to start at `at`."""
        day = self._local_date(at)
        last_found = day
        while True:
            for start, end in self.intervals_on(day):
                if end > at:
                    last_found = day
                    yield max(start, at), end
            if (day - last_found).days > _MAX_GAP_DAYS:
                raise ValueError(
                    f"calendar has no working time for over 3 years after {at.isoformat()}"
                )
            day += _DAY

    # -- queries -----------------------------------------------------------------------

    def is_working(self, at: datetime) -> bool:
        """True if `at` lies in a working interval [open, close)."""
        moment = _to_utc(at, "at")
        if self.always_open:
            return True
        return any(s <= moment < e for s, e in self.intervals_on(self._local_date(moment)))

    def next_open(self, at: datetime) -> datetime:
        """`at` (in UTC) if working, else the start of the next working interval."""
        moment = _to_utc(at, "at")
        if self.always_open:
            return moment
        return next(self._intervals_from(moment))[0]

    def add(self, start: datetime, minutes: float | timedelta) -> datetime:
        """Add working time to `start`; the result lies in (open, close] of some interval.

        Zero returns `start` itself (converted to UTC), even outside working time.
        """
        moment = _to_utc(start, "start")
        remaining = as_duration(minutes)
        if remaining == _ZERO:
            return moment
        if self.always_open:
            return moment + remaining
        for begin, end in self._intervals_from(moment):
            available = end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable: _intervals_from never ends without raising")

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in [a, b); zero if b <= a."""
        lo = _to_utc(a, "a")
        hi = _to_utc(b, "b")
        if hi <= lo:
            return _ZERO
        if self.always_open:
            return hi - lo
        total = _ZERO
        day = self._local_date(lo)
        last_day = self._local_date(hi)
        while day <= last_day:
            for start, end in self.intervals_on(day):
                overlap = min(end, hi) - max(start, lo)
                if overlap > _ZERO:
                    total += overlap
            day += _DAY
        return total
