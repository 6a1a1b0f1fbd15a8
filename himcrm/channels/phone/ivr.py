"""The IVR's self service: the status of a request, read out to its own citizen.

A caller keys (or says) a ticket number: ``2026000123``, ``2026123`` or
``2026 123`` all mean ``2026-000123``. The answer names the status and the
expected (or actual) answer date — never a name, an address or a department
person. Only a caller whose number is the ticket citizen's hears it; a ticket
of someone else, a number that does not exist and a withheld caller id all get
the very same "not found", so nobody can probe other people's tickets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.models import Citizen, Ticket
from himcrm.tickets.status_labels import STATUS

_NUMBER = re.compile(r"^(20\d\d)(\d{1,7})$")

#: Spoken status names: the same words as the screens' labels.
SPOKEN_STATUS = STATUS

MONTHS = (
    "Ocak",
    "Şubat",
    "Mart",
    "Nisan",
    "Mayıs",
    "Haziran",
    "Temmuz",
    "Ağustos",
    "Eylül",
    "Ekim",
    "Kasım",
    "Aralık",
)


@dataclass(frozen=True, slots=True)
class StatusAnswer:
    number: str | None  # None: what was keyed is not a ticket number
    ticket: Ticket | None  # None: not found (or not this caller's)


def ticket_number_from(keyed: str) -> str | None:
    """``2026000123`` / ``2026123`` / "2026 123" (speech) → ``2026-000123``."""
    digits = "".join(ch for ch in keyed if ch.isdigit())
    match = _NUMBER.match(digits)
    if match is None:
        return None
    return f"{match.group(1)}-{int(match.group(2)):06d}"


def status_for_caller(session: Session, keyed: str, caller: str | None) -> StatusAnswer:
    """The ticket with the keyed number, only if the caller's phone is its citizen's."""
    number = ticket_number_from(keyed)
    if number is None or caller is None:
        return StatusAnswer(number, None)
    ticket = session.scalar(
        sa.select(Ticket)
        .join(Citizen, Citizen.id == Ticket.citizen_id)
        .where(
            Ticket.number == number,
            Citizen.phone == caller,
            Citizen.anonymised_at.is_(None),
        )
    )
    return StatusAnswer(number, ticket)


def spoken_date(value: datetime, timezone: str) -> str:
    """``5 Aralık 2026``: a date a Turkish voice reads naturally."""
    local = value.astimezone(ZoneInfo(timezone))
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def status_sentence(ticket: Ticket, timezone: str) -> str:
    """What the IVR says about a ticket: number, status, expected or answer date."""
    status = str(SPOKEN_STATUS.get(ticket.status, ticket.status.value))
    spoken_number = ticket.number.replace("-", " ")
    text = str(
        _l(
            "%(number)s numaralı başvurunuzun durumu: %(status)s.",
            number=spoken_number,
            status=status,
        )
    )
    if ticket.answered_at is not None:
        when = spoken_date(ticket.answered_at, timezone)
        text += " " + str(_l("Yanıt tarihi: %(date)s.", date=when))
    elif ticket.resolution_due_at is not None:
        when = spoken_date(ticket.resolution_due_at, timezone)
        text += " " + str(_l("Tahmini sonuçlanma tarihi: %(date)s.", date=when))
    return text


__all__ = [
    "SPOKEN_STATUS",
    "StatusAnswer",
    "spoken_date",
    "status_for_caller",
    "status_sentence",
    "ticket_number_from",
]
