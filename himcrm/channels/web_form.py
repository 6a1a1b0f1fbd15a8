"""The public web form: a citizen's request, checked field by field, into the intake service.

Every field is checked before anything is written, and every problem is
reported at once (:class:`FormInvalid` carries one message per form field),
so the citizen fixes the form in one go. Only public, active leaf topics are
offered and accepted. The form carries a random submission id (a UUID made when
the form was shown); it becomes the ticket's external id, so a resubmit or a
double click returns the ticket already recorded instead of a second one.

Bots: the form has a honeypot field (``website``) that people never see and
so leave empty. A filled honeypot records nothing, and the caller answers it
exactly like a success, so the bot learns nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from himcrm.channels.location import parse_position
from himcrm.channels.public_media import CleanPhoto, Upload, clean_photos, store_photos
from himcrm.citizens.identity import normalise_phone
from himcrm.citizens.service import CitizenInput
from himcrm.errors import DomainError, FormInvalid, ValidationError
from himcrm.models import (
    Notification,
    NotificationChannel,
    Ticket,
    TicketType,
    TopicCode,
    utcnow,
)
from himcrm.tickets.intake import MAX_DESCRIPTION, TicketInput, create_ticket
from himcrm.tickets.lifecycle import Actor
from himcrm.tickets.reference import find_district

CHANNEL = "web"
MAX_NAME = 200
MAX_NEIGHBOURHOOD = 128  # the column's length
MAX_ADDRESS = 500
MAX_EMAIL = 254

#: Service error fields (intake, citizens) → the form field they belong next to.
_ERROR_FIELDS = {
    "citizen.phone": "phone",
    "citizen.email": "email",
    "citizen.full_name": "full_name",
    "citizen.district": "district",
    "topic_code": "topic",
    "district_code": "district",
    "external_id": "_form",
    "channel": "_form",
    "call_id": "_form",
}


@dataclass(frozen=True, slots=True)
class WebForm:
    """The form's fields as typed (strings), plus the consent box and the honeypot."""

    submission_id: str = ""
    topic: str = ""
    type: str = TicketType.REQUEST.value
    description: str = ""
    district: str = ""
    neighbourhood: str = ""
    address: str = ""
    latitude: str = ""
    longitude: str = ""
    full_name: str = ""
    phone: str = ""
    email: str = ""
    kvkk_consent: bool = False
    website: str = ""  # the honeypot: people leave it empty


@dataclass(frozen=True, slots=True)
class WebFormResult:
    ticket: Ticket | None  # None: the honeypot was filled and nothing was recorded
    created: bool  # False for a resubmit (or a trapped bot)
    acknowledgement: NotificationChannel | None  # how the number and link are sent, if at all

    @property
    def trapped(self) -> bool:
        return self.ticket is None


@dataclass(frozen=True, slots=True)
class TopicOption:
    code: str
    name_tr: str
    name_en: str
    group_tr: str
    group_en: str


def new_submission_id() -> str:
    return str(uuid.uuid4())


def public_topics(session: Session) -> list[TopicOption]:
    """The topics a citizen may choose: active, public leaves under active, public groups."""
    rows = session.scalars(
        sa.select(TopicCode)
        .options(selectinload(TopicCode.children), selectinload(TopicCode.parent))
        .where(TopicCode.is_active.is_(True), TopicCode.is_public.is_(True))
        .order_by(TopicCode.code)
    ).all()
    options = []
    for topic in rows:
        if not _offered(topic):
            continue
        group = topic.parent
        options.append(
            TopicOption(
                code=topic.code,
                name_tr=topic.name_tr,
                name_en=topic.name_en or topic.name_tr,
                group_tr=group.name_tr if group else "",
                group_en=(group.name_en or group.name_tr) if group else "",
            )
        )
    return options


def _offered(topic: TopicCode) -> bool:
    return topic.is_leaf and all(t.is_active and t.is_public for t in topic.ancestors_and_self())


def submit_web_form(
    session: Session,
    form: WebForm,
    uploads: Sequence[Upload] = (),
    *,
    upload_root: Path,
    now: datetime | None = None,
) -> WebFormResult:
    """Check the form and its photos, record the ticket and store the photos.

    Raises :class:`FormInvalid` (every wrong field at once) before anything is
    written. Runs in the caller's transaction; the caller commits.
    """
    when = now or utcnow()
    form = _without_nul(form)
    if form.website.strip():
        return WebFormResult(None, created=False, acknowledgement=None)
    errors: dict[str, Any] = {}
    data = _check(session, form, errors)
    photos: list[CleanPhoto] = []
    try:
        photos = clean_photos(uploads)
    except ValidationError as error:
        errors["photos"] = error.message
    if errors or data is None:
        raise FormInvalid(errors)

    try:
        result = create_ticket(session, data, now=when)
    except DomainError as error:
        field = _ERROR_FIELDS.get(error.field or "", error.field or "_form")
        if field not in {f.name for f in fields(WebForm)} | {"photos"}:
            field = "_form"  # shown on top of the form rather than next to nothing
        raise FormInvalid({field: error.message}) from None
    ticket = result.ticket
    if result.created and photos:
        store_photos(session, ticket, Actor(label="citizen"), photos, root=upload_root, now=when)
    return WebFormResult(
        ticket, created=result.created, acknowledgement=_acknowledgement(session, ticket)
    )


