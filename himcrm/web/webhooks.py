"""Provider webhooks: public by design (no login), so every call proves itself.

Each endpoint checks the provider's signature before reading anything; a
missing or wrong signature, or no secret configured, is a 403 and nothing is
recorded. Logs carry message ids only, never phone numbers or texts (KVKK).

- ``POST /webhooks/twilio/status``: delivery receipts for our outbox rows.
- ``POST /webhooks/twilio/sms``: a citizen's SMS to our number; the service
  (himcrm.channels.inbound_sms) stores it once and answers through the outbox,
  so the webhook itself answers with empty TwiML.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from himcrm.channels.inbound_sms import MAX_BODY, MAX_SENDER, handle_inbound_sms
from himcrm.config import Settings
from himcrm.errors import DomainError, ValidationError
from himcrm.extensions import csrf, db, limiter
from himcrm.models import utcnow
from himcrm.notify.sender import record_status
from himcrm.notify.signatures import twilio_request_is_valid

log = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
# Twilio cannot send our CSRF token; the signature takes its place.
csrf.exempt(bp)

#: Twilio message SIDs are 34 characters; the column holds 64.
MAX_SID_LENGTH = 64
MAX_STATUS_LENGTH = 32
#: Twilio's header when a webhook is signed with a SharedKey instead of the auth token.
SHARED_KEY_HEADER = "X-Twilio-Webhooks-Signature-Settings"
#: Inbound SMS, per client address: one call per citizen message, so far below
#: the status callbacks; a flood (or a forger, who costs one HMAC) is cut off.
INBOUND_SMS_LIMIT = "600 per minute"
#: Replies go through the outbox (one send path), never in the TwiML answer.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
#: The service's field names as Twilio's form calls them, for 400 bodies.
_INBOUND_FIELDS = {"message_id": "MessageSid", "sender": "From", "body": "Body"}


def _settings() -> Settings:
    return current_app.config["HIMCRM_SETTINGS"]


def status_callback_limit() -> str:
    """Per client address: a flood is cut off, Twilio's real traffic is not.

    Twilio posts up to three callbacks a message (sent, then delivered or
    failed...) and, without trusted proxies, every call shares the proxy's
    address; a 429 would lose a delivery receipt, so the limit follows the
    configured send rate with headroom. A forged call costs one HMAC, no query.
    """
    per_minute = int(_settings().sms_rate_per_second * 60 * 4)
    return f"{max(per_minute, 600)} per minute"


def _forbidden() -> ResponseReturnValue:
    return jsonify({"error": "forbidden", "message": str(_l("İmza geçersiz."))}), 403


def _bad_request(field: str, message: object) -> ResponseReturnValue:
    body = ValidationError(message, field=field).to_dict()
    return jsonify(body), 400


def _required(name: str, max_length: int) -> tuple[str, ResponseReturnValue | None]:
    value = request.form.get(name, "").strip()
    if not value:
        return "", _bad_request(name, _l("Bu alan gerekli."))
    if len(value) > max_length:
        return "", _bad_request(name, _l("En fazla %(n)s karakter olabilir.", n=max_length))
    return value, None


def _unsigned(what: str) -> ResponseReturnValue | None:
    """A 403 unless Twilio signed this call for our public URL with our auth token."""
    if twilio_request_is_valid(
        _settings(),
        request.full_path,
        request.form,
        request.headers.get("X-Twilio-Signature"),
    ):
        return None
    if request.headers.get(SHARED_KEY_HEADER):
        log.warning("Twilio %s signed with a SharedKey; HİM-CRM checks the auth token only", what)
    else:
        log.warning("Twilio %s with a missing or invalid signature refused", what)
    return _forbidden()


@bp.post("/twilio/status")
@limiter.limit(status_callback_limit)
def twilio_status() -> ResponseReturnValue:
    """Twilio's message status callback: record delivered / failed on the outbox row."""
    refused = _unsigned("status callback")
    if refused is not None:
        return refused
    sid, error = _required("MessageSid", MAX_SID_LENGTH)
    if error is not None:
        return error
    status, error = _required("MessageStatus", MAX_STATUS_LENGTH)
    if error is not None:
        return error
    error_code = request.form.get("ErrorCode", "").strip() or None
    session = db.session()
    if record_status(session, sid, status.lower(), error_code, now=utcnow()):
        session.commit()
    else:
        # Not ours (another app on the account) or already purged: Twilio must
        # not retry, so still 204.
        log.info("Twilio status %s for unknown message %s", status, sid)
    return "", 204


@bp.post("/twilio/sms")
@limiter.limit(INBOUND_SMS_LIMIT)
def twilio_sms() -> ResponseReturnValue:
    """A citizen's SMS: stored once, answered through the outbox; empty TwiML back."""
    refused = _unsigned("inbound SMS")
    if refused is not None:
        return refused
    sid, error = _required("MessageSid", MAX_SID_LENGTH)
    if error is not None:
        return error
    sender, error = _required("From", MAX_SENDER)
    if error is not None:
        return error
    body = request.form.get("Body", "")
    if len(body) > MAX_BODY:
        return _bad_request("Body", _l("En fazla %(n)s karakter olabilir.", n=MAX_BODY))
    session = db.session()
    try:
        handle_inbound_sms(
            session,
            message_id=sid,
            sender=sender,
            body=body,
            now=utcnow(),
            timezone=_settings().timezone,
        )
    except DomainError as failure:
        session.rollback()  # nothing half-written
        payload = failure.to_dict()
        if failure.field in _INBOUND_FIELDS:
            payload["field"] = _INBOUND_FIELDS[failure.field]
        status = 400 if isinstance(failure, ValidationError) else failure.status_code
        return jsonify(payload), status
    session.commit()
    return Response(EMPTY_TWIML, status=200, mimetype="text/xml")
