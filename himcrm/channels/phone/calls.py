"""The call log: one :class:`Call` per (provider, call id) and its status transitions.

Every provider event goes through here, and every one is idempotent: the
unique (provider, external_id) finds the call a replayed "new call" already
created, and a transition the call has already made (or can no longer make)
changes nothing and reports ``changed=False``, so a replayed webhook records
nothing twice and pops no screen twice.

The status of a call only moves forward::

    ringing ──► answered ──► completed
       │
       ├──► abandoned ──► voicemail   (the recording may be reported after the hang-up)
       ├──► voicemail
       └──► failed

Logs carry call ids only, never phone numbers (KVKK).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.citizens.identity import normalise_phone
from himcrm.db_setup import add_once
from himcrm.errors import PermissionDenied, ValidationError
from himcrm.models import Call, CallDirection, CallStatus, Citizen, Role, User

log = logging.getLogger(__name__)

PROVIDERS = ("twilio", "cti")
MAX_CALL_ID = 128
MAX_NUMBER = 32
MAX_EXTENSION = 32
MAX_RECORDING_URL = 500
#: Who takes calls, and so has a phone extension that rings and a screen pop.
CALL_TAKERS = (Role.OPERATOR, Role.BACK_OFFICE)
#: A PBX extension or a Twilio client identity: letters, digits and underscores.
_EXTENSION = re.compile(r"^[A-Za-z0-9_]+$")

_NEXT: dict[CallStatus, frozenset[CallStatus]] = {
    CallStatus.RINGING: frozenset(
        {CallStatus.ANSWERED, CallStatus.ABANDONED, CallStatus.VOICEMAIL, CallStatus.FAILED}
    ),
    CallStatus.ANSWERED: frozenset({CallStatus.COMPLETED}),
    CallStatus.ABANDONED: frozenset({CallStatus.VOICEMAIL}),
    CallStatus.COMPLETED: frozenset(),
    CallStatus.VOICEMAIL: frozenset(),
    CallStatus.FAILED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class CallChange:
    """What an event did to a call; ``changed`` is False for a replay or a late event."""

    call: Call
    changed: bool


def check_text(value: str | None, field: str, limit: int, *, required: bool = True) -> str:
    """A provider field, stripped, present when required and not too long."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(_l("Bu alan gerekli."), field=field)
    if len(text) > limit:
        raise ValidationError(_l("En fazla %(n)s karakter olabilir.", n=limit), field=field)
    return text


def caller_phone(raw: str) -> str | None:
    """The caller's number in E.164, or None for a withheld or non-phone caller id."""
    try:
        return normalise_phone(raw, field="from")
    except ValidationError:
        return None


def find_call(session: Session, provider: str, external_id: str) -> Call | None:
    return session.scalar(
        sa.select(Call).where(Call.provider == provider, Call.external_id == external_id)
    )


def open_call(
    session: Session,
    *,
    provider: str,
    external_id: str,
    from_number: str,
    to_number: str = "",
    at: datetime,
) -> CallChange:
    """Record an inbound call as ringing, with the citizen on its number (if any).

    Validates before writing; a call id seen before returns that call unchanged.
    """
    if provider not in PROVIDERS:
        raise ValidationError(_l("Bilinmeyen sağlayıcı."), field="provider")
    external_id = check_text(external_id, "call_id", MAX_CALL_ID)
    from_number = check_text(from_number, "from", MAX_NUMBER, required=False)
    to_number = check_text(to_number, "to", MAX_NUMBER, required=False)
    existing = find_call(session, provider, external_id)
    if existing is not None:
        return CallChange(existing, changed=False)
    phone = caller_phone(from_number)
    call = Call(
        provider=provider,
        external_id=external_id,
        direction=CallDirection.INBOUND,
        status=CallStatus.RINGING,
        from_number=phone or from_number,
        to_number=to_number,
        citizen_id=_citizen_on(session, phone),
        started_at=at,
    )
    call, created = add_once(session, call, lambda: find_call(session, provider, external_id))
    if not created:
        return CallChange(call, changed=False)  # the same event, handled concurrently, won
    log.info("Call %s (%s %s) ringing", call.id, provider, external_id)
    return CallChange(call, changed=True)


