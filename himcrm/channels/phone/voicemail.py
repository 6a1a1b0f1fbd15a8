"""A voice mail becomes a ticket for the back office's triage queue.

The ticket goes through the one intake service: channel ``phone``, external id
= the recording's id (so a replayed recording callback finds the first ticket),
no topic (a person listens and picks one in triage), linked to the call, whose
row keeps the recording's address. The caller's number, when it is a real one,
makes (or finds) the citizen, and intake sends the usual "we received your
request" SMS with the tracking link to a mobile number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.channels.phone.calls import (
    MAX_CALL_ID,
    CallChange,
    caller_phone,
    check_text,
    leave_voicemail,
)
from himcrm.citizens.service import CitizenInput
from himcrm.models import Call, Ticket
from himcrm.tickets.intake import TicketInput, create_ticket

log = logging.getLogger(__name__)

ACTOR_LABEL = "voicemail"


@dataclass(frozen=True, slots=True)
class VoicemailResult:
    change: CallChange
    ticket: Ticket
    created: bool  # False: this recording was turned into a ticket before


def voicemail_ticket(
    session: Session,
    call: Call,
    *,
    recording_id: str,
    recording_url: str,
    duration_seconds: int | None,
    at: datetime,
    timezone: str = "Europe/Istanbul",
) -> VoicemailResult:
    """Mark the call as voice mail and record the ticket (idempotent per recording)."""
    recording_id = check_text(recording_id, "recording_id", MAX_CALL_ID)
    change = leave_voicemail(session, call, recording_url, at=at)
    phone = caller_phone(call.from_number)
    with force_locale("tr"):  # the ticket text is data, written in HİM's language
        if duration_seconds is not None:
            description = str(
                _l(
                    "Sesli mesaj (%(seconds)s saniye). Dinlemek için çağrı kaydını açın.",
                    seconds=duration_seconds,
                )
            )
        else:
            description = str(_l("Sesli mesaj. Dinlemek için çağrı kaydını açın."))
    result = create_ticket(
        session,
        TicketInput(
            channel="phone",
            description=description,
            external_id=recording_id,
            citizen=CitizenInput(phone=phone) if phone else CitizenInput(),
            call_id=call.id,
        ),
        actor_label=ACTOR_LABEL,
        now=at,
        timezone=timezone,
    )
    if result.created:
        log.info("Call %s: voice mail %s → ticket %s", call.id, recording_id, result.ticket.id)
    if call.citizen_id is None and result.ticket.citizen_id is not None:
        call.citizen_id = result.ticket.citizen_id
        session.flush()
    return VoicemailResult(change, result.ticket, result.created)


__all__ = ["VoicemailResult", "voicemail_ticket"]
