"""The field team's worklist: open work of its department subtree, nearest first.

Part of :mod:`himcrm.channels.field` (which re-exports it), split off as the
read side: one query for the count, one for the page, ordered in SQL by the
distance from where the team stands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, raiseload

from himcrm.channels.location import in_range
from himcrm.models import Ticket, TicketStatus, User
from himcrm.tickets.inbox_queries import OPEN_PREDICATE
from himcrm.tickets.queries import visible_tickets

PER_PAGE = 20
#: Open work a field team can still do something about (pending approval is the manager's).
WORKABLE = (TicketStatus.ROUTED, TicketStatus.IN_PROGRESS, TicketStatus.ON_HOLD)
_KM_PER_DEGREE = 111.195  # mean Earth radius × π / 180


@dataclass(frozen=True, slots=True)
class WorkItem:
    ticket: Ticket
    distance_km: float | None  # None: no position given, or the ticket has none


@dataclass(frozen=True, slots=True)
class Worklist:
    items: list[WorkItem]
    total: int
    page: int
    pages: int
    sorted_by_distance: bool


def team_worklist(
    session: Session,
    user: User,
    lat: float | None,
    lon: float | None,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Worklist:
    """Open work of the user's department subtree, assigned to them or to nobody.

    With a position, nearest first: the squared equirectangular distance, with
    cos(latitude) computed here and passed as a constant, is plain arithmetic
    that SQLite and PostgreSQL both order by; tickets without coordinates come
    last. Without a position, soonest due first. One query for the count, one
    for the page (topic, district and assignee joined in).
    """
    position = _position(lat, lon)
    base = (
        visible_tickets(session, user)
        .where(OPEN_PREDICATE)  # lets the planner use the open-tickets partial index
        .where(Ticket.status.in_(WORKABLE))
        .where(sa.or_(Ticket.assignee_id == user.id, Ticket.assignee_id.is_(None)))
    )
    total = session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    no_position = sa.case(
        (sa.or_(Ticket.latitude.is_(None), Ticket.longitude.is_(None)), 1), else_=0
    )
    if position is not None:
        here_lat, here_lon = position
        scale = math.cos(math.radians(here_lat))
        d_lat = Ticket.latitude - here_lat
        d_lon = (Ticket.longitude - here_lon) * scale
        order: list[sa.ColumnElement[Any]] = [no_position, d_lat * d_lat + d_lon * d_lon]
    else:
        order = [Ticket.resolution_due_at.is_(None), Ticket.resolution_due_at.asc()]
    stmt = (
        base.options(
            joinedload(Ticket.topic_code),
            joinedload(Ticket.district),
            joinedload(Ticket.assignee),
            raiseload(Ticket.events),
        )
        .order_by(*order, Ticket.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    tickets = list(session.scalars(stmt).unique())
    items = [WorkItem(t, distance_km(position, t) if position else None) for t in tickets]
    return Worklist(items, total, page, pages, sorted_by_distance=position is not None)


def _position(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    if lat is None or lon is None:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and in_range(lat, lon)):
        return None
    return lat, lon


def distance_km(position: tuple[float, float], ticket: Ticket) -> float | None:
    """About how far the ticket is (equirectangular: exact enough within a city)."""
    if ticket.latitude is None or ticket.longitude is None:
        return None
    lat, lon = position
    d_lat = ticket.latitude - lat
    d_lon = (ticket.longitude - lon) * math.cos(math.radians((ticket.latitude + lat) / 2))
    return math.hypot(d_lat, d_lon) * _KM_PER_DEGREE
