"""Find or create the citizen behind a ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.citizens.identity import normalise_phone, validate_kimlik_no
from himcrm.errors import ValidationError, parse_choice
from himcrm.models import Citizen, ReplyChannel
from himcrm.organisation import reference_cache
from himcrm.text import normalise_name, same_name


@dataclass(frozen=True, slots=True)
class CitizenInput:
    """What a channel knows about the person; every field optional."""

    full_name: str = ""
    phone: str | None = None
    email: str | None = None
    kimlik_no: str | None = None
    address: str = ""
    district_code: str | None = None
    neighbourhood: str = ""
    preferred_channel: str | None = None
    kvkk_consent: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.full_name.strip() or self.phone or self.email or self.kimlik_no)


def _clean_email(raw: str | None) -> str | None:
    if not raw or not raw.strip():
        return None
    email = raw.strip()
    local, _, domain = email.rpartition("@")
    if not local or "." not in domain or " " in email or len(email) > 254:
        raise ValidationError(_l("E-posta adresi geçersiz."), field="citizen.email")
    return email.lower()


def find_or_create_citizen(session: Session, data: CitizenInput, *, now: datetime) -> Citizen:
    """Return the matching citizen, creating one if nobody matches.

    Matching: the kimlik no identifies a person outright; otherwise the phone
    number, provided the names do not contradict each other (a family often
    shares a landline, so a different name on the same number is a new person).
    Blank fields of a found citizen are filled in; filled ones are not
    overwritten by what one caller said.
    """
    phone = normalise_phone(data.phone, field="citizen.phone") if data.phone else None
    kimlik = (
        validate_kimlik_no(data.kimlik_no, field="citizen.kimlik_no") if data.kimlik_no else None
    )
    email = _clean_email(data.email)
    name = normalise_name(data.full_name)
    if len(name) > 200:
        raise ValidationError(_l("Ad soyad çok uzun."), field="citizen.full_name")
    channel = None
    if data.preferred_channel:
        channel = parse_choice(
            ReplyChannel,
            data.preferred_channel,
            field="citizen.preferred_channel",
            message=_l("Bilinmeyen yanıt kanalı."),
        )
    district_id = None
    if data.district_code:
        district = reference_cache.current(session).districts_by_code.get(data.district_code)
        if district is None:
            raise ValidationError(_l("Bilinmeyen ilçe."), field="citizen.district")
        district_id = district.id

    citizen = None
    if kimlik:
        citizen = session.scalar(sa.select(Citizen).where(Citizen.kimlik_no == kimlik))
    if citizen is None and phone:
        candidates = session.scalars(
            sa.select(Citizen)
            .where(Citizen.phone == phone, Citizen.anonymised_at.is_(None))
            .order_by(Citizen.updated_at.desc())
            .limit(20)
        ).all()
        citizen = next(
            (c for c in candidates if not name or not c.full_name or same_name(c.full_name, name)),
            None,
        )
    if citizen is None and email and not phone:
        citizen = session.scalar(
            sa.select(Citizen)
            .where(Citizen.email == email, Citizen.anonymised_at.is_(None))
            .limit(1)
        )

    if citizen is None:
        citizen = Citizen(created_at=now, updated_at=now)
        session.add(citizen)
    _fill_blanks(citizen, name=name, phone=phone, email=email, kimlik=kimlik, data=data)
    if district_id and not citizen.district_id:
        citizen.district_id = district_id
    if channel:
        citizen.preferred_channel = channel
    elif citizen.preferred_channel is None:
        citizen.preferred_channel = ReplyChannel.SMS if phone else ReplyChannel.EMAIL
    if data.kvkk_consent and citizen.kvkk_consent_at is None:
        citizen.kvkk_consent_at = now
    return citizen


def _fill_blanks(
    citizen: Citizen,
    *,
    name: str,
    phone: str | None,
    email: str | None,
    kimlik: str | None,
    data: CitizenInput,
) -> None:
    if name and not citizen.full_name:
        citizen.full_name = name
    if phone and not citizen.phone:
        citizen.phone = phone
    if email and not citizen.email:
        citizen.email = email
    if kimlik and not citizen.kimlik_no:
        citizen.kimlik_no = kimlik
    if data.address and not citizen.address:
        citizen.address = data.address.strip()
    if data.neighbourhood and not citizen.neighbourhood:
        citizen.neighbourhood = data.neighbourhood.strip()
