"""Twilio Voice events: what each webhook does to the call log, and what TwiML it answers.

The web layer checks ``X-Twilio-Signature`` and hands the POST form over as a
plain mapping; these functions validate every field they use before writing.

Which operator gets the screen pop: an inbound call rings the Twilio Voice
clients of the active call takers, whose client identity is their
``User.phone_extension`` (the same column a CTI ``answer`` event names), and
the first to pick up takes the call. Twilio reports that leg's "answered"
event with ``To=client:<identity>`` and ``ParentCallSid`` = the caller's call:
that marks the call answered by that user and pops their screen.

Twilio call statuses map onto the call log as: ``in-progress`` of a client
leg → answered; ``completed`` → completed (answered calls) or abandoned
(never answered); ``busy``/``no-answer``/``canceled`` → abandoned; ``failed``
→ failed; a completed recording → voice mail (and a ticket). A caller who only
used the IVR's status query and hung up counts as abandoned: nobody answered.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.channels.phone import ivr, twiml
from himcrm.channels.phone.calls import (
    MAX_CALL_ID,
    MAX_EXTENSION,
    MAX_NUMBER,
    MAX_RECORDING_URL,
    CallChange,
    answer,
    available_extensions,
    caller_phone,
    check_text,
    find_call,
    hang_up,
    open_call,
    operator_by_extension,
)
from himcrm.channels.phone.hours import CallCentreHours
from himcrm.channels.phone.screen_pop import ScreenPop, build_pop
from himcrm.channels.phone.voicemail import voicemail_ticket
from himcrm.errors import NotFound, ValidationError
from himcrm.models import Call

log = logging.getLogger(__name__)

PROVIDER = "twilio"
MAX_SPEECH = 500
MAX_STATUS = 32
_ENDED = {"completed": False, "busy": False, "no-answer": False, "canceled": False, "failed": True}


@dataclass(frozen=True, slots=True)
class VoiceReply:
    twiml: str
    call: Call | None = None
    pops: tuple[ScreenPop, ...] = ()


def _field(params: Mapping[str, str], name: str, limit: int, *, required: bool = True) -> str:
    return check_text(params.get(name), name, limit, required=required)


def _known_call(session: Session, params: Mapping[str, str], name: str = "CallSid") -> Call:
    call_sid = _field(params, name, MAX_CALL_ID)
    call = find_call(session, PROVIDER, call_sid)
    if call is None:
        raise NotFound(_l("Bilinmeyen çağrı."), field=name)
    return call


def inbound_call(
    session: Session,
    params: Mapping[str, str],
    urls: twiml.VoiceUrls,
    *,
    now: datetime,
    hours: CallCentreHours,
    timezone: str,
) -> VoiceReply:
    """A call came in: record it (once) and answer with the greeting and the menu."""
    change = open_call(
        session,
        provider=PROVIDER,
        external_id=_field(params, "CallSid", MAX_CALL_ID),
        from_number=_field(params, "From", MAX_NUMBER, required=False),
        to_number=_field(params, "To", MAX_NUMBER, required=False),
        at=now,
    )
    body = twiml.welcome(
        urls,
        open_now=hours.is_open(now, timezone),
        extensions=available_extensions(session),
    )
    return VoiceReply(body, change.call)


def menu(session: Session, params: Mapping[str, str], urls: twiml.VoiceUrls) -> VoiceReply:
    call = _known_call(session, params)
    choice = twiml.menu_choice(
        _field(params, "Digits", 32, required=False),
        _field(params, "SpeechResult", MAX_SPEECH, required=False),
    )
    log.info("Call %s: IVR choice %s", call.id, choice)
    body = twiml.after_menu(urls, choice, extensions=available_extensions(session))
    return VoiceReply(body, call)


def ticket_status(
    session: Session, params: Mapping[str, str], urls: twiml.VoiceUrls, *, timezone: str
) -> VoiceReply:
    """Read out a ticket's status, only to its citizen's phone."""
    call = _known_call(session, params)
    keyed = _field(params, "Digits", 32, required=False) or _field(
        params, "SpeechResult", MAX_SPEECH, required=False
    )
    found = ivr.status_for_caller(session, keyed, caller_phone(call.from_number))
    sentence = None
    if found.ticket is not None:
        with force_locale("tr"):
            sentence = ivr.status_sentence(found.ticket, timezone)
    log.info("Call %s: IVR status query %s", call.id, "found" if sentence else "not found")
    body = twiml.status_read_out(urls, sentence, extensions=available_extensions(session))
    return VoiceReply(body, call)


def dial_done(
    session: Session, params: Mapping[str, str], urls: twiml.VoiceUrls, *, now: datetime
) -> VoiceReply:
    """The <Dial> to the operators ended: hang up after a conversation, else voice mail."""
    call = _known_call(session, params)
    status = _field(params, "DialCallStatus", MAX_STATUS).lower()
    connected = status in ("completed", "answered")
    if connected:
        # Normally client_status marked it answered already; without that
        # callback the call was still answered, by someone we cannot name.
        answer(session, call, None, at=now)
    return VoiceReply(twiml.after_dial(urls, connected=connected), call)


def client_answered(session: Session, params: Mapping[str, str], *, now: datetime) -> CallChange:
    """A call taker's client picked up: the call is theirs, and so is the screen pop."""
    call = _known_call(session, params, "ParentCallSid")
    status = _field(params, "CallStatus", MAX_STATUS).lower()
    identity = _field(params, "To", MAX_EXTENSION + 8)
    if status != "in-progress":
        return CallChange(call, changed=False)
    extension = identity.removeprefix("client:")
    operator = operator_by_extension(session, extension)
    if operator is None:
        log.warning("Call %s answered by an unknown client identity", call.id)
    return answer(session, call, operator, at=now)


