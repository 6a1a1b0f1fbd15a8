"""The caller's card: who is behind a phone number, and their tickets.

A family often shares one landline, so a number may name several citizens; the
operator picks the caller or starts a new person. Only what the card shows is
loaded: no kimlik no, no ticket texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.citizens.identity import normalise_phone
from himcrm.models import OPEN_STATUSES, Citizen, District, Ticket, TicketStatus, TopicCode, User
from himcrm.tickets.queries import visible_tickets

MAX_CITIZENS = 10
TICKETS_PER_CITIZEN = 10


@dataclass(frozen=True, slots=True)
class CardTicket:
    number: str
    status: TicketStatus
    topic_code: str | None
    topic_name: str | None
    created_at: datetime

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class CitizenCard:
    id: int
    full_name: str
    phone: str | None
    email: str | None
    district_code: str | None
    district_name: str | None
    neighbourhood: str
    address: str
    preferred_channel: str | None
    tickets: list[CardTicket]
    ticket_count: int  # all visible tickets; ``tickets`` holds the first few


@dataclass(frozen=True, slots=True)
class PhoneLookup:
    phone: str  # E.164
    citizens: list[CitizenCard]


def lookup_by_phone(session: Session, user: User, raw_phone: str) -> PhoneLookup:
    """The citizens on a phone number with their tickets (open first, then newest).

    Raises :class:`~himcrm.errors.ValidationError` (field ``phone``) for a number
    that cannot be read. Tickets are scoped by :func:`visible_tickets`.
    """
    phone = normalise_phone(raw_phone, field="phone")
    rows = session.execute(
        sa.select(
            Citizen.id,
            Citizen.full_name,
            Citizen.phone,
            Citizen.email,
            District.code,
            District.name,
            Citizen.neighbourhood,
            Citizen.address,
            Citizen.preferred_channel,
        )
        .outerjoin(District, District.id == Citizen.district_id)
        .where(Citizen.phone == phone, Citizen.anonymised_at.is_(None))
        .order_by(Citizen.updated_at.desc(), Citizen.id.desc())
        .limit(MAX_CITIZENS)
    ).all()
    tickets = _tickets_of(session, user, [row.id for row in rows])
    cards = [
        CitizenCard(
            id=citizen_id,
            full_name=full_name,
            phone=citizen_phone,
            email=email,
            district_code=district_code,
            district_name=district_name,
            neighbourhood=neighbourhood,
            address=address,
            preferred_channel=channel.value if channel else None,
            tickets=tickets.get(citizen_id, ([], 0))[0],
            ticket_count=tickets.get(citizen_id, ([], 0))[1],
        )
        for (
            citizen_id,
            full_name,
            citizen_phone,
            email,
            district_code,
            district_name,
            neighbourhood,
            address,
            channel,
        ) in rows
    ]
    # The citizen with the most recent open work is most likely the one calling back.
    cards.sort(key=_recency, reverse=True)  # stable: ties keep the newest record first
    return PhoneLookup(phone=phone, citizens=cards)


def _recency(card: CitizenCard) -> tuple[bool, float]:
    if not card.tickets:
        return (False, 0.0)
    latest = card.tickets[0]  # open ones come first, then the newest
    return (latest.is_open, latest.created_at.timestamp())


def _tickets_of(
    session: Session, user: User, citizen_ids: list[int]
) -> dict[int, tuple[list[CardTicket], int]]:
    """Each citizen's first few visible tickets (open first, then newest) and their count."""
    if not citizen_ids:
        return {}
    open_first = sa.case((Ticket.status.in_([s.value for s in OPEN_STATUSES]), 0), else_=1)
    per_citizen = (
        visible_tickets(session, user)
        .with_only_columns(
            Ticket.citizen_id,
            Ticket.number,
            Ticket.status,
            TopicCode.code.label("topic_code"),
            TopicCode.name_tr.label("topic_name"),
            Ticket.created_at,
            sa.func.row_number()
            .over(
                partition_by=Ticket.citizen_id,
                order_by=(open_first, Ticket.created_at.desc(), Ticket.id.desc()),
            )
            .label("position"),
            sa.func.count().over(partition_by=Ticket.citizen_id).label("total"),
            maintain_column_froms=False,
        )
        .select_from(Ticket)
        .outerjoin(TopicCode, TopicCode.id == Ticket.topic_code_id)
        .where(Ticket.citizen_id.in_(citizen_ids))
        .subquery()
    )
    stmt = (
        sa.select(per_citizen)
        .where(per_citizen.c.position <= TICKETS_PER_CITIZEN)
        .order_by(per_citizen.c.citizen_id, per_citizen.c.position)
    )
    found: dict[int, tuple[list[CardTicket], int]] = {}
    for row in session.execute(stmt):
        listed, _ = found.setdefault(row.citizen_id, ([], row.total))
        listed.append(
            CardTicket(
                row.number, TicketStatus(row.status), row.topic_code, row.topic_name, row.created_at
            )
        )
    return found
