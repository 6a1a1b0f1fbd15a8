"""Field teams (saha ekibi): on-site findings, the team's worklist, closing work with photos.

A field team works from a phone. A finding it records on the street becomes a
ticket through the one intake service (channel ``field``, the GPS position
required); its worklist is the open work of its department subtree, nearest
first; closing work turns the team's note into the answer through the reply
path (manager approval where the topic needs it) and keeps before/after photos
as evidence. Every photo is re-encoded without metadata by
:mod:`himcrm.channels.public_media`; only the *after* photos are public (the
citizen's tracking page shows them), so a phone's GPS/EXIF never reaches a
public copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, aliased

from himcrm.channels.field_worklist import (
    PER_PAGE,
    WORKABLE,
    WorkItem,
    Worklist,
    distance_km,
    team_worklist,
)
from himcrm.channels.location import parse_position
from himcrm.channels.public_media import CleanPhoto, Upload, clean_photos, store_photos
from himcrm.channels.web_form import valid_submission_id
from himcrm.errors import (
    FormInvalid,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from himcrm.models import (
    Attachment,
    Reply,
    Role,
    Ticket,
    TicketStatus,
    TicketType,
    TopicCode,
    User,
    utcnow,
)
from himcrm.tickets import lifecycle, replies
from himcrm.tickets.attachments import MAX_PER_TICKET, count_for
from himcrm.tickets.intake import MAX_DESCRIPTION, TicketInput, create_ticket
from himcrm.tickets.lifecycle import Actor
from himcrm.tickets.queries import visible_department_ids

__all__ = [
    "PER_PAGE",
    "WORKABLE",
    "Finding",
    "FindingResult",
    "FormInvalid",
    "WorkItem",
    "Worklist",
    "close_work",
    "distance_km",
    "find_public_photo",
    "finding_topics",
    "public_photos",
    "record_finding",
    "start_work",
    "team_worklist",
]

CHANNEL = "field"
MAX_ADDRESS = 500
MAX_NEIGHBOURHOOD = 128


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True, slots=True)
class Finding:
    """The finding form's fields as typed (strings)."""

    submission_id: str = ""
    topic: str = ""
    district: str = ""
    neighbourhood: str = ""
    address: str = ""
    description: str = ""
    latitude: str = ""
    longitude: str = ""


@dataclass(frozen=True, slots=True)
class FindingResult:
    ticket: Ticket
    created: bool  # False: the same submission was recorded before


_INTAKE_FIELDS = {"topic_code": "topic", "district_code": "district", "district": "district"}


def record_finding(
    session: Session,
    user: User,
    finding: Finding,
    photos: Sequence[Upload] = (),
    *,
    upload_root: Path,
    now: datetime | None = None,
) -> FindingResult:
    """An on-site finding as a ticket (channel ``field``) with its photos.

    Every field and photo is checked before anything is written
    (:class:`FormInvalid` names each wrong field). The submission id becomes
    the external id, so a resubmitted form returns the ticket already recorded.
    """
    _require_field_team(user)
    when = now or utcnow()
    errors: dict[str, object] = {}
    data = _check_finding(finding, errors)
    cleaned: list[CleanPhoto] = []
    try:
        cleaned = clean_photos(photos, field="photos")
    except ValidationError as error:
        errors["photos"] = error.message
    if errors or data is None:
        raise FormInvalid(errors)
    try:
        result = create_ticket(session, data, actor=user, now=when)
    except ValidationError as error:
        field = _INTAKE_FIELDS.get(error.field or "", error.field or "_form")
        raise FormInvalid({field: error.message}) from None
    if result.created:
        store_photos(session, result.ticket, Actor(user=user), cleaned, root=upload_root, now=when)
    return FindingResult(result.ticket, result.created)


