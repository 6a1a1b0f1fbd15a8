"""When the call centre connects callers to operators (``HIMCRM_CALL_CENTRE_HOURS``).

HİM's lines (444 40 35, 185) are staffed 24/7, so the default ``24/7`` never
sends a caller to voice mail for the time of day: voice mail is then only for
a caller who asks for it or when no operator can be rung. A municipality with
a day-time call centre sets e.g. ``1-5 08:30-17:30`` (Monday to Friday, Istanbul
time) or ``08:00-20:00`` (every day); a range that ends before it starts runs
over midnight. This is deliberately not the SLA business calendar: that one
says when departments work, not when the phones are answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

_SPEC = re.compile(r"^(?:([1-7])-([1-7]) )?(\d\d):(\d\d)-(\d\d):(\d\d)$")


@dataclass(frozen=True, slots=True)
class CallCentreHours:
    always: bool
    first_day: int = 1  # ISO weekday, 1 = Monday
    last_day: int = 7
    opens: time = time(0, 0)
    closes: time | None = None  # None: midnight at the end of the day

    @classmethod
    def parse(cls, spec: str) -> CallCentreHours:
        """Read the setting (already checked by :mod:`himcrm.config`)."""
        text = " ".join(spec.split())
        if text == "24/7":
            return cls(always=True)
        match = _SPEC.match(text)
        if match is None:
            raise ValueError(f"call centre hours not understood: {spec!r}")
        first, last, oh, om, ch, cm = match.groups()
        closes = None if (ch, cm) == ("24", "00") else time(int(ch), int(cm))
        return cls(
            always=False,
            first_day=int(first or 1),
            last_day=int(last or 7),
            opens=time(int(oh), int(om)),
            closes=closes,
        )

    def is_open(self, when: datetime, timezone: str = "Europe/Istanbul") -> bool:
        if self.always:
            return True
        local = when.astimezone(ZoneInfo(timezone))
        now = local.time().replace(tzinfo=None)
        closes = self.closes
        if closes is None or closes > self.opens:
            in_time = now >= self.opens and (closes is None or now < closes)
            return in_time and self._day_ok(local.isoweekday())
        # Over midnight: the evening belongs to today, the small hours to yesterday.
        if now >= self.opens:
            return self._day_ok(local.isoweekday())
        if now < closes:
            return self._day_ok((local.isoweekday() - 2) % 7 + 1)
        return False

    def _day_ok(self, weekday: int) -> bool:
        if self.first_day <= self.last_day:
            return self.first_day <= weekday <= self.last_day
        return weekday >= self.first_day or weekday <= self.last_day  # e.g. 6-2


__all__ = ["CallCentreHours"]
