"""The SLA clock of a ticket: start, pause on hold, resume.

Due times are stored absolute (UTC) so the sweep and the inbox can use an
index; pausing and resuming recompute them from the remaining time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from himcrm.models import Ticket, TopicCode
from himcrm.organisation import reference_cache
from himcrm.sla.calendar import WorkCalendar
from himcrm.sla.due import SlaUnit, due_at, resume_due


def calendar_for_department(session: Session, department_id: int | None) -> WorkCalendar:
    """The calendar a department works by: its own, its parent's, or the default."""
    return reference_cache.current(session).calendar_for(department_id)


def start_clock(session: Session, ticket: Ticket, topic: TopicCode, start: datetime) -> None:
    """Set the due times of a ticket from its topic's SLA, counted from ``start``."""
    calendar = calendar_for_department(session, ticket.department_id)
    unit = SlaUnit(topic.sla_unit)
    ticket.sla_started_at = start
    ticket.sla_paused_at = None
    ticket.first_response_due_at = (
        due_at(calendar, start, topic.first_response_minutes, unit)
        if topic.first_response_minutes is not None and ticket.first_responded_at is None
        else ticket.first_response_due_at
    )
    ticket.resolution_due_at = (
        due_at(calendar, start, topic.resolution_minutes, unit)
        if topic.resolution_minutes is not None
        else None
    )
    # The sweep works out which reminder is due from the due times themselves.
    ticket.next_reminder_at = start if ticket.resolution_due_at is not None else None


def business_minutes(session: Session, ticket: Ticket, start: datetime, end: datetime) -> int:
    """Working minutes of the ticket's department between two instants."""
    calendar = calendar_for_department(session, ticket.department_id)
    return int(calendar.between(start, end).total_seconds() // 60)


def record_first_response(session: Session, ticket: Ticket, when: datetime) -> None:
    ticket.first_responded_at = when
    ticket.first_response_business_minutes = business_minutes(
        session, ticket, ticket.created_at, when
    )


def record_resolution(session: Session, ticket: Ticket, when: datetime) -> None:
    """Fix the time to resolution in business minutes, time on hold excluded."""
    ticket.answered_at = when
    total = business_minutes(session, ticket, ticket.created_at, when)
    ticket.resolution_business_minutes = max(total - (ticket.paused_business_minutes or 0), 0)


def pause_clock(ticket: Ticket, now: datetime) -> None:
    if ticket.sla_paused_at is None:
        ticket.sla_paused_at = now
    ticket.next_reminder_at = None  # no reminders while waiting for the citizen


def stop_clock(ticket: Ticket) -> None:
    """The ticket is concluded: nothing more to remind anyone of."""
    ticket.next_reminder_at = None


def resume_clock(session: Session, ticket: Ticket, now: datetime) -> None:
    """Push the due times out by the time the ticket spent on hold."""
    paused_at = ticket.sla_paused_at
    if paused_at is None:
        return
    topic = ticket.topic_code
    unit = SlaUnit(topic.sla_unit) if topic is not None else SlaUnit.BUSINESS
    calendar = calendar_for_department(session, ticket.department_id)
    if ticket.resolution_due_at is not None:
        ticket.resolution_due_at = resume_due(
            calendar, ticket.resolution_due_at, paused_at, now, unit
        )
    if ticket.first_response_due_at is not None and ticket.first_responded_at is None:
        ticket.first_response_due_at = resume_due(
            calendar, ticket.first_response_due_at, paused_at, now, unit
        )
    ticket.paused_business_minutes = (ticket.paused_business_minutes or 0) + int(
        calendar.between(paused_at, now).total_seconds() // 60
    )
    ticket.sla_paused_at = None
    if ticket.resolution_due_at is not None:
        ticket.next_reminder_at = now
