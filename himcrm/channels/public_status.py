"""What a citizen may see of a ticket without an account: the tracking read model.

The public pages never get a :class:`Ticket`: they get a :class:`TrackingView`,
which holds only public-safe facts (number, topic, department, status, event
kinds with their times and department names, the due date, the approved
answer). Reasons, notes, staff names, attachments and every citizen detail stay
out by construction, so a template cannot show them by mistake.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.errors import NotFound, ValidationError
from himcrm.models import (
    Citizen,
    EventKind,
    Reply,
    ReplyStatus,
    Ticket,
    TicketStatus,
)

#: ``secrets.token_urlsafe(24)`` gives 32 characters; anything far off is not a token.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_NUMBER = re.compile(r"(\d{4})-(\d{1,6})")

#: Events a citizen sees; assignment, notes, returned drafts and messages are internal.
PUBLIC_EVENTS = frozenset(
    {
        EventKind.CREATED,
        EventKind.ROUTED,
        EventKind.TRANSFERRED,
        EventKind.STATUS_CHANGED,
        EventKind.ON_HOLD,
        EventKind.RESUMED,
        EventKind.APPROVED,
        EventKind.ANSWERED,
        EventKind.CLOSED,
        EventKind.REOPENED,
        EventKind.MERGED,
        EventKind.OUT_OF_SCOPE,
        EventKind.SURVEY,
    }
)
_WITH_DEPARTMENT = frozenset({EventKind.ROUTED, EventKind.TRANSFERRED})
RATEABLE = frozenset({TicketStatus.ANSWERED, TicketStatus.CLOSED})


@dataclass(frozen=True, slots=True)
class PublicEvent:
    kind: EventKind
    to_status: TicketStatus | None
    at: datetime
    department: str  # the department's name for routing events, else ""


@dataclass(frozen=True, slots=True)
class TrackingView:
    token: str
    number: str
    status: TicketStatus
    topic_tr: str
    topic_en: str
    department: str
    created_at: datetime
    due_at: datetime | None  # the resolution due time (UTC); None when not known yet
    paused: bool  # on hold: the clock is stopped
    answered_at: datetime | None
    answer: str | None  # the approved reply, with the citizen's own details blanked
    rated: bool
    events: tuple[PublicEvent, ...]

    @property
    def can_rate(self) -> bool:
        return self.status in RATEABLE and not self.rated


def find_by_token(session: Session, token: str) -> Ticket:
    """The ticket behind a tracking link; :class:`NotFound` for anything else."""
    if not _TOKEN.fullmatch(token or ""):
        raise NotFound(_l("Başvuru bulunamadı."), field="token")
    ticket = session.scalar(sa.select(Ticket).where(Ticket.tracking_token == token))
    if ticket is None:
        raise NotFound(_l("Başvuru bulunamadı."), field="token")
    return ticket


def find_by_number_and_phone(session: Session, number: str, last_four: str) -> Ticket:
    """The status query: a ticket number plus the last four digits of the phone on it.

    Input that cannot be a number or four digits is a :class:`ValidationError` on
    its field; a wrong number and wrong digits are the *same* :class:`NotFound`,
    so the answer never tells which of the two was wrong.
    """
    match = _NUMBER.fullmatch((number or "").strip())
    digits = re.sub(r"\D", "", last_four or "")
    if match is None:
        raise ValidationError(_l("Başvuru numarasını 2026-000123 biçiminde yazın."), field="number")
    if len(digits) != 4:
        raise ValidationError(
            _l("Telefon numaranızın son dört rakamını yazın."), field="phone_last4"
        )
    normalised = f"{match.group(1)}-{int(match.group(2)):06d}"
    row = session.execute(
        sa.select(Ticket, Citizen.phone)
        .join(Citizen, Ticket.citizen_id == Citizen.id)
        .where(Ticket.number == normalised)
    ).first()
    phone = row[1] if row is not None else None
    # Compare even when nothing was found, so both failures cost the same.
    matches = hmac.compare_digest((phone or "????")[-4:], digits)
    if row is None or not phone or not matches:
        raise NotFound(
            _l("Bu numara ve telefon rakamlarıyla eşleşen bir başvuru bulunamadı."),
            field="_form",
        )
    ticket: Ticket = row[0]
    return ticket


def tracking_view(session: Session, ticket: Ticket) -> TrackingView:
    """The public-safe facts of one ticket."""
    topic = ticket.topic_code
    answer = _approved_answer(session, ticket)
    return TrackingView(
        token=ticket.tracking_token,
        number=ticket.number,
        status=ticket.status,
        topic_tr=topic.name_tr if topic else "",
        topic_en=(topic.name_en or topic.name_tr) if topic else "",
        department=ticket.department.name if ticket.department else "",
        created_at=ticket.created_at,
        due_at=ticket.resolution_due_at if ticket.is_open else None,
        paused=ticket.status == TicketStatus.ON_HOLD,
        answered_at=ticket.answered_at,
        answer=redact(answer, ticket.citizen) if answer else None,
        rated=ticket.satisfaction is not None,
        events=tuple(
            PublicEvent(
                kind=event.kind,
                to_status=event.to_status,
                at=event.created_at,
                department=(
                    event.department.name
                    if event.kind in _WITH_DEPARTMENT and event.department
                    else ""
                ),
            )
            for event in ticket.events
            if event.kind in PUBLIC_EVENTS
        ),
    )


def _approved_answer(session: Session, ticket: Ticket) -> str | None:
    return session.scalar(
        sa.select(Reply.body)
        .where(Reply.ticket_id == ticket.id, Reply.status == ReplyStatus.APPROVED)
        .order_by(Reply.version.desc())
        .limit(1)
    )


def redact(text: str, citizen: Citizen | None) -> str:
    """Blank the citizen's own name, phone, e-mail and kimlik no out of an answer.

    Answers are written to the citizen ("Sayın Ayşe Yılmaz, ..."), but the
    tracking page is reachable by anyone holding the link, so it shows none of it.
    """
    if citizen is None:
        return text
    patterns = [re.escape(value) for value in (citizen.email, citizen.kimlik_no) if value]
    name_parts = [part for part in (citizen.full_name or "").split() if len(part) >= 2]
    patterns += [rf"\b{re.escape(part)}\b" for part in name_parts]
    if citizen.phone:
        national = re.sub(r"\D", "", citizen.phone)[-10:]
        # The number as people write it: +90 / 0 prefix, spaces, dashes, brackets.
        body = r"[\s\-().]*".join(re.escape(d) for d in national)
        patterns.append(rf"(?:\+?90[\s\-]*|0[\s\-]*)?\(?{body}")
    for pattern in patterns:
        text = re.sub(pattern, "***", text, flags=re.IGNORECASE)
    return text
