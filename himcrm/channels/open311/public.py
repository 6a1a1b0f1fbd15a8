"""GET requests, requests/{id} and tokens/{token}: the public, key-less side.

Anyone may read these, so the output carries no personal data (see the package
docstring for exactly what is shown). Queries are indexed and load the topic,
its department and district in the same statement: no N+1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload, lazyload

from himcrm.channels.open311 import params
from himcrm.channels.open311.catalogue import topic_name
from himcrm.channels.open311.render import w3c_datetime
from himcrm.errors import NotFound, ValidationError
from himcrm.models import OPEN_STATUSES, Channel, Ticket, TicketStatus, TopicCode
from himcrm.tickets.status_labels import STATUS

MAX_RESULTS = 1000
WINDOW = timedelta(days=90)
#: Rounding of published coordinates: 3 decimals is about 110 m north-south
#: (and about 90 m east-west at İzmir's latitude), enough to find a pothole's
#: street, not a front door.
COORDINATE_DECIMALS = 3
_NUMBER = re.compile(r"^\d{4}-\d{1,10}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{16,64}$")

#: ``status_notes``: a fixed text per status. The approved answer itself is not
#: published: it is written to the citizen and may name them or their address.
STATUS_NOTES = {
    **STATUS,
    TicketStatus.MERGED: _l("Mükerrer başvuru birleştirildi"),
    TicketStatus.OUT_OF_SCOPE: _l("Kapsam dışı: ilgili kuruma iletildi"),
}


@dataclass(frozen=True, slots=True)
class RequestQuery:
    """The filters of GET requests, checked."""

    numbers: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: frozenset[str] = frozenset()


def parse_query(values: Mapping[str, str], *, now: datetime, timezone: str) -> RequestQuery:
    """Read GET requests' parameters; defaults: the last 90 days, every status."""
    numbers = params.comma_list(values.get("service_request_id"), "service_request_id")
    for number in numbers:
        if not _NUMBER.match(number):
            raise ValidationError(
                _l("Başvuru numarası 2026-000123 biçiminde olmalı."), field="service_request_id"
            )
    if numbers:
        # "This overrides all other arguments."
        return RequestQuery(numbers=tuple(numbers))
    codes = params.comma_list(values.get("service_code"), "service_code")
    statuses = params.comma_list(values.get("status"), "status")
    for status in statuses:
        if status not in ("open", "closed"):
            raise ValidationError(_l("open veya closed olmalı."), field="status")
    start = params.w3c_datetime(values.get("start_date"), "start_date", timezone=timezone)
    end = params.w3c_datetime(values.get("end_date"), "end_date", timezone=timezone)
    if start is None and end is None:
        end = now
    if start is None:
        assert end is not None
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if start > end:
        raise ValidationError(_l("start_date, end_date'ten sonra olamaz."), field="start_date")
    if end - start > WINDOW:
        raise ValidationError(_l("Tarih aralığı en fazla 90 gün olabilir."), field="end_date")
    return RequestQuery(
        service_codes=tuple(codes), start=start, end=end, statuses=frozenset(statuses)
    )


def _public_tickets() -> sa.Select[tuple[Ticket]]:
    """Tickets filed under a public topic, with what the output needs joined in."""
    return (
        sa.select(Ticket)
        .join(TopicCode, Ticket.topic_code_id == TopicCode.id)
        .where(TopicCode.is_public.is_(True))
        .options(
            joinedload(Ticket.topic_code),
            joinedload(Ticket.department),
            joinedload(Ticket.district),
            lazyload(Ticket.events),  # the history is not published; do not load it
        )
    )


def find_requests(session: Session, query: RequestQuery) -> list[Ticket]:
    """The tickets matching ``query``, newest first, at most 1000."""
    stmt = _public_tickets()
    if query.numbers:
        stmt = stmt.where(Ticket.number.in_(query.numbers))
    else:
        assert query.start is not None and query.end is not None
        stmt = stmt.where(Ticket.created_at >= query.start, Ticket.created_at <= query.end)
        if query.service_codes:
            stmt = stmt.where(TopicCode.code.in_(query.service_codes))
        if query.statuses == {"open"}:
            stmt = stmt.where(Ticket.status.in_(OPEN_STATUSES))
        elif query.statuses == {"closed"}:
            stmt = stmt.where(Ticket.status.not_in(OPEN_STATUSES))
    stmt = stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(MAX_RESULTS)
    return list(session.scalars(stmt).unique())


def find_request(session: Session, number: str) -> Ticket:
    """One public ticket by its number, or NotFound."""
    ticket = None
    if _NUMBER.match(number):
        ticket = session.scalar(_public_tickets().where(Ticket.number == number))
    if ticket is None:
        raise NotFound(_l("Başvuru bulunamadı."), field="service_request_id")
    return ticket


def number_for_token(session: Session, token: str) -> str:
    """tokens/{token}: the number of the Open311 request this token was given for."""
    number = None
    if _TOKEN.match(token):
        number = session.scalar(
            sa.select(Ticket.number).where(
                Ticket.tracking_token == token, Ticket.channel == Channel.OPEN311
            )
        )
    if number is None:
        raise NotFound(_l("Belirteç bulunamadı."), field="token")
    return number


def _location(ticket: Ticket) -> tuple[str, float | None, float | None]:
    parts = [ticket.neighbourhood.strip(), ticket.district.name if ticket.district else ""]
    address = ", ".join(p for p in parts if p)
    if ticket.latitude is None or ticket.longitude is None:
        return address, None, None
    return (
        address,
        round(ticket.latitude, COORDINATE_DECIMALS),
        round(ticket.longitude, COORDINATE_DECIMALS),
    )


def public_request(ticket: Ticket, *, locale: str, timezone: str) -> dict[str, Any]:
    """One ticket as a GeoReport v2 ``request``, stripped of personal data."""
    is_open = ticket.status in OPEN_STATUSES
    address, lat, lon = _location(ticket)
    topic = ticket.topic_code
    with force_locale(locale):
        notes = str(STATUS_NOTES[ticket.status])
    return {
        "service_request_id": ticket.number,
        "status": "open" if is_open else "closed",
        "status_notes": notes,
        "service_name": topic_name(topic, locale) if topic else "",
        "service_code": topic.code if topic else "",
        "description": None,
        "agency_responsible": ticket.department.name if ticket.department else None,
        "service_notice": None,
        "requested_datetime": w3c_datetime(ticket.created_at, timezone),
        "updated_datetime": w3c_datetime(ticket.updated_at, timezone),
        "expected_datetime": w3c_datetime(ticket.resolution_due_at, timezone) if is_open else None,
        "address": address or None,
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": None,
    }
