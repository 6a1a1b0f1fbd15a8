"""The shape of a KPI report: what the KPI service computes and exports/screens render.

Plain data (dataclasses with JSON round-trip) so a report can be stored, e-mailed,
exported and compared with the previous period without touching the database again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from himcrm.reports.period import Period

AGE_BUCKETS = ("0-2", "3-7", "8-15", "16-30", "31+")  # days open, for the backlog


class Cut(StrEnum):
    """What a report's rows are: one row per department, topic code, ..."""

    TOTAL = "total"
    DEPARTMENT = "department"
    TOPIC = "topic"
    CHANNEL = "channel"
    DISTRICT = "district"
    EMPLOYEE = "employee"


@dataclass
class KpiRow:
    key: str  # department/topic code, channel value, district code, username; "" for the total
    label: str
    received: int = 0  # created in the period
    concluded: int = 0  # answered in the period
    concluded_pct: float | None = None  # concluded of received (İzmir's "share concluded")
    sla_met_pct: float | None = None  # of those concluded in the period, answered by the due time
    overdue_now: int = 0  # open and past the resolution due time at the end of the period
    backlog_by_age: dict[str, int] = field(default_factory=dict)  # AGE_BUCKETS → open tickets
    first_response_median_h: float | None = None  # business hours
    first_response_p90_h: float | None = None
    resolution_median_h: float | None = None  # business hours, time on hold excluded
    resolution_p90_h: float | None = None
    reopened: int = 0  # reopen events in the period
    transfers: int = 0  # transfer events in the period
    held_hours: float | None = (
        None  # hours the department held tickets in the period (DEPARTMENT cut)
    )
    satisfaction_avg: float | None = None
    satisfaction_dist: dict[str, int] = field(default_factory=dict)  # "1".."5" → count


@dataclass
class CallKpis:
    received: int = 0
    answered: int = 0
    answered_pct: float | None = None
    abandoned: int = 0
    voicemail: int = 0


@dataclass
class KpiReport:
    period: Period
    cut: Cut
    rows: list[KpiRow]
    total: KpiRow
    previous_total: KpiRow  # the same figures for the previous period, for comparison
    calls: CallKpis
    previous_calls: CallKpis
    scope: str = ""  # what the reader may see, e.g. a department name; "" = everything

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["period"] = {
            "kind": self.period.kind,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "label": self.period.label,
        }
        data["cut"] = self.cut.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KpiReport:
        from datetime import datetime

        p = data["period"]
        period = Period(
            p["kind"],
            datetime.fromisoformat(p["start"]),
            datetime.fromisoformat(p["end"]),
            p["label"],
        )
        return cls(
            period=period,
            cut=Cut(data["cut"]),
            rows=[KpiRow(**row) for row in data["rows"]],
            total=KpiRow(**data["total"]),
            previous_total=KpiRow(**data["previous_total"]),
            calls=CallKpis(**data["calls"]),
            previous_calls=CallKpis(**data["previous_calls"]),
            scope=data.get("scope", ""),
        )