def _citizen_on(session: Session, phone: str | None) -> int | None:
    """The most recently updated citizen on the number: the one the card shows first."""
    if phone is None:
        return None
    return session.scalar(
        sa.select(Citizen.id)
        .where(Citizen.phone == phone, Citizen.anonymised_at.is_(None))
        .order_by(Citizen.updated_at.desc(), Citizen.id.desc())
        .limit(1)
    )


def _move(call: Call, to: CallStatus) -> bool:
    if to not in _NEXT[call.status]:
        log.info("Call %s: %s → %s ignored (replayed or late event)", call.id, call.status, to)
        return False
    log.info("Call %s: %s → %s", call.id, call.status.value, to.value)
    call.status = to
    return True


def answer(session: Session, call: Call, operator: User | None, *, at: datetime) -> CallChange:
    """An operator took the call (the screen pop is for them)."""
    changed = _move(call, CallStatus.ANSWERED)
    if changed:
        call.answered_at = at
        call.operator_id = operator.id if operator is not None else None
    session.flush()
    return CallChange(call, changed)


def hang_up(session: Session, call: Call, *, at: datetime, failed: bool = False) -> CallChange:
    """The call ended: completed if it was answered, else abandoned (or failed)."""
    if call.status is CallStatus.ANSWERED:
        changed = _move(call, CallStatus.COMPLETED)
    else:
        changed = _move(call, CallStatus.FAILED if failed else CallStatus.ABANDONED)
    if call.ended_at is None:
        call.ended_at = at
    session.flush()
    return CallChange(call, changed)


def leave_voicemail(
    session: Session, call: Call, recording_url: str, *, at: datetime
) -> CallChange:
    """The caller left a voice mail: keep the recording's address on the call."""
    recording_url = check_text(recording_url, "recording_url", MAX_RECORDING_URL)
    if not recording_url.startswith("https://"):
        raise ValidationError(_l("Kayıt adresi https ile başlamalı."), field="recording_url")
    changed = _move(call, CallStatus.VOICEMAIL)
    if changed:
        call.recording_url = recording_url
        call.ended_at = call.ended_at or at
    session.flush()
    return CallChange(call, changed)


def operator_by_extension(session: Session, extension: str) -> User | None:
    """The active call taker whose phone extension (or Twilio client identity) this is."""
    extension = extension.strip()
    if not extension:
        return None
    return session.scalar(
        sa.select(User).where(
            User.phone_extension == extension,
            User.active.is_(True),
            User.role.in_(CALL_TAKERS),
        )
    )


def claim_extension(session: Session, user: User, extension: str) -> str | None:
    """The call taker sits at the phone with this extension (empty: at none).

    Call centres hot-desk: whoever took the desk last gets its calls and pops,
    so an extension held by someone else moves to ``user``.
    """
    if user.role not in CALL_TAKERS:
        raise PermissionDenied(_l("Yalnız çağrı alan personelin dahili numarası olur."))
    text = check_text(extension, "phone_extension", MAX_EXTENSION, required=False)
    if text and not _EXTENSION.match(text):
        raise ValidationError(
            _l("Dahili numara yalnız harf, rakam ve alt çizgi içerebilir."),
            field="phone_extension",
        )
    if text:
        holder = session.scalar(
            sa.select(User).where(User.phone_extension == text, User.id != user.id)
        )
        if holder is not None:
            holder.phone_extension = None
            session.flush()  # the unique column must be free before it is taken
            log.info("Extension moved from user %s to user %s", holder.id, user.id)
    user.phone_extension = text or None
    session.flush()
    return user.phone_extension


def available_extensions(session: Session, limit: int = 10) -> list[str]:
    """Extensions of the active call takers: the Twilio clients an inbound call rings."""
    return list(
        session.scalars(
            sa.select(User.phone_extension)
            .where(
                User.phone_extension.is_not(None),
                User.active.is_(True),
                User.role.in_(CALL_TAKERS),
            )
            .order_by(User.phone_extension)
            .limit(limit)
        )
    )


__all__ = [
    "CALL_TAKERS",
    "PROVIDERS",
    "CallChange",
    "answer",
    "available_extensions",
    "caller_phone",
    "check_text",
    "claim_extension",
    "find_call",
    "hang_up",
    "leave_voicemail",
    "open_call",
    "operator_by_extension",
]
