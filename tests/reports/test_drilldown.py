"""Drill-down lists: the tickets behind each figure match the figure."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from himcrm.errors import ValidationError
from himcrm.models import Ticket
from himcrm.reports.drilldown import FIGURES, drilldown_query
from himcrm.reports.kpis import compute_report
from himcrm.reports.model import AGE_BUCKETS, Cut, KpiRow
from himcrm.reports.period import Period
from tests.reports.test_kpis import NOVEMBER, NOW, OCTOBER, Scenario, build


@pytest.fixture
def scenario(session: Session) -> Scenario:
    return build(session)


def listed(
    session: Session,
    figure: str,
    *,
    cut: Cut = Cut.TOTAL,
    key: str = "",
    period: Period = OCTOBER,
    department_ids: set[int] | None = None,
) -> set[str]:
    stmt = drilldown_query(
        session, period, cut, key, figure, now=NOW, department_ids=department_ids
    )
    return {t.number for t in session.scalars(stmt)}


def numbers(*tickets: Ticket) -> set[str]:
    return {t.number for t in tickets}


def test_total_lists(session: Session, scenario: Scenario) -> None:
    s = scenario
    assert listed(session, "received") == numbers(s.t1, s.t2, s.t3, s.t4, s.t5)
    assert listed(session, "concluded") == numbers(s.t1, s.t2, s.t3)
    assert listed(session, "sla_met") == numbers(s.t1, s.t3)
    assert listed(session, "sla_missed") == numbers(s.t2)
    assert listed(session, "overdue_now") == numbers(s.t4)
    assert listed(session, "backlog:0-2") == numbers(s.t5)
    assert listed(session, "backlog:8-15") == numbers(s.t4)
    assert listed(session, "backlog:3-7") == set()
    assert listed(session, "reopened") == numbers(s.t3)
    assert listed(session, "transfers") == numbers(s.t2)
    assert listed(session, "received", period=NOVEMBER) == numbers(s.t6)
    assert listed(session, "overdue_now", period=NOVEMBER) == numbers(s.t4, s.t5, s.t6)


def test_rows_and_scope(session: Session, scenario: Scenario) -> None:
    s = scenario
    dept = Cut.DEPARTMENT
    assert listed(session, "received", cut=dept, key="RB") == numbers(s.t2)
    assert listed(session, "transfers", cut=dept, key="RA") == numbers(s.t2)  # where it left
    assert listed(session, "transfers", cut=dept, key="RB") == set()
    assert listed(session, "received", cut=Cut.CHANNEL, key="web") == numbers(s.t3)
    assert listed(session, "concluded", cut=Cut.EMPLOYEE, key="rpt.clerk") == numbers(s.t1)
    assert listed(session, "overdue_now", cut=Cut.TOPIC, key="RPT.C") == numbers(s.t4)
    rb = {s.rb.id}
    assert listed(session, "received", department_ids=rb) == numbers(s.t2)
    assert listed(session, "transfers", department_ids=rb) == numbers(s.t2)
    assert listed(session, "transfers", department_ids={s.ra.id}) == set()
    assert listed(session, "received", department_ids=set()) == set()


def _count(row: KpiRow, figure: str) -> int | None:
    """The figure's number in a row, for figures that count tickets."""
    if figure.startswith("backlog:"):
        return row.backlog_by_age[figure.partition(":")[2]]
    if figure in ("received", "concluded", "overdue_now", "reopened", "transfers"):
        return int(getattr(row, figure))
    return None


@pytest.mark.parametrize("cut", list(Cut))
def test_every_list_matches_its_count(session: Session, scenario: Scenario, cut: Cut) -> None:
    report = compute_report(session, OCTOBER, cut, now=NOW)
    rows = [r for r in report.rows if r.key] + [report.total]
    for kpi_row in rows:
        for figure in FIGURES:
            expected = _count(kpi_row, figure)
            if expected is None:
                continue
            got = listed(session, figure, cut=cut, key=kpi_row.key)
            # Each ticket here was reopened/transferred at most once in October.
            assert len(got) == expected, (cut, kpi_row.key, figure)
    sla = listed(session, "sla_met") | listed(session, "sla_missed")
    assert report.total.sla_met_pct == round(100 * len(listed(session, "sla_met")) / len(sla), 1)
    assert set(AGE_BUCKETS) == {f.partition(":")[2] for f in FIGURES if ":" in f}


def test_unknown_figure(session: Session) -> None:
    with pytest.raises(ValidationError) as caught:
        drilldown_query(session, OCTOBER, Cut.TOTAL, "", "bogus", now=NOW)
    assert caught.value.field == "figure"
