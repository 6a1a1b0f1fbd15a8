"""The reminder sweep: each reminder written once, only tickets with something due are read."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.models import Notification, Reply, ReplyStatus, Role, Ticket
from himcrm.reports.overdue import queue_monthly_overdue
from himcrm.sla.clock import calendar_for_department
from himcrm.sla.due import SlaUnit
from himcrm.sla.reminders import stages, sweep_reminders
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor
from tests import factories as f


@pytest.fixture
def team(session: Session) -> dict:
    dept = f.department(session, "TREM")
    f.topic(session, "TRM", None, first_response_hours=None, resolution_hours=None)
    f.topic(session, "TRM.X", dept, first_response_hours=9, resolution_hours=45)
    staff = f.staff(session, Role.DEPT_STAFF, dept, "rem.staff")
    manager = f.staff(session, Role.DEPT_MANAGER, dept, "rem.manager")
    head = f.staff(session, Role.DEPT_MANAGER, dept, "rem.head")
    head.is_department_head = True
    for n, user in enumerate((staff, manager, head)):
        user.phone = f"+90555000100{n}"
    session.flush()
    return {"dept": dept, "staff": staff, "manager": manager, "head": head}


def reminders(session: Session, ticket: Ticket) -> list[tuple[str, str]]:
    rows = session.execute(
        sa.select(Notification.template, Notification.recipient)
        .where(Notification.ticket_id == ticket.id, Notification.user_id.is_not(None))
        .order_by(Notification.id)
    ).all()
    return [(template, recipient) for template, recipient in rows]


def plan_times(session: Session, ticket: Ticket, now: datetime) -> dict[str, datetime]:
    calendar = calendar_for_department(session, ticket.department_id)
    return {s.name: s.at for s in stages(calendar, ticket, SlaUnit.BUSINESS, now)}


def test_each_stage_once_to_the_right_people(session: Session, team: dict, now: datetime) -> None:
    ticket = f.ticket(session, topic_code="TRM.X", now=now)
    lifecycle.assign(ticket, team["staff"], Actor(team["manager"]), now=now)
    times = plan_times(session, ticket, now)
    assert times["p50"] < times["p80"] < times["due"] < times["overdue"]
    staff, manager, head = (team[k].phone for k in ("staff", "manager", "head"))

    sweep_reminders(session, now=times["p50"] - timedelta(minutes=1))
    assert reminders(session, ticket) == []
    sweep_reminders(session, now=times["p50"])
    sweep_reminders(session, now=times["p50"] + timedelta(minutes=1))  # a second sweep: nothing new
    assert reminders(session, ticket) == [("reminder_p50", staff)]
    sweep_reminders(session, now=times["p80"])
    sweep_reminders(session, now=times["due"])
    assert reminders(session, ticket)[1:] == [
        ("reminder_p80", staff),
        ("reminder_due", staff),
        ("reminder_due", manager),
    ]
    sweep_reminders(session, now=times["overdue"])
    sweep_reminders(session, now=times["overdue"] + timedelta(hours=1))
    sweep_reminders(session, now=times["overdue"] + timedelta(days=1))
    overdue = [r for r in reminders(session, ticket) if r[0] == "reminder_overdue"]
    assert overdue == [
        ("reminder_overdue", head),
        ("reminder_overdue", head),
    ]  # once a day, to the head


def test_unassigned_tickets_remind_the_managers(
    session: Session, team: dict, now: datetime
) -> None:
    ticket = f.ticket(session, topic_code="TRM.X", now=now)
    sweep_reminders(session, now=plan_times(session, ticket, now)["p50"])
    assert reminders(session, ticket) == [("reminder_p50", team["manager"].phone)]


def test_a_late_sweep_sends_only_the_latest_stage(
    session: Session, team: dict, now: datetime
) -> None:
    ticket = f.ticket(session, topic_code="TRM.X", now=now)
    times = plan_times(session, ticket, now)
    sweep_reminders(
        session, now=times["due"] + timedelta(minutes=5)
    )  # the workers were down for days
    assert {t for t, _ in reminders(session, ticket)} == {"reminder_due"}


def test_paused_and_concluded_tickets_are_not_reminded(
    session: Session, team: dict, now: datetime
) -> None:
    held = f.ticket(session, topic_code="TRM.X", now=now)
    lifecycle.start(held, Actor(team["staff"]), now=now)
    lifecycle.hold(held, Actor(team["staff"]), reason="Vatandaş bilgi verecek", now=now)
    assert held.next_reminder_at is None
    done = f.ticket(session, topic_code="TRM.X", now=now, phone="+905321110055")
    lifecycle.start(done, Actor(team["staff"]), now=now)
    lifecycle.answer(done, Actor(team["manager"]), now=now)
    assert done.next_reminder_at is None
    result = sweep_reminders(session, now=now + timedelta(days=30))
    assert reminders(session, held) == [] and reminders(session, done) == []
    assert held.id not in {
        t.id for t in session.scalars(sa.select(Ticket).where(Ticket.next_reminder_at.is_not(None)))
    }
    assert result.written == 0 or all(
        r.ticket_id not in {held.id, done.id} for r in session.scalars(sa.select(Notification))
    )
    # Resuming puts the ticket back in the sweep, with the due time pushed out.
    lifecycle.resume(held, Actor(team["staff"]), now=now + timedelta(days=2))
    assert held.next_reminder_at == now + timedelta(days=2)


def test_the_sweep_reads_only_tickets_with_a_due_reminder(
    session: Session, team: dict, now: datetime
) -> None:
    tickets = [
        f.ticket(session, topic_code="TRM.X", now=now, phone=f"+90532111{n:04d}") for n in range(5)
    ]
    first = sweep_reminders(session, now=now)  # every new ticket is looked at once
    assert first.tickets >= 5 and first.written == 0
    quiet = sweep_reminders(session, now=now + timedelta(minutes=1))
    assert quiet.tickets == 0  # nothing due: nothing read
    p50 = plan_times(session, tickets[0], now)["p50"]
    assert sweep_reminders(session, now=p50).tickets == 5


def test_replies_waiting_three_business_days_for_approval(
    session: Session, team: dict, now: datetime
) -> None:
    ticket = f.ticket(session, topic_code="TRM.X", now=now)
    lifecycle.start(ticket, Actor(team["staff"]), now=now)
    lifecycle.submit_for_approval(ticket, Actor(team["staff"]), now=now)
    reply = Reply(
        ticket=ticket,
        version=1,
        body="Yanıt",
        status=ReplyStatus.SUBMITTED,
        author_id=team["staff"].id,
        submitted_at=now,
        created_at=now,
    )
    session.add(reply)
    session.flush()
    # Tue 10:00 → Fri 09:00 is 26.5 working hours: not yet three 9-hour working days.
    assert sweep_reminders(session, now=now + timedelta(days=3, hours=-1)).approvals == 0
    # Fri 10:00 is exactly 27 working hours.
    assert sweep_reminders(session, now=now + timedelta(days=3)).approvals >= 1
    assert sweep_reminders(session, now=now + timedelta(days=7)).approvals == 0  # once per reply
    assert ("approval_waiting", team["manager"].phone) in reminders(session, ticket)


def test_monthly_overdue_list_goes_once_to_the_head(
    session: Session, team: dict, now: datetime
) -> None:
    team["head"].email = "baskan@example.org"
    late = f.ticket(session, topic_code="TRM.X", now=now)
    on_time = f.ticket(session, topic_code="TRM.X", now=now, phone="+905321110066")
    lifecycle.start(on_time, Actor(team["staff"]), now=now)
    lifecycle.answer(on_time, Actor(team["manager"]), now=now + timedelta(hours=1))
    assert late.resolution_due_at is not None and late.resolution_due_at.month == 11
    first = queue_monthly_overdue(session, year=2026, month=11, now=now + timedelta(days=20))
    again = queue_monthly_overdue(session, year=2026, month=11, now=now + timedelta(days=20))
    assert first >= 1 and again == 0
    row = session.scalar(
        sa.select(Notification).where(
            Notification.template == "monthly_overdue",
            Notification.recipient == "baskan@example.org",
        )
    )
    assert row is not None and late.number in row.context["numbers"]
    assert on_time.number not in row.context["numbers"]