def pops_for(session: Session, change: CallChange) -> tuple[ScreenPop, ...]:
    """The pop to push after commit: only for a call just answered by a known operator."""
    call = change.call
    if not change.changed or call.operator is None:
        return ()
    return (build_pop(session, call, call.operator),)


def call_status(session: Session, params: Mapping[str, str], *, now: datetime) -> CallChange:
    """The number's status callback: the call ended (or is still going: nothing to do)."""
    status = _field(params, "CallStatus", MAX_STATUS).lower()
    change = open_call(  # a call whose voice webhook we missed is still logged
        session,
        provider=PROVIDER,
        external_id=_field(params, "CallSid", MAX_CALL_ID),
        from_number=_field(params, "From", MAX_NUMBER, required=False),
        to_number=_field(params, "To", MAX_NUMBER, required=False),
        at=now,
    )
    if status not in _ENDED:
        return CallChange(change.call, changed=change.changed)
    return hang_up(session, change.call, at=now, failed=_ENDED[status])


def recording(
    session: Session, params: Mapping[str, str], *, now: datetime, timezone: str
) -> VoiceReply | None:
    """A voice mail was recorded: mark the call and make the triage ticket.

    Returns None for a recording status other than ``completed`` (nothing to do).
    """
    call = _known_call(session, params)
    status = _field(params, "RecordingStatus", MAX_STATUS, required=False).lower()
    if status and status != "completed":
        return None
    duration_text = _field(params, "RecordingDuration", 10, required=False)
    duration = None
    if duration_text:
        if not duration_text.isdigit():
            raise ValidationError(_l("Süre bir sayı olmalı."), field="RecordingDuration")
        duration = int(duration_text)
    voicemail_ticket(
        session,
        call,
        recording_id=_field(params, "RecordingSid", MAX_CALL_ID),
        recording_url=_field(params, "RecordingUrl", MAX_RECORDING_URL),
        duration_seconds=duration,
        at=now,
        timezone=timezone,
    )
    return VoiceReply("", call)


__all__ = [
    "PROVIDER",
    "VoiceReply",
    "call_status",
    "client_answered",
    "dial_done",
    "inbound_call",
    "menu",
    "pops_for",
    "recording",
    "ticket_status",
]
