"""The intake service: the one door every channel uses to create a ticket."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from himcrm.citizens.identity import is_mobile
from himcrm.citizens.service import CitizenInput, find_or_create_citizen
from himcrm.errors import ValidationError, parse_choice
from himcrm.models import (
    Call,
    Channel,
    Citizen,
    District,
    EventKind,
    NotificationChannel,
    ReplyChannel,
    Ticket,
    TicketStatus,
    TicketType,
    TopicCode,
    User,
    utcnow,
)
from himcrm.notify.outbox import queue_message
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor
from himcrm.tickets.numbering import next_ticket_number, ticket_year
from himcrm.tickets.reference import find_district, find_leaf_topic
from himcrm.tickets.routing import resolve_department

MAX_DESCRIPTION = 10_000


@dataclass(frozen=True, slots=True)
class TicketInput:
    """What a channel hands to intake. Codes, not ids: channels speak in codes."""

    channel: str
    description: str
    type: str = TicketType.REQUEST.value
    topic_code: str | None = None
    district_code: str | None = None
    neighbourhood: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    external_id: str | None = None
    citizen: CitizenInput = field(default_factory=CitizenInput)
    call_id: int | None = None


@dataclass(frozen=True, slots=True)
class IntakeResult:
    ticket: Ticket
    created: bool  # False: the same (channel, external id) was seen before


@dataclass(frozen=True, slots=True)
class _Checked:
    channel: Channel
    type: TicketType
    description: str
    topic: TopicCode | None
    district: District | None
    external_id: str | None


def create_ticket(
    session: Session,
    data: TicketInput,
    *,
    actor: User | None = None,
    actor_label: str = "",
    now: datetime | None = None,
    timezone: str = "Europe/Istanbul",
) -> IntakeResult:
    """Record a citizen's request; route it and start its SLA when the topic is known.

    Everything happens in the caller's transaction (the request or job boundary
    commits): the citizen, the ticket with its number, the creation and routing
    events, and the outbox row for the acknowledgement. Bad input raises
    :class:`ValidationError` naming the field before anything is written.
    Idempotent per (channel, external id): a replay returns the first ticket.
    """
    when = now or utcnow()
    checked = _check(session, data)

    def insert() -> Ticket:
        return _insert(
            session, data, checked, actor=actor, actor_label=actor_label, when=when, tz=timezone
        )

    if checked.external_id is None:
        # Nothing to race on: no savepoint (two statements fewer per ticket).
        return IntakeResult(insert(), created=True)
    existing = _find_existing(session, checked.channel, checked.external_id)
    if existing is not None:
        return IntakeResult(existing, created=False)
    savepoint = session.begin_nested()
    try:
        ticket = insert()
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        # A concurrent intake of the same external id won the race.
        existing = _find_existing(session, checked.channel, checked.external_id)
        if existing is None:
            raise
        return IntakeResult(existing, created=False)
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    return IntakeResult(ticket, created=True)


def _find_existing(session: Session, channel: Channel, external_id: str) -> Ticket | None:
    return session.scalar(
        sa.select(Ticket).where(Ticket.channel == channel, Ticket.external_id == external_id)
    )


def _check(session: Session, data: TicketInput) -> _Checked:
    channel = parse_choice(
        Channel, data.channel, field="channel", message=_l("Bilinmeyen başvuru kanalı.")
    )
    ticket_type = parse_choice(
        TicketType, data.type, field="type", message=_l("Bilinmeyen başvuru türü.")
    )
    description = (data.description or "").strip()
    if not description:
        raise ValidationError(_l("Başvuru metni boş olamaz."), field="description")
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError(
            _l("Başvuru metni en fazla %(n)s karakter olabilir.", n=MAX_DESCRIPTION),
            field="description",
        )
    external_id = (data.external_id or "").strip() or None
    if external_id is not None and len(external_id) > 128:
        raise ValidationError(_l("Dış kayıt numarası çok uzun."), field="external_id")

    topic = find_leaf_topic(session, data.topic_code) if data.topic_code else None
    district = find_district(session, data.district_code, field="district")

    has_coordinates = _check_coordinates(data.latitude, data.longitude)
    if topic is not None and topic.requires_location:
        if district is None:
            raise ValidationError(_l("Bu konu için ilçe seçilmeli."), field="district")
        if not (data.address.strip() or data.neighbourhood.strip() or has_coordinates):
            raise ValidationError(_l("Bu konu için adres veya konum gerekli."), field="address")

    if data.call_id is not None and session.get(Call, data.call_id) is None:
        raise ValidationError(_l("Bilinmeyen çağrı."), field="call_id")
    return _Checked(channel, ticket_type, description, topic, district, external_id)


def _check_coordinates(lat: float | None, lon: float | None) -> bool:
    if lat is None and lon is None:
        return False
    if lat is None or lon is None:
        raise ValidationError(
            _l("Konum için enlem ve boylam birlikte verilmeli."), field="latitude"
        )
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise ValidationError(_l("Enlem geçersiz."), field="latitude")
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise ValidationError(_l("Boylam geçersiz."), field="longitude")
    return True


def _insert(
    session: Session,
    data: TicketInput,
    checked: _Checked,
    *,
    actor: User | None,
    actor_label: str,
    when: datetime,
    tz: str,
) -> Ticket:
    citizen = (
        None if data.citizen.is_empty else find_or_create_citizen(session, data.citizen, now=when)
    )
    ticket = Ticket(
        number=_provisional_number(),
        tracking_token=secrets.token_urlsafe(24),
        channel=checked.channel,
        external_id=checked.external_id,
        type=checked.type,
        status=TicketStatus.NEW,
        citizen=citizen,
        description=checked.description,
        address=data.address.strip(),
        district=checked.district,
        neighbourhood=data.neighbourhood.strip(),
        latitude=data.latitude,
        longitude=data.longitude,
        call_id=data.call_id,
        created_by=actor,
        created_at=when,
        updated_at=when,
    )
    if checked.topic is not None:
        ticket.priority = checked.topic.priority
    session.add(ticket)
    who = Actor(user=actor, label=actor_label or ("" if actor else checked.channel.value))
    lifecycle.record_event(
        ticket,
        EventKind.CREATED,
        who,
        now=when,
        to_status=TicketStatus.NEW,
        data={"channel": checked.channel.value},
    )
    if checked.topic is not None:
        department = resolve_department(
            session, checked.topic, checked.district.id if checked.district else None
        )
        # Still in memory: routed, due times set, then written with one flush.
        lifecycle.route(ticket, department, who, topic=checked.topic, now=when)
    session.flush()
    # The number last: the year's counter row stays locked until the transaction
    # ends, so everything before this line runs concurrently with other intakes
    # and only the last few statements queue behind each other (issue 9).
    _set_number(session, ticket, next_ticket_number(session, ticket_year(when, tz)))
    _queue_acknowledgement(session, ticket, citizen, when)
    return ticket


def _set_number(session: Session, ticket: Ticket, number: str) -> None:
    """Replace the provisional number with one plain UPDATE.

    Not an ORM flush: the row was inserted by this transaction a moment ago and
    no one else can see it, so there is no version to check or bump.
    """
    table = cast(sa.Table, Ticket.__table__)
    session.execute(
        sa.update(table)
        .where(table.c.id == ticket.id)
        .values(number=number, updated_at=ticket.updated_at)  # not the column's onupdate
    )
    set_committed_value(ticket, "number", number)


def _provisional_number() -> str:
    """A unique stand-in until the real number is taken at the end of the insert.

    Never committed (replaced in the same transaction), never seen by another
    transaction; ``~`` cannot start a real number, and 56 random bits make a
    clash between concurrent intakes negligible.
    """
    return "~" + secrets.token_hex(7)


def _queue_acknowledgement(
    session: Session, ticket: Ticket, citizen: Citizen | None, when: datetime
) -> None:
    """The "we received your request" message, by the citizen's preferred channel."""
    if citizen is None:
        return
    context = {"number": ticket.number, "token": ticket.tracking_token}
    if (
        citizen.phone
        and is_mobile(citizen.phone)
        and citizen.preferred_channel != ReplyChannel.EMAIL
    ):
        channel, recipient = NotificationChannel.SMS, citizen.phone
    elif citizen.email:
        channel, recipient = NotificationChannel.EMAIL, citizen.email
    else:
        return  # a landline and no e-mail: the operator read the number out on the call
    queue_message(
        session,
        key=f"ticket:{ticket.id}:ack",
        channel=channel,
        recipient=recipient,
        template="ticket_created",
        context=context,
        now=when,
        ticket_id=ticket.id,
        citizen_id=citizen.id,
        send_now=True,  # the caller is on the phone: do not wait for the minute sweep
    )
