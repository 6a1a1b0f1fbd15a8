"""POST requests: a client application files a service request through intake."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.api_keys import authenticate
from himcrm.channels.open311 import params
from himcrm.channels.open311.catalogue import (
    ATTR_DISTRICT,
    ATTR_NEIGHBOURHOOD,
    ATTR_TYPE,
    check_attribute_codes,
    public_service,
    topic_name,
)
from himcrm.citizens.service import CitizenInput
from himcrm.errors import DomainError, NotFound, PermissionDenied, ValidationError
from himcrm.models import (
    SCOPE_OPEN311,
    ApiClient,
    Channel,
    District,
    EventKind,
    Ticket,
    TicketType,
)
from himcrm.text import search_key
from himcrm.tickets import lifecycle
from himcrm.tickets.intake import TicketInput, create_ticket
from himcrm.tickets.lifecycle import Actor

MAX_DESCRIPTION = 4000  # the spec's limit
MAX_IDEMPOTENCY_KEY = 100

#: Intake's field names as the Open311 parameters a client sent.
_FIELD_NAMES = {
    "description": "description",
    "type": f"attribute[{ATTR_TYPE}]",
    "district": f"attribute[{ATTR_DISTRICT}]",
    "address": "address_string",
    "latitude": "lat",
    "longitude": "long",
    "topic_code": "service_code",
    "citizen.phone": "phone",
    "citizen.email": "email",
    "citizen.full_name": "first_name",
}


@dataclass(frozen=True, slots=True)
class Submission:
    """A checked POST, ready for intake; built before anything is written."""

    ticket_input: TicketInput
    media_url: str
    device_id: str
    account_id: str


@dataclass(frozen=True, slots=True)
class Submitted:
    ticket: Ticket
    created: bool
    account_id: str


def authenticate_client(session: Session, api_key: str | None, now: datetime) -> ApiClient:
    """The Open311 client owning ``api_key``, or PermissionDenied (a 403)."""
    if not (api_key or "").strip():
        raise PermissionDenied(_l("Bu alan gerekli."), field="api_key")
    client = authenticate(session, api_key.strip() if api_key else None, SCOPE_OPEN311, now)
    if client is None:
        raise PermissionDenied(
            _l("Anahtar geçersiz ya da Open311 için yetkili değil."), field="api_key"
        )
    return client


def _district_from_address(session: Session, address: str) -> str | None:
    """A district named in the free-text address ("... Konak, İzmir"), if exactly one is."""
    words = set(re.findall(r"\w+", search_key(address)))
    rows = session.execute(sa.select(District.code, District.name))
    found = [code for code, name in rows if search_key(name) in words]
    return found[0] if len(found) == 1 else None


def _single(attrs: Mapping[str, params.AttributeValue], code: str) -> str:
    value = attrs.get(code)
    if value is None:
        return ""
    if value.multiple or len(value.values) > 1:
        raise ValidationError(_l("Bu öznitelik tek değer alır."), field=f"attribute[{code}]")
    return value.values[0]


def _fingerprint(values: Mapping[str, list[str]]) -> str:
    """A digest of everything the client sent except its key: equal means a retry."""
    body = {k: v for k, v in sorted(values.items()) if k not in {"api_key", "jurisdiction_id"}}
    return hashlib.sha256(json.dumps(body, ensure_ascii=False).encode()).hexdigest()


def _location(
    session: Session, one: Mapping[str, str], district: str
) -> tuple[float | None, float | None, str, str]:
    """``lat``/``long``, the address text and the district; one of the first three is required."""
    lat = params.coordinate(one.get("lat"), "lat", limit=90)
    lon = params.coordinate(one.get("long"), "long", limit=180)
    if (lat is None) != (lon is None):
        raise ValidationError(
            _l("lat ve long birlikte verilmeli."), field="long" if lon is None else "lat"
        )
    address = params.first(one, "address_string", max_length=500)
    address_id = params.first(one, "address_id", max_length=64)
    if lat is None and not address and not address_id:
        raise ValidationError(
            _l("Konum gerekli: lat ve long, address_string ya da address_id verin."),
            field="lat",
        )
    if not address and address_id:
        # No master address repository here: staff look the id up by hand.
        address = f"address_id {address_id}"
    if not district and address:
        district = _district_from_address(session, address) or ""
    return lat, lon, address, district


def check_submission(
    session: Session,
    client: ApiClient,
    values: Mapping[str, list[str]],
    *,
    idempotency_key: str | None = None,
) -> Submission:
    """Validate a POST (``values``: each parameter with all its values) before any write."""
    one = {name: items[0] for name, items in values.items() if items}
    for name, items in values.items():
        if len(items) > 1 and not name.startswith("attribute"):
            raise ValidationError(_l("Bu parametre bir kez verilmeli."), field=name[:80])

    code = params.first(one, "service_code", max_length=64)
    if not code:
        raise ValidationError(_l("Bu alan gerekli."), field="service_code")
    topic = public_service(session, code)
    if topic is None:
        raise NotFound(_l("Bilinmeyen hizmet kodu."), field="service_code")

    attrs = params.attributes((name, v) for name, items in values.items() for v in items)
    check_attribute_codes(set(attrs))
    request_type = _single(attrs, ATTR_TYPE) or TicketType.REQUEST.value
    if request_type not in {t.value for t in TicketType}:
        raise ValidationError(_l("Bilinmeyen başvuru türü."), field=f"attribute[{ATTR_TYPE}]")
    district = _single(attrs, ATTR_DISTRICT)
    neighbourhood = params.text(
        _single(attrs, ATTR_NEIGHBOURHOOD), f"attribute[{ATTR_NEIGHBOURHOOD}]", max_length=128
    )

    lat, lon, address, district = _location(session, one, district)
    if topic.requires_location and not district:
        raise ValidationError(
            _l("Bu hizmet için ilçe gerekli."), field=f"attribute[{ATTR_DISTRICT}]"
        )

    description = params.first(one, "description", max_length=MAX_DESCRIPTION, multiline=True)
    media_url = params.first(one, "media_url", max_length=1000)
    if media_url and not media_url.lower().startswith(("http://", "https://")):
        raise ValidationError(_l("http veya https adresi olmalı."), field="media_url")
    first_name = params.first(one, "first_name", max_length=100)
    last_name = params.first(one, "last_name", max_length=100)
    citizen = CitizenInput(
        full_name=f"{first_name} {last_name}".strip(),
        phone=params.first(one, "phone", max_length=40) or None,
        email=params.first(one, "email", max_length=254) or None,
    )
    device_id = params.first(one, "device_id", max_length=128)
    account_id = params.first(one, "account_id", max_length=128)

    key = params.text(idempotency_key, "Idempotency-Key", max_length=MAX_IDEMPOTENCY_KEY)
    external_id = (
        f"{client.key_prefix}:k:{key}" if key else f"{client.key_prefix}:{_fingerprint(values)}"
    )
    # An empty description is allowed by the spec; intake needs one: the service name.
    fallback_description = topic_name(topic, "tr")
    ticket_input = TicketInput(
        channel=Channel.OPEN311.value,
        description=description or fallback_description,
        type=request_type,
        topic_code=topic.code,
        district_code=district or None,
        neighbourhood=neighbourhood,
        address=address,
        latitude=lat,
        longitude=lon,
        external_id=external_id,
        citizen=citizen,
    )
    return Submission(ticket_input, media_url, device_id, account_id)


def submit_request(
    session: Session,
    client: ApiClient,
    values: Mapping[str, list[str]],
    *,
    now: datetime,
    idempotency_key: str | None = None,
    timezone: str = "Europe/Istanbul",
) -> Submitted:
    """File the request through the one intake service; a retry returns the first ticket."""
    submission = check_submission(session, client, values, idempotency_key=idempotency_key)
    label = f"open311:{client.key_prefix}"
    try:
        result = create_ticket(
            session, submission.ticket_input, actor_label=label, now=now, timezone=timezone
        )
    except DomainError as error:
        if error.field in _FIELD_NAMES:
            error.field = _FIELD_NAMES[error.field]
        raise
    if result.created:
        _record_details(result.ticket, submission, Actor(label=label), now)
        session.flush()
    return Submitted(result.ticket, result.created, submission.account_id)


def _record_details(ticket: Ticket, submission: Submission, actor: Actor, now: datetime) -> None:
    """What the client sent beyond the ticket's columns, as a staff-only note.

    ``media_url`` stays text: the server never fetches it (a client-chosen URL is
    an SSRF vector); staff open it in their own browser if they choose to.
    """
    details: dict[str, Any] = {
        name: value
        for name, value in (
            ("media_url", submission.media_url),
            ("device_id", submission.device_id),
            ("account_id", submission.account_id),
        )
        if value
    }
    if not details:
        return
    lifecycle.record_event(
        ticket,
        EventKind.NOTE,
        actor,
        now=now,
        reason="\n".join(f"{name}: {value}" for name, value in details.items()),
        data={"open311": details},
    )


def response(submitted: Submitted, *, locale: str) -> list[dict[str, Any]]:
    """POST requests' answer: the ticket number, its token and what happens next."""
    ticket = submitted.ticket
    with force_locale(locale):
        if ticket.department is not None:
            notice = _l(
                "Başvurunuz %(number)s numarasıyla kaydedildi ve %(department)s birimine iletildi.",
                number=ticket.number,
                department=ticket.department.name,
            )
        else:
            notice = _l(
                "Başvurunuz %(number)s numarasıyla kaydedildi; incelenip ilgili birime iletilecek.",
                number=ticket.number,
            )
        text = str(notice)
    return [
        {
            "service_request_id": ticket.number,
            "token": ticket.tracking_token,
            "service_notice": text,
            "account_id": submitted.account_id or None,
        }
    ]
