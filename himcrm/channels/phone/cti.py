"""The generic CTI webhook: an on-premise PBX reports its calls as signed JSON.

İzmir's telephone system is not Twilio; any PBX (Asterisk AMI/ARI bridge, a
vendor's CTI server) that can POST JSON drives the same call log and screen
pop. The contract:

``POST /phone/cti/events`` with headers

* ``X-HIMCRM-Timestamp: <unix seconds>`` — within 5 minutes of our clock;
* ``X-HIMCRM-Signature: sha256=<hex>`` — HMAC-SHA256, keyed with
  ``HIMCRM_CTI_SECRET``, of ``<timestamp>.`` followed by the raw body. The
  timestamp is signed too: otherwise a captured request could be replayed
  forever with a fresh timestamp header. A replay inside the 5 minutes is
  harmless: every event is idempotent.

and a body like::

    {"event": "newCall", "callId": "1700000000.42", "caller": "05321234567",
     "called": "4444035", "timestamp": "2026-11-17T07:00:00Z"}
    {"event": "answer", "callId": "1700000000.42", "extension": "101", ...}
    {"event": "hangup", "callId": "1700000000.42", ...}

``answer`` names the extension of the operator who picked up: the call is
theirs (``User.phone_extension``) and so is the screen pop. ``timestamp`` is
optional (ISO 8601 with a zone; the time we received it otherwise). An
``answer`` or ``hangup`` for a call whose ``newCall`` was lost still logs the
call (with ``caller`` when the PBX sends it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.channels.phone.calls import (
    MAX_CALL_ID,
    MAX_EXTENSION,
    MAX_NUMBER,
    CallChange,
    answer,
    check_text,
    hang_up,
    open_call,
    operator_by_extension,
)
from himcrm.channels.phone.screen_pop import ScreenPop, build_pop
from himcrm.errors import ValidationError

log = logging.getLogger(__name__)

PROVIDER = "cti"
EVENTS = ("newCall", "answer", "hangup")
MAX_SKEW = timedelta(minutes=5)
SIGNATURE_PREFIX = "sha256="


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The header value a PBX sends: ``sha256=`` and the hex HMAC."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + digest.hexdigest()


def request_is_valid(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: datetime
) -> bool:
    """True only for a body signed with our secret, with a timestamp close to now.

    No secret configured means no PBX can be trusted: everything is refused.
    """
    if not secret or not timestamp or not signature:
        return False
    try:
        sent = int(timestamp.strip())
    except ValueError:
        return False
    if abs(now.timestamp() - sent) > MAX_SKEW.total_seconds():
        return False
    expected = sign(secret, timestamp.strip(), body)
    return hmac.compare_digest(expected, signature.strip())


@dataclass(frozen=True, slots=True)
class CtiEvent:
    kind: str
    call_id: str
    caller: str
    called: str
    extension: str
    at: datetime


def parse_event(body: bytes, now: datetime) -> CtiEvent:
    """Read and check an event before anything is written (ValidationError naming the field)."""
    try:
        data: Any = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise ValidationError(_l("Geçerli bir JSON değil."), field="body") from None
    if not isinstance(data, dict):
        raise ValidationError(_l("Geçerli bir JSON nesnesi değil."), field="body")
    kind = data.get("event")
    if kind not in EVENTS:
        raise ValidationError(_l("Bilinmeyen olay türü."), field="event")
    texts = {}
    for name, limit in (
        ("callId", MAX_CALL_ID),
        ("caller", MAX_NUMBER),
        ("called", MAX_NUMBER),
        ("extension", MAX_EXTENSION),
    ):
        value = data.get(name, "")
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValidationError(_l("Metin olmalı."), field=name)
        texts[name] = check_text(str(value), name, limit, required=name == "callId")
    if kind == "answer" and not texts["extension"]:
        raise ValidationError(_l("Bu alan gerekli."), field="extension")
    return CtiEvent(
        kind=kind,
        call_id=texts["callId"],
        caller=texts["caller"],
        called=texts["called"],
        extension=texts["extension"],
        at=_timestamp(data.get("timestamp"), now),
    )


def _timestamp(value: object, now: datetime) -> datetime:
    if value in (None, ""):
        return now
    if not isinstance(value, str) or len(value) > 40:
        raise ValidationError(_l("Tarih ISO 8601 biçiminde olmalı."), field="timestamp")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(_l("Tarih ISO 8601 biçiminde olmalı."), field="timestamp") from None
    if when.tzinfo is None:
        raise ValidationError(_l("Tarihte saat dilimi olmalı."), field="timestamp")
    if abs(when - now) > timedelta(days=1):
        raise ValidationError(_l("Tarih bugüne yakın olmalı."), field="timestamp")
    return when


@dataclass(frozen=True, slots=True)
class CtiResult:
    change: CallChange
    pops: tuple[ScreenPop, ...] = ()


def handle_event(session: Session, event: CtiEvent) -> CtiResult:
    """Apply one event to the call log; the pop (if any) is for after the commit."""
    opened = open_call(
        session,
        provider=PROVIDER,
        external_id=event.call_id,
        from_number=event.caller,
        to_number=event.called,
        at=event.at,
    )
    call = opened.call
    if event.kind == "newCall":
        return CtiResult(opened)
    if event.kind == "hangup":
        return CtiResult(hang_up(session, call, at=event.at))
    operator = operator_by_extension(session, event.extension)
    if operator is None:
        log.warning("CTI call %s answered at an extension no call taker has", call.id)
    change = answer(session, call, operator, at=event.at)
    if change.changed and operator is not None:
        return CtiResult(change, (build_pop(session, call, operator),))
    return CtiResult(change)


__all__ = ["CtiEvent", "CtiResult", "handle_event", "parse_event", "request_is_valid", "sign"]