def _check_finding(finding: Finding, errors: dict[str, object]) -> TicketInput | None:
    submission_id = valid_submission_id(finding.submission_id.replace("\x00", ""))
    if submission_id is None:
        errors["_form"] = _l("Form geçersiz ya da eski; lütfen formu yeniden gönderin.")
    topic = finding.topic.strip()
    if not topic:
        errors["topic"] = _l("Listeden bir konu seçin.")
    district = finding.district.strip().upper()
    if not district:
        errors["district"] = _l("İlçe seçin.")
    description = finding.description.replace("\x00", "").strip()
    if not description:
        errors["description"] = _l("Tespiti birkaç cümleyle anlatın.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _l("Açıklama en fazla %(n)s karakter olabilir.", n=MAX_DESCRIPTION)
    neighbourhood = finding.neighbourhood.replace("\x00", "").strip()
    if len(neighbourhood) > MAX_NEIGHBOURHOOD:
        errors["neighbourhood"] = _l(
            "Mahalle adı en fazla %(n)s karakter olabilir.", n=MAX_NEIGHBOURHOOD
        )
    address = finding.address.replace("\x00", "").strip()
    if len(address) > MAX_ADDRESS:
        errors["address"] = _l("Adres en fazla %(n)s karakter olabilir.", n=MAX_ADDRESS)
    latitude, longitude = _gps(finding.latitude, finding.longitude, errors)
    if errors:
        return None
    return TicketInput(
        channel=CHANNEL,
        type=TicketType.REQUEST.value,
        description=description,
        topic_code=topic,
        district_code=district,
        neighbourhood=neighbourhood,
        address=address,
        latitude=latitude,
        longitude=longitude,
        external_id=submission_id,
    )


def _gps(raw_lat: str, raw_lon: str, errors: dict[str, object]) -> tuple[float, float]:
    """The phone's position: required, both parts, in range."""
    lat_text, lon_text = raw_lat.strip(), raw_lon.strip()
    if not lat_text or not lon_text:
        errors["latitude"] = _l(
            "Konum alınamadı. Telefonun konum iznini açıp “Konumu al” düğmesine basın."
        )
        return 0.0, 0.0
    lat, lon = parse_position(lat_text, lon_text, errors)
    return lat or 0.0, lon or 0.0


def finding_topics(session: Session) -> list[TopicCode]:
    """Every active leaf topic: a field team reports whatever it sees, for any department."""
    child = aliased(TopicCode)
    has_children = sa.exists().where(child.parent_id == TopicCode.id)
    stmt = (
        sa.select(TopicCode)
        .where(TopicCode.is_active.is_(True), ~has_children)
        .order_by(TopicCode.code)
    )
    return list(session.scalars(stmt))


# --------------------------------------------------------------------------- the work


def start_work(
    session: Session,
    user: User,
    ticket: Ticket,
    before_photos: Sequence[Upload] = (),
    *,
    upload_root: Path,
    now: datetime | None = None,
) -> Ticket:
    """The team is on site: before photos stored, the ticket taken and started.

    An unassigned ticket of the user's own department is assigned to them, so
    another team's worklist no longer offers it.
    """
    _require_field_team(user)
    _ensure_visible(session, user, ticket)
    when = now or utcnow()
    actor = Actor(user=user)
    if ticket.status not in WORKABLE:
        raise IllegalTransition(
            _l("Bu başvuru üzerinde artık çalışılamaz."), field="status", status=ticket.status
        )
    cleaned = _clean(session, ticket, before_photos, (), field="before_photos")[0]
    if ticket.status == TicketStatus.ON_HOLD:
        lifecycle.resume(ticket, actor, now=when)
    elif ticket.status == TicketStatus.ROUTED:
        lifecycle.start(ticket, actor, now=when)
    if ticket.assignee_id is None and ticket.department_id == user.department_id:
        lifecycle.assign(ticket, user, actor, now=when)
    store_photos(session, ticket, actor, cleaned, root=upload_root, now=when)
    return ticket


def close_work(
    session: Session,
    user: User,
    ticket: Ticket,
    note: str,
    before_photos: Sequence[Upload] = (),
    after_photos: Sequence[Upload] = (),
    *,
    upload_root: Path,
    now: datetime | None = None,
) -> Reply:
    """The work is done: photos stored, the note submitted as the answer.

    The note goes through :func:`himcrm.tickets.replies.submit`: to the manager
    when the topic needs approval, else straight to the citizen (SMS with the
    tracking link). At least one after photo is required; after photos are
    public (shown on the tracking page), before photos stay with staff. All
    checks run before anything is written.
    """
    _require_field_team(user)
    _ensure_visible(session, user, ticket)
    if ticket.status not in WORKABLE:
        raise IllegalTransition(
            _l("Bu başvuru üzerinde artık çalışılamaz."), field="status", status=ticket.status
        )
    when = now or utcnow()
    actor = Actor(user=user)
    text = (note or "").replace("\x00", "").strip()
    errors: dict[str, object] = {}
    if not text:
        errors["note"] = _l("Yapılan işi kısaca yazın; bu not vatandaşa yanıt olarak gider.")
    elif len(text) > replies.MAX_BODY:
        errors["note"] = _l("Not en fazla %(n)s karakter olabilir.", n=replies.MAX_BODY)
    if not after_photos:
        errors["after_photos"] = _l("İşin bittiğini gösteren en az bir fotoğraf ekleyin.")
    before: list[CleanPhoto] = []
    after: list[CleanPhoto] = []
    try:
        before, after = _clean(session, ticket, before_photos, after_photos, field=None)
    except ValidationError as error:
        errors[error.field or "_form"] = error.message
    if errors:
        raise FormInvalid(errors)
    if ticket.status == TicketStatus.ON_HOLD:
        lifecycle.resume(ticket, actor, now=when)  # the answer ends the wait
    store_photos(session, ticket, actor, before, root=upload_root, now=when)
    store_photos(session, ticket, actor, after, root=upload_root, now=when, is_public=True)
    return replies.submit(session, ticket, actor, now=when, body=text)


def _clean(
    session: Session,
    ticket: Ticket,
    before: Sequence[Upload],
    after: Sequence[Upload],
    *,
    field: str | None,
) -> tuple[list[CleanPhoto], list[CleanPhoto]]:
    """Both sets of photos checked and re-encoded, and the ticket's limit respected."""
    clean_before = clean_photos(before, field=field or "before_photos")
    clean_after = clean_photos(after, field=field or "after_photos")
    room = MAX_PER_TICKET - count_for(session, ticket)
    if len(clean_before) + len(clean_after) > room:
        raise ValidationError(
            _l("Bir başvuruya en fazla %(n)s dosya eklenebilir.", n=MAX_PER_TICKET),
            field=field or ("after_photos" if clean_after else "before_photos"),
        )
    return clean_before, clean_after


def _require_field_team(user: User) -> None:
    if user.role != Role.FIELD_TEAM:
        raise PermissionDenied(_l("Bu işlem yalnızca saha ekiplerine açıktır."), field="role")


def _ensure_visible(session: Session, user: User, ticket: Ticket) -> None:
    allowed = visible_department_ids(session, user)
    if allowed is not None and ticket.department_id not in allowed:
        raise NotFound(_l("Başvuru bulunamadı."), field="number")


# --------------------------------------------------------------------------- public copies


def public_photos(session: Session, ticket: Ticket) -> list[Attachment]:
    """The ticket's public photos (field teams' after photos), oldest first."""
    stmt = (
        sa.select(Attachment)
        .where(Attachment.ticket_id == ticket.id, Attachment.is_public.is_(True))
        .order_by(Attachment.id)
    )
    return list(session.scalars(stmt))


def find_public_photo(session: Session, ticket: Ticket, attachment_id: int) -> Attachment:
    """One public photo of this ticket; anything else (private, other ticket) is not found."""
    attachment = session.scalar(
        sa.select(Attachment).where(
            Attachment.id == attachment_id,
            Attachment.ticket_id == ticket.id,
            Attachment.is_public.is_(True),
        )
    )
    if attachment is None:
        raise NotFound(_l("Fotoğraf bulunamadı."), field="photo")
    return attachment
