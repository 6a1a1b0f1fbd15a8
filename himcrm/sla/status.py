"""How a ticket stands against its SLA, for badges and lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from himcrm.models import Ticket
from himcrm.sla.clock import calendar_for_department
from himcrm.sla.due import SlaUnit, time_left

DUE_SOON_FRACTION = 0.2  # the last fifth of the SLA


@dataclass(frozen=True, slots=True)
class SlaBadge:
    kind: str  # "first_response" | "resolution"
    state: str  # "ok" | "due_soon" | "overdue" | "paused" | "met" | "none"
    due_at: datetime | None
    left: timedelta | None  # business (or calendar) time left; negative when overdue
    unit: SlaUnit


def sla_badges(session: Session, ticket: Ticket, now: datetime) -> list[SlaBadge]:
    topic = ticket.topic_code
    unit = SlaUnit(topic.sla_unit) if topic is not None else SlaUnit.BUSINESS
    calendar = calendar_for_department(session, ticket.department_id)
    badges = []
    for kind, due, done, total_minutes in (
        (
            "first_response",
            ticket.first_response_due_at,
            ticket.first_responded_at,
            topic.first_response_minutes if topic else None,
        ),
        (
            "resolution",
            ticket.resolution_due_at,
            ticket.answered_at,
            topic.resolution_minutes if topic else None,
        ),
    ):
        if due is None:
            badges.append(SlaBadge(kind, "none", None, None, unit))
            continue
        if done is not None:
            badges.append(
                SlaBadge(kind, "met" if done <= due else "overdue", due, due - done, unit)
            )
            continue
        reference = ticket.sla_paused_at or now
        left = time_left(calendar, reference, due, unit)
        if ticket.sla_paused_at is not None:
            state = "paused"
        elif left <= timedelta(0):
            state = "overdue"
        elif total_minutes and left <= timedelta(minutes=total_minutes * DUE_SOON_FRACTION):
            state = "due_soon"
        else:
            state = "ok"
        badges.append(SlaBadge(kind, state, due, left, unit))
    return badges
