"""The reminder sweep: which SLA reminders are due, written to the outbox once each.

DESIGN.md §5: the database, not Redis, is the source of truth. Every minute the
sweep reads only the tickets whose ``next_reminder_at`` has come (an indexed
column), works out the reminder stage each has reached from its due times,
writes one outbox row per recipient under a unique key, and moves
``next_reminder_at`` to the next stage. A second sweep, a duplicated job or a
sweep after Redis lost everything finds the keys already written and the
column already advanced, and writes nothing twice.

Stages: 50% and 80% of the resolution SLA (to the assignee, or the department's
managers when nobody is assigned), the due time (assignee and managers), then
once a day while overdue (the department head). Replies waiting for approval
for 3 business days remind the approvers (once per reply).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from himcrm.models import (
    OPEN_STATUSES,
    Department,
    NotificationChannel,
    Reply,
    ReplyStatus,
    Role,
    Ticket,
    TicketStatus,
    User,
)
from himcrm.notify.outbox import queue_message
from himcrm.sla.calendar import WorkCalendar
from himcrm.sla.clock import calendar_for_department
from himcrm.sla.due import SlaUnit, threshold_at

BATCH = 500
APPROVAL_WAIT_BUSINESS_HOURS = 3 * 9  # three working days of 9 hours
OVERDUE_EVERY = timedelta(days=1)
LOCAL = ZoneInfo("Europe/Istanbul")


@dataclass(frozen=True, slots=True)
class Stage:
    name: str  # "p50", "p80", "due", "overdue"
    at: datetime
    day: date | None = None  # overdue stages repeat daily


@dataclass
class SweepResult:
    tickets: int = 0
    written: int = 0
    approvals: int = 0


def stages(calendar: WorkCalendar, ticket: Ticket, unit: SlaUnit, now: datetime) -> list[Stage]:
    """The reminder stages of a ticket up to the first one after ``now``."""
    start, due = ticket.sla_started_at, ticket.resolution_due_at
    assert start is not None and due is not None
    found = [
        Stage("p50", threshold_at(calendar, start, due, 0.5, unit)),
        Stage("p80", threshold_at(calendar, start, due, 0.8, unit)),
        Stage("due", due),
    ]
    if now >= due:
        days = int((now - due) / OVERDUE_EVERY)
        for k in (days, days + 1):
            if k >= 1:
                at = due + k * OVERDUE_EVERY
                found.append(Stage("overdue", at, at.astimezone(LOCAL).date()))
    else:
        found.append(
            Stage("overdue", due + OVERDUE_EVERY, (due + OVERDUE_EVERY).astimezone(LOCAL).date())
        )
    return sorted(found, key=lambda s: s.at)


def department_contacts(
    session: Session, department_id: int | None
) -> tuple[list[User], list[User]]:
    """(managers, heads) of a department, looking up the tree when it has none."""
    seen: set[int] = set()
    current = session.get(Department, department_id) if department_id else None
    managers: list[User] = []
    heads: list[User] = []
    while current is not None and current.id not in seen and not (managers and heads):
        seen.add(current.id)
        members = session.scalars(
            sa.select(User).where(
                User.department_id == current.id,
                User.active.is_(True),
                User.role == Role.DEPT_MANAGER,
            )
        ).all()
        if not managers:
            managers = [u for u in members if not u.is_department_head] or list(members)
        if not heads:
            heads = [u for u in members if u.is_department_head]
        current = current.parent
    return managers, heads or managers


@dataclass
class _SweepCache:
    """Per-sweep lookups by department: a sweep of thousands of tickets asks a few dozen times."""

    session: Session
    calendars: dict[int | None, WorkCalendar] = field(default_factory=dict)
    contacts: dict[int | None, tuple[list[User], list[User]]] = field(default_factory=dict)

    def calendar(self, department_id: int | None) -> WorkCalendar:
        if department_id not in self.calendars:
            self.calendars[department_id] = calendar_for_department(self.session, department_id)
        return self.calendars[department_id]

    def people(self, department_id: int | None) -> tuple[list[User], list[User]]:
        if department_id not in self.contacts:
            self.contacts[department_id] = department_contacts(self.session, department_id)
        return self.contacts[department_id]


def _recipients(cache: _SweepCache, ticket: Ticket, stage: Stage) -> list[User]:
    assignee = [ticket.assignee] if ticket.assignee is not None and ticket.assignee.active else []
    if stage.name in {"p50", "p80"} and assignee:
        return assignee
    managers, heads = cache.people(ticket.department_id)
    if stage.name in {"p50", "p80"}:
        return managers
    if stage.name == "due":
        return _unique([*assignee, *managers])
    return heads


def _unique(users: Iterable[User]) -> list[User]:
    seen: dict[int, User] = {}
    for user in users:
        seen.setdefault(user.id, user)
    return list(seen.values())


def _address(user: User) -> tuple[NotificationChannel, str] | None:
    if user.phone:
        return NotificationChannel.SMS, user.phone
    if user.email:
        return NotificationChannel.EMAIL, user.email
    return None


def _write(
    session: Session,
    key: str,
    user: User,
    template: str,
    context: Mapping[str, object],
    now: datetime,
    ticket_id: int | None,
) -> int:
    address = _address(user)
    if address is None:
        return 0
    channel, recipient = address
    written = queue_message(
        session,
        key=key,
        channel=channel,
        recipient=recipient,
        template=template,
        context=dict(context),
        now=now,
        ticket_id=ticket_id,
        user_id=user.id,
    )
    return 1 if written is not None else 0


def sweep_reminders(
    session: Session,
    *,
    now: datetime,
    batch: int = BATCH,
    after_batch: Callable[[], None] | None = None,
) -> SweepResult:
    """Write every reminder due at ``now``; safe to run any number of times.

    ``after_batch`` (the job passes ``session.commit``) is called after every
    batch: a backlog of hours after an outage is worked off in committed steps
    instead of one transaction that a job timeout would roll back entirely.
    """
    result = SweepResult()
    cache = _SweepCache(session)
    while True:
        tickets = session.scalars(
            sa.select(Ticket)
            .where(Ticket.next_reminder_at.is_not(None), Ticket.next_reminder_at <= now)
            .order_by(Ticket.next_reminder_at, Ticket.id)
            .limit(batch)
            .options(selectinload(Ticket.assignee), selectinload(Ticket.topic_code))
            .with_for_update(skip_locked=True)
        ).all()
        if not tickets:
            break
        for ticket in tickets:
            result.tickets += 1
            result.written += _remind(session, ticket, now, cache)
        session.flush()
        if after_batch is not None:
            after_batch()
        if len(tickets) < batch:
            break
    result.approvals = _approval_reminders(session, now=now, cache=cache)
    return result


def _remind(session: Session, ticket: Ticket, now: datetime, cache: _SweepCache) -> int:
    if (
        ticket.status not in OPEN_STATUSES
        or ticket.sla_paused_at is not None
        or ticket.resolution_due_at is None
        or ticket.sla_started_at is None
    ):
        ticket.next_reminder_at = None
        return 0
    unit = SlaUnit(ticket.topic_code.sla_unit) if ticket.topic_code else SlaUnit.BUSINESS
    plan = stages(cache.calendar(ticket.department_id), ticket, unit, now)
    reached = [s for s in plan if s.at <= now]
    written = 0
    if reached:
        stage = reached[-1]  # only the most advanced stage: no burst of stale reminders
        cycle = int(ticket.sla_started_at.timestamp())
        suffix = f"{stage.name}:{stage.day.isoformat()}" if stage.day else stage.name
        context = {
            "number": ticket.number,
            "stage": stage.name,
            "due": ticket.resolution_due_at.isoformat(),
        }
        for user in _recipients(cache, ticket, stage):
            key = f"remind:{ticket.id}:{cycle}:{suffix}:{user.id}"
            written += _write(session, key, user, f"reminder_{stage.name}", context, now, ticket.id)
    upcoming = [s for s in plan if s.at > now]
    ticket.next_reminder_at = upcoming[0].at if upcoming else None
    return written


def _approval_reminders(session: Session, *, now: datetime, cache: _SweepCache) -> int:
    """Replies waiting in the approval queue for 3 business days: tell the approvers once."""
    # Three business days are at least three calendar days: a cheap indexed superset.
    waiting = session.scalars(
        sa.select(Reply)
        .join(Ticket, Reply.ticket_id == Ticket.id)
        .where(
            Reply.status == ReplyStatus.SUBMITTED,
            Reply.submitted_at <= now - timedelta(days=3),
            Ticket.status == TicketStatus.PENDING_APPROVAL,
        )
        .options(selectinload(Reply.ticket))
    ).all()
    written = 0
    for reply in waiting:
        ticket = reply.ticket
        calendar = cache.calendar(ticket.department_id)
        assert reply.submitted_at is not None
        if calendar.between(reply.submitted_at, now) < timedelta(
            hours=APPROVAL_WAIT_BUSINESS_HOURS
        ):
            continue
        managers, _heads = cache.people(ticket.department_id)
        for user in managers:
            key = f"approval-wait:{reply.id}:{user.id}"
            written += _write(
                session,
                key,
                user,
                "approval_waiting",
                {"number": ticket.number, "version": reply.version},
                now,
                ticket.id,
            )
    return written
