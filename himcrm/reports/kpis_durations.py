"""Duration percentiles where the database has none (SQLite, the test backend).

PostgreSQL computes them with ``percentile_cont`` in the report's ticket pass
(kpis_figures); here the sorted (key, minutes) column alone is read and the same
continuous percentile is interpolated in Python.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from himcrm.models import Ticket
from himcrm.reports.kpis_sql import key_expr, with_key_joins
from himcrm.reports.model import Cut


def percentiles(
    session: Session, cut: Cut, minutes: Any, where: ColumnElement[bool]
) -> Iterator[tuple[str, tuple[float, float]]]:
    """(key, (median, p90)) in minutes of a business-minutes column, per key with a value."""
    key = key_expr(cut)
    stmt = with_key_joins(sa.select(key, minutes).select_from(Ticket), cut)
    stmt = stmt.where(where, minutes.is_not(None)).order_by(key, minutes)
    values: dict[str, list[float]] = {}
    for k, value in session.execute(stmt):
        values.setdefault(k, []).append(float(value))
    for k, sorted_minutes in values.items():
        yield k, (percentile(sorted_minutes, 0.5), percentile(sorted_minutes, 0.9))


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Like PostgreSQL percentile_cont: linear interpolation between closest ranks."""
    position = fraction * (len(sorted_values) - 1)
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)
