"""Back-office triage: give unrouted tickets a topic and a department, fold duplicates,
and forward what is outside the municipality's remit.

Every action validates everything first and only then touches the ticket, so a
refused request leaves nothing half-written; the state changes themselves go
through :mod:`himcrm.tickets.lifecycle` (the one state machine) and the
department comes from :func:`himcrm.tickets.routing.resolve_department` (the one
routing function).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, lazyload, selectinload

from himcrm.errors import IllegalTransition, ValidationError
from himcrm.models import (
    Department,
    District,
    EventKind,
    Ticket,
    TicketEvent,
    TicketStatus,
    TopicCode,
    User,
    utcnow,
)
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor
from himcrm.tickets.queries import visible_tickets
from himcrm.tickets.reference import find_district, find_leaf_topic
from himcrm.tickets.routing import resolve_department

MAX_REASON = 2_000


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """Where a ticket would go: what routing resolves, and what the back office chose."""

    topic: TopicCode
    district: District | None
    resolved: Department  # the department the routing rules pick
    target: Department  # where the ticket goes: ``resolved`` unless overridden
    override_reason: str = ""

    @property
    def overridden(self) -> bool:
        return self.target.id != self.resolved.id


def plan_route(
    session: Session,
    ticket: Ticket,
    topic_code: str,
    *,
    district_code: str | None = None,
    department_code: str | None = None,
    override_reason: str = "",
) -> RoutePlan:
    """Validate a routing decision and say where the ticket would go; writes nothing."""
    if "route" not in lifecycle.allowed_actions(ticket):
        raise IllegalTransition(_l("Bu başvuru şu anki durumunda yönlendirilemez."), field="status")
    topic = find_leaf_topic(session, topic_code)
    district = find_district(session, district_code) or ticket.district
    if topic.requires_location and district is None:
        raise ValidationError(_l("Bu konu için ilçe seçilmeli."), field="district_code")
    resolved = resolve_department(session, topic, district.id if district else None)
    target = resolved
    reason = (override_reason or "").strip()
    chosen = (department_code or "").strip().upper()
    if chosen and chosen != resolved.code:
        found = session.scalar(sa.select(Department).where(Department.code == chosen))
        if found is None or not found.is_active:
            raise ValidationError(_l("Bilinmeyen ya da pasif birim."), field="department")
        if not reason:
            raise ValidationError(
                _l("Birimi elle değiştirmek için gerekçe yazılmalı."), field="override_reason"
            )
        if len(reason) > MAX_REASON:
            raise ValidationError(_l("Gerekçe çok uzun."), field="override_reason")
        target = found
    return RoutePlan(topic, district, resolved, target, reason if target is not resolved else "")


def triage_ticket(
    session: Session,
    ticket: Ticket,
    topic_code: str,
    actor: Actor,
    *,
    district_code: str | None = None,
    department_code: str | None = None,
    override_reason: str = "",
    now: datetime | None = None,
) -> RoutePlan:
    """Set the topic (and the district if given) and route the ticket.

    ``department_code`` overrides what the routing rules pick; the reason is then
    required and recorded as a note next to the routing event.
    """
    plan = plan_route(
        session,
        ticket,
        topic_code,
        district_code=district_code,
        department_code=department_code,
        override_reason=override_reason,
    )
    when = now or utcnow()
    if plan.district is not None and plan.district.id != ticket.district_id:
        ticket.district = plan.district
        ticket.district_id = plan.district.id
    lifecycle.route(ticket, plan.target, actor, topic=plan.topic, now=when)
    if plan.overridden:
        lifecycle.record_event(
            ticket,
            EventKind.NOTE,
            actor,
            now=when,
            reason=plan.override_reason,
            data={"route_override": {"resolved": plan.resolved.code, "chosen": plan.target.code}},
        )
        session.flush()
    return plan


def find_original(session: Session, actor: Actor, number: str | None) -> Ticket:
    """The ticket a duplicate is merged into, looked up like any ticket the actor may see."""
    number = (number or "").strip()
    if not number:
        raise ValidationError(_l("Asıl başvurunun numarasını girin."), field="merged_into")
    stmt = (
        visible_tickets(session, actor.user) if actor.user is not None else sa.select(Ticket)
    ).where(Ticket.number == number)
    original = session.scalar(stmt)
    if original is None:
        raise ValidationError(
            _l("Bu numarada bir başvuru bulunamadı."), field="merged_into", number=number
        )
    return original


def merge_duplicate(
    session: Session,
    ticket: Ticket,
    original_number: str,
    actor: Actor,
    *,
    now: datetime | None = None,
) -> Ticket:
    """Fold ``ticket`` into the ticket numbered ``original_number``; returns the original."""
    original = find_original(session, actor, original_number)
    lifecycle.merge(ticket, original, actor, now=now)
    return original


def forward_out_of_scope(
    ticket: Ticket,
    actor: Actor,
    *,
    reason: str,
    institution: str = "",
    now: datetime | None = None,
) -> TicketEvent:
    """Close as outside the municipality's remit, naming where the matter was sent."""
    reason = (reason or "").strip()
    institution = " ".join((institution or "").split())
    if not reason:
        raise ValidationError(_l("Gerekçe yazılmalı."), field="reason")
    if len(reason) + len(institution) > MAX_REASON:
        raise ValidationError(_l("Gerekçe çok uzun."), field="reason")
    text = f"{institution}: {reason}" if institution else reason
    return lifecycle.mark_out_of_scope(ticket, actor, reason=text, now=now)


def reopened_ids(session: Session, ticket_ids: list[int]) -> set[int]:
    """Which of these tickets were reopened by the citizen at some point."""
    if not ticket_ids:
        return set()
    rows = session.scalars(
        sa.select(TicketEvent.ticket_id)
        .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.kind == EventKind.REOPENED)
        .distinct()
    )
    return set(rows)


def triage_queue(session: Session, user: User, *, limit: int = 200) -> tuple[list[Ticket], int]:
    """Tickets waiting for triage (status ``new``), oldest first, and how many there are."""
    waiting = visible_tickets(session, user).where(Ticket.status == TicketStatus.NEW)
    total = session.scalar(sa.select(sa.func.count()).select_from(waiting.subquery())) or 0
    stmt = (
        waiting.options(lazyload(Ticket.events), selectinload(Ticket.district))
        .order_by(Ticket.created_at, Ticket.id)
        .limit(limit)
    )
    return list(session.scalars(stmt)), total
