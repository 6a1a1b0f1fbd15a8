"""KPI figures against a small hand-computed fixture (both backends).

Departments RA and RB work 24/7, so business minutes are wall-clock minutes and
every expected number below can be checked by hand. Times are UTC; Istanbul is
UTC+3 all year, so October 2026 is [Sep 30 21:00, Oct 31 21:00) UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.models import (
    BusinessCalendar,
    Call,
    CallDirection,
    CallStatus,
    Department,
    Role,
    Ticket,
    User,
)
from himcrm.reports.kpis import compute_report, overdue_by_department
from himcrm.reports.model import AGE_BUCKETS, Cut, KpiReport, KpiRow
from himcrm.reports.period import Period
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor
from himcrm.tickets.survey import record_survey
from tests import factories

OCTOBER = Period.month(2026, 10)
NOVEMBER = Period.month(2026, 11)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Scenario:
    ra: Department
    rb: Department
    clerk: User
    t0: Ticket  # September: the previous period
    t1: Ticket  # on hold for 24 h, answered on time (assigned to clerk, satisfaction 4)
    t2: Ticket  # transferred RA → RB mid-period, answered late (satisfaction 3)
    t3: Ticket  # answered, reopened, answered again (web)
    t4: Ticket  # open and overdue at the end of October (topic RPT.C)
    t5: Ticket  # Oct 31 23:59 Istanbul: October, no district
    t6: Ticket  # Nov 1 00:01 Istanbul: November


def build(session: Session) -> Scenario:
    always = session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.code == "24x7"))
    assert always is not None
    ra = factories.department(session, "RA", calendar=always)
    rb = factories.department(session, "RB", calendar=always)
    factories.topic(
        session, "RPT.A", ra, first_response_hours=4, resolution_hours=48, needs_approval=False
    )
    factories.topic(
        session, "RPT.C", ra, first_response_hours=4, resolution_hours=48, needs_approval=False
    )
    clerk = factories.staff(session, Role.DEPT_STAFF, ra, "rpt.clerk")
    boss = Actor(factories.staff(session, Role.DEPT_MANAGER, ra, "rpt.boss"))

    def new(when: datetime, topic: str = "RPT.A", **kw: object) -> Ticket:
        return factories.ticket(session, topic_code=topic, now=when, **kw)  # type: ignore[arg-type]

    t0 = new(at(9, 20, 9))
    lifecycle.answer(t0, boss, now=at(9, 21, 9))

    t1 = new(at(10, 5, 9))
    lifecycle.assign(t1, clerk, boss, now=at(10, 5, 9, 30))
    lifecycle.start(t1, boss, now=at(10, 5, 10))  # first response: 60 min
    lifecycle.hold(t1, boss, reason="Vatandaştan belge bekleniyor", now=at(10, 5, 12))
    lifecycle.resume(t1, boss, now=at(10, 6, 12))  # 1440 min on hold
    lifecycle.answer(t1, boss, now=at(10, 6, 14))  # 29 h - 24 h = 300 min
    record_survey(session, t1, score=4, comment="", via="sms", now=at(10, 7, 9))

    t2 = new(at(10, 10, 8))
    lifecycle.start(t2, boss, now=at(10, 10, 10))  # first response: 120 min
    lifecycle.transfer(t2, rb, boss, reason="Yanlış birim", now=at(10, 12, 8))
    lifecycle.answer(t2, boss, now=at(10, 14, 8))  # 96 h = 5760 min, due Oct 12 08:00
    record_survey(session, t2, score=3, comment="", via="web", now=at(10, 15, 9))

    t3 = new(at(10, 15, 10), channel="web")
    lifecycle.answer(t3, boss, now=at(10, 15, 12))  # first response 120 min
    lifecycle.reopen(t3, boss, reason="Vatandaş memnun değil", now=at(10, 16, 10))
    lifecycle.answer(t3, boss, now=at(10, 17, 10))  # 48 h = 2880 min, due Oct 18 10:00

    t4 = new(at(10, 20, 9), topic="RPT.C")  # due Oct 22 09:00
    t5 = new(at(10, 31, 20, 59), district=None)
    t6 = new(at(10, 31, 21, 1))
    session.flush()
    return Scenario(ra, rb, clerk, t0, t1, t2, t3, t4, t5, t6)


@pytest.fixture
def scenario(session: Session) -> Scenario:
    return build(session)


def row(report: KpiReport, key: str) -> KpiRow:
    found = [r for r in report.rows if r.key == key]
    assert len(found) == 1, (key, [r.key for r in report.rows])
    return found[0]


def test_october_total(session: Session, scenario: Scenario) -> None:
    report = compute_report(session, OCTOBER, Cut.TOTAL, now=NOW)
    assert report.rows == []  # the TOTAL cut has only its total
    total = report.total
    assert total.key == ""
    assert total.received == 5  # t1..t5; t6 is November, t0 September
    assert total.concluded == 3  # t1, t2, t3 (t3 answered twice: once)
    assert total.concluded_pct == 60.0
    assert total.sla_met_pct == 66.7  # t1, t3 on time; t2 late
    assert total.overdue_now == 1  # t4 at Oct 31 21:00
    assert total.backlog_by_age == {"0-2": 1, "3-7": 0, "8-15": 1, "16-30": 0, "31+": 0}
    # First responses 60, 120, 120 min.
    assert (total.first_response_median_h, total.first_response_p90_h) == (2.0, 2.0)
    # Resolutions 300 (hold excluded), 2880 (reopened t3, from creation), 5760 min;
    # p90 = 2880 + 0.8 × (5760 − 2880) = 5184 min.
    assert (total.resolution_median_h, total.resolution_p90_h) == (48.0, 86.4)
    assert total.reopened == 1
    assert total.transfers == 1
    assert total.held_hours is None  # DEPARTMENT cut only
    assert total.satisfaction_avg == 3.5
    assert total.satisfaction_dist == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 0}


def test_department_cut_transfer_and_held_hours(session: Session, scenario: Scenario) -> None:
    report = compute_report(session, OCTOBER, Cut.DEPARTMENT, now=NOW)
    assert [r.key for r in report.rows] == ["RA", "RB"]  # received desc
    ra, rb = row(report, "RA"), row(report, "RB")
    assert ra.label == "Test birimi RA"
    assert (ra.received, rb.received) == (4, 1)  # t2 belongs to RB now
    assert (ra.concluded, rb.concluded) == (2, 1)
    assert (ra.sla_met_pct, rb.sla_met_pct) == (100.0, 0.0)
    assert (ra.transfers, rb.transfers) == (1, 0)  # counted where it left
    # RA: t1 29 h (hold included) + t2 48 h + t3 2 h + 24 h after reopening
    #     + t4 276 h + t5 1 min = 379 h 1 min; RB: t2 Oct 12 08:00 → Oct 14 08:00.
    assert ra.held_hours == 379.02
    assert rb.held_hours == 48.0
    assert report.total.held_hours == 427.02
    assert report.total.received == 5
    assert report.previous_total.held_hours == 24.0  # t0 in September


def test_other_cuts(session: Session, scenario: Scenario) -> None:
    topic = compute_report(session, OCTOBER, Cut.TOPIC, now=NOW)
    assert [(r.key, r.label, r.received) for r in topic.rows] == [
        ("RPT.A", "Test konusu RPT.A", 4),
        ("RPT.C", "Test konusu RPT.C", 1),
    ]
    assert row(topic, "RPT.C").overdue_now == 1

    channel = compute_report(session, OCTOBER, Cut.CHANNEL, now=NOW)
    assert [(r.key, r.label, r.received) for r in channel.rows] == [
        ("phone", "phone", 4),
        ("web", "web", 1),
    ]
    assert row(channel, "web").reopened == 1
    assert row(channel, "phone").transfers == 1

    district = compute_report(session, OCTOBER, Cut.DISTRICT, now=NOW)
    assert [(r.key, r.label, r.received) for r in district.rows] == [
        ("KONAK", "Konak", 4),
        ("", "", 1),
    ]

    employee = compute_report(session, OCTOBER, Cut.EMPLOYEE, now=NOW)
    assert [(r.key, r.label, r.received, r.concluded) for r in employee.rows] == [
        ("", "", 4, 2),
        ("rpt.clerk", "Rpt.Clerk", 1, 1),
    ]
    for report in (topic, channel, district, employee):
        assert sum(r.received for r in report.rows) == report.total.received == 5
        assert sum(r.concluded for r in report.rows) == report.total.concluded == 3
        assert all(r.held_hours is None for r in report.rows)


def test_previous_period_and_month_boundary(session: Session, scenario: Scenario) -> None:
    october = compute_report(session, OCTOBER, Cut.TOTAL, now=NOW)
    previous = october.previous_total
    assert (previous.received, previous.concluded, previous.sla_met_pct) == (1, 1, 100.0)
    assert previous.resolution_median_h == 24.0
    assert previous.overdue_now == 0

    november = compute_report(session, NOVEMBER, Cut.TOTAL, now=NOW)
    assert november.total.received == 1  # t6 only: created 00:01 on Nov 1 Istanbul time
    assert november.previous_total.received == 5
    # Measured at `now` (Nov 20 12:00): t4, t5 and t6 open and past due.
    assert november.total.overdue_now == 3
    assert november.total.backlog_by_age == {
        "0-2": 0,
        "3-7": 0,
        "8-15": 0,
        "16-30": 2,  # t5 (19.6 days), t6
        "31+": 1,  # t4 (31.1 days)
    }
    assert november.total.concluded == 0
    assert november.total.concluded_pct == 0.0


def test_department_scoping(session: Session, scenario: Scenario) -> None:
    rb_only = {scenario.rb.id}
    report = compute_report(session, OCTOBER, Cut.DEPARTMENT, now=NOW, department_ids=rb_only)
    # t2 is RB's now; its transfer is counted for RA, where it came from.
    assert [(r.key, r.received, r.transfers) for r in report.rows] == [("RB", 1, 0), ("RA", 0, 1)]
    assert row(report, "RA").held_hours == 0.0  # RA's own holding is out of scope
    assert (report.total.received, report.total.concluded) == (1, 1)
    assert report.total.transfers == 1
    assert report.total.held_hours == 48.0
    assert report.previous_total.received == 0
    assert report.calls.received == 0 and report.calls.answered_pct is None

    ra_only = compute_report(session, OCTOBER, Cut.TOTAL, now=NOW, department_ids={scenario.ra.id})
    assert (ra_only.total.received, ra_only.total.transfers) == (4, 0)  # t2 left RA
    assert ra_only.total.overdue_now == 1

    none = compute_report(session, OCTOBER, Cut.TOPIC, now=NOW, department_ids=set())
    assert none.rows == [] and none.total.received == 0


def test_calls(session: Session, scenario: Scenario) -> None:
    def call(status: CallStatus, when: datetime, direction: CallDirection) -> None:
        session.add(Call(provider="manual", direction=direction, status=status, started_at=when))

    inbound = CallDirection.INBOUND
    call(CallStatus.ANSWERED, at(10, 3, 9), inbound)
    call(CallStatus.COMPLETED, at(10, 4, 9), inbound)
    call(CallStatus.ABANDONED, at(10, 5, 9), inbound)
    call(CallStatus.VOICEMAIL, at(10, 31, 20, 59), inbound)
    call(CallStatus.ANSWERED, at(10, 6, 9), CallDirection.OUTBOUND)  # not received
    call(CallStatus.ANSWERED, at(9, 30, 20, 59), inbound)  # Sep 30 23:59 Istanbul
    session.flush()
    report = compute_report(session, OCTOBER, Cut.TOTAL, now=NOW)
    calls = report.calls
    assert (calls.received, calls.answered, calls.abandoned, calls.voicemail) == (4, 2, 1, 1)
    assert calls.answered_pct == 50.0
    previous = report.previous_calls
    assert (previous.received, previous.answered, previous.answered_pct) == (1, 1, 100.0)


def test_empty_period_has_zero_total(session: Session) -> None:
    report = compute_report(session, Period.month(2001, 1), Cut.DEPARTMENT, now=NOW)
    assert report.rows == []
    assert report.total.received == 0 and report.total.concluded_pct is None
    assert report.total.backlog_by_age == dict.fromkeys(AGE_BUCKETS, 0)
    assert report.scope == ""


def test_overdue_by_department(session: Session, scenario: Scenario) -> None:
    found = overdue_by_department(session, now=NOW, department_ids={scenario.ra.id})
    assert [(d.code, [t.number for t in tickets]) for d, tickets in found] == [
        ("RA", [scenario.t4.number, scenario.t5.number, scenario.t6.number])
    ]
    assert overdue_by_department(session, now=NOW, department_ids={scenario.rb.id}) == []
    everywhere = overdue_by_department(session, now=NOW)
    assert "RA" in [d.code for d, _ in everywhere]


def test_query_count_does_not_grow_with_tickets(session: Session, scenario: Scenario) -> None:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    def queries(cut: Cut) -> int:
        statements.clear()
        engine = session.get_bind()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            compute_report(session, OCTOBER, cut, now=NOW)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    before = {cut: queries(cut) for cut in Cut}
    other = factories.department(session, "RC")
    factories.topic(session, "RPT.D", other, needs_approval=False)
    for day in range(1, 8):
        factories.ticket(session, topic_code="RPT.D", now=at(10, day, 9), channel="email")
    session.flush()
    assert {cut: queries(cut) for cut in Cut} == before
    # Ten figure queries for the rows, the total and the previous total, a label
    # query and two call queries.
    assert before[Cut.DEPARTMENT] <= 33


def test_answered_in_the_period_and_reopened_after_it_counts(
    session: Session, scenario: Scenario
) -> None:
    """concluded follows the answer events, not the ticket's answered_at now."""
    boss = Actor(factories.staff(session, Role.DEPT_MANAGER, scenario.ra, "rpt.boss3"))
    late = factories.ticket(session, topic_code="RPT.A", now=at(9, 28, 9))  # September
    lifecycle.answer(late, boss, now=at(10, 30, 9))  # answered in October
    lifecycle.reopen(late, boss, reason="Vatandaş memnun değil", now=at(11, 3, 9))
    again = factories.ticket(session, topic_code="RPT.A", now=at(9, 28, 10))
    lifecycle.answer(again, boss, now=at(10, 2, 9))  # October, reopened and answered in November
    lifecycle.reopen(again, boss, reason="Eksik", now=at(11, 2, 9))
    lifecycle.answer(again, boss, now=at(11, 4, 9))
    session.flush()
    october = compute_report(session, OCTOBER, Cut.DEPARTMENT, now=NOW)
    assert october.total.concluded == 5  # t1, t2, t3, late, again
    assert row(october, "RA").concluded == 4
    assert october.total.sla_met_pct == 66.7  # answered_at of late/again is not October's
    november = compute_report(session, NOVEMBER, Cut.TOTAL, now=NOW)
    assert november.total.concluded == 1  # again
    assert november.total.reopened == 2


def test_a_low_score_counts_when_given_although_it_reopens_the_ticket(
    session: Session, scenario: Scenario
) -> None:
    """A 1 reopens the ticket (it is no longer answered), yet October's survey figures keep it."""
    result = record_survey(
        session, scenario.t3, score=1, comment="Sorun devam ediyor", via="sms", now=at(10, 20, 9)
    )
    assert result.reopened
    session.flush()
    total = compute_report(session, OCTOBER, Cut.TOTAL, now=NOW).total
    assert total.satisfaction_dist == {"1": 1, "2": 0, "3": 1, "4": 1, "5": 0}
    assert total.satisfaction_avg == round(8 / 3, 2)
    by_department = compute_report(session, OCTOBER, Cut.DEPARTMENT, now=NOW)
    ra = row(by_department, "RA")
    assert ra.satisfaction_dist["1"] == 1 and ra.satisfaction_dist["4"] == 1
    assert by_department.total.satisfaction_dist == total.satisfaction_dist
    november = compute_report(session, Period.month(2026, 11), Cut.TOTAL, now=NOW).total
    assert november.satisfaction_avg is None  # rated in October, not when answered again