def _without_nul(form: WebForm) -> WebForm:
    """NUL characters removed: PostgreSQL text cannot hold them, and no person types one."""
    changes: dict[str, Any] = {
        field.name: value.replace("\x00", "")
        for field in fields(form)
        if isinstance(value := getattr(form, field.name), str) and "\x00" in value
    }
    return replace(form, **changes) if changes else form


def _acknowledgement(session: Session, ticket: Ticket) -> NotificationChannel | None:
    """The channel of the "we received your request" message intake queued, if any."""
    return session.scalar(
        sa.select(Notification.channel)
        .where(Notification.ticket_id == ticket.id, Notification.template == "ticket_created")
        .limit(1)
    )


def _check(session: Session, form: WebForm, errors: dict[str, Any]) -> TicketInput | None:
    """Every field's own rules; fills ``errors`` and returns the intake input when clean."""
    submission_id = valid_submission_id(form.submission_id)
    if submission_id is None:
        errors["_form"] = _l("Form geçersiz ya da eski; lütfen formu yeniden gönderin.")

    topic = _topic(session, form.topic)
    if topic is None:
        errors["topic"] = _l("Listeden bir konu seçin.")
    if form.type not in {t.value for t in TicketType}:
        errors["type"] = _l("Listeden bir başvuru türü seçin.")

    description = form.description.strip()
    if not description:
        errors["description"] = _l("Başvurunuzu birkaç cümleyle anlatın.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _l(
            "Başvuru metni en fazla %(n)s karakter olabilir.", n=MAX_DESCRIPTION
        )

    district_code = form.district.strip().upper()
    if not district_code:
        errors["district"] = _l("İlçe seçin.")
    else:
        try:
            find_district(session, district_code, field="district")
        except ValidationError:
            errors["district"] = _l("Listeden bir ilçe seçin.")
    if len(form.neighbourhood.strip()) > MAX_NEIGHBOURHOOD:
        errors["neighbourhood"] = _l(
            "Mahalle adı en fazla %(n)s karakter olabilir.", n=MAX_NEIGHBOURHOOD
        )
    if len(form.address.strip()) > MAX_ADDRESS:
        errors["address"] = _l("Adres en fazla %(n)s karakter olabilir.", n=MAX_ADDRESS)
    latitude, longitude = _coordinates(form.latitude, form.longitude, errors)

    name = " ".join(form.full_name.split())
    if not name:
        errors["full_name"] = _l("Adınızı ve soyadınızı yazın.")
    elif len(name) > MAX_NAME:
        errors["full_name"] = _l("Ad soyad en fazla %(n)s karakter olabilir.", n=MAX_NAME)
    phone = form.phone.strip()
    if phone:
        try:
            normalise_phone(phone, field="phone")
        except ValidationError as error:
            errors["phone"] = error.message
    email = form.email.strip()
    if email and not _plausible_email(email):
        errors["email"] = _l("E-posta adresi geçersiz.")
    if not phone and not email and "phone" not in errors:
        errors["phone"] = _l("Size yanıt verebilmemiz için telefon veya e-posta girin.")
    if not form.kvkk_consent:
        errors["kvkk_consent"] = _l(
            "Başvurunuzu işleyebilmemiz için aydınlatma metnini onaylamanız gerekir."
        )

    if errors or topic is None:
        return None
    return TicketInput(
        channel=CHANNEL,
        type=form.type,
        description=description,
        topic_code=topic.code,
        district_code=district_code,
        neighbourhood=form.neighbourhood.strip(),
        address=form.address.strip(),
        latitude=latitude,
        longitude=longitude,
        external_id=submission_id,
        # Only contact details: the place of the problem is not the citizen's home address.
        citizen=CitizenInput(
            full_name=name, phone=phone or None, email=email or None, kvkk_consent=True
        ),
    )


def valid_submission_id(raw: str) -> str | None:
    """The submission id in canonical form, or None when it is not a UUID."""
    try:
        return str(uuid.UUID(raw.strip()))
    except (ValueError, AttributeError):
        return None


def _topic(session: Session, raw: str) -> TopicCode | None:
    code = raw.strip().upper()
    if not code:
        return None
    topic = session.scalar(sa.select(TopicCode).where(TopicCode.code == code))
    return topic if topic is not None and _offered(topic) else None


def _coordinates(
    raw_lat: str, raw_lon: str, errors: dict[str, Any]
) -> tuple[float | None, float | None]:
    """Both or neither; a decimal comma is accepted (Turkish keyboards type one)."""
    lat_text, lon_text = raw_lat.strip(), raw_lon.strip()
    if not lat_text and not lon_text:
        return None, None
    if not lat_text or not lon_text:
        errors["latitude"] = _l("Konum için enlem ve boylamın ikisi de gerekli.")
        return None, None
    lat, lon = parse_position(lat_text, lon_text, errors)
    if "latitude" in errors or "longitude" in errors:
        return None, None
    return lat, lon


def _plausible_email(email: str) -> bool:
    """The same rule the citizen service applies, checked up front with the other fields."""
    local, _, domain = email.rpartition("@")
    return bool(local) and "." in domain and " " not in email and len(email) <= MAX_EMAIL
