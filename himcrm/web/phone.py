"""Phone webhooks (issue 7): Twilio Voice and the on-premise PBX's CTI events.

Public by design (no login): each call proves itself before anything is read —
Twilio with ``X-Twilio-Signature`` for our public URL, the PBX with an
HMAC-SHA256 of timestamp and body. A missing or wrong signature, or no secret
configured, is a 403 and nothing is recorded. Views are thin: they check the
signature, call :mod:`himcrm.channels.phone`, commit, and only then push the
screen pop. Logs carry call ids, never phone numbers.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from himcrm.channels.phone import cti, twilio_voice
from himcrm.channels.phone.hours import CallCentreHours
from himcrm.channels.phone.screen_pop import ScreenPop, broker_for, deliver
from himcrm.channels.phone.twiml import VoiceUrls, goodbye
from himcrm.config import Settings
from himcrm.errors import DomainError
from himcrm.extensions import csrf, db, limiter
from himcrm.models import utcnow
from himcrm.notify.signatures import twilio_request_is_valid

log = logging.getLogger(__name__)

bp = Blueprint("phone", __name__, url_prefix="/phone")
# Neither Twilio nor a PBX can send our CSRF token; the signature takes its place.
csrf.exempt(bp)

#: Per client address. A busy call centre's Twilio traffic is a few webhooks a
#: call; a forged flood is cut off after one HMAC per request.
WEBHOOK_LIMIT = "1200 per minute"
#: A CTI body is one small JSON event.
MAX_CTI_BODY = 16 * 1024


def _settings() -> Settings:
    return current_app.config["HIMCRM_SETTINGS"]


def _forbidden() -> ResponseReturnValue:
    return jsonify({"error": "forbidden", "message": str(_l("İmza geçersiz."))}), 403


def _error(error: DomainError) -> ResponseReturnValue:
    db.session.rollback()  # nothing half-recorded
    log.info("Phone webhook %s refused: %s (%s)", request.endpoint, error.code, error.field)
    return jsonify(error.to_dict()), error.status_code


def _twiml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def _signed_by_twilio() -> bool:
    if twilio_request_is_valid(
        _settings(), request.full_path, request.form, request.headers.get("X-Twilio-Signature")
    ):
        return True
    log.warning("Twilio voice webhook %s with a missing or invalid signature", request.endpoint)
    return False


def _urls() -> VoiceUrls:
    base = _settings().public_base_url.rstrip("/")
    return VoiceUrls(
        menu=base + url_for("phone.twilio_menu"),
        ticket_status=base + url_for("phone.twilio_ticket_status"),
        dial_done=base + url_for("phone.twilio_dial_done"),
        client_status=base + url_for("phone.twilio_client_status"),
        recording=base + url_for("phone.twilio_recording"),
        recorded=base + url_for("phone.twilio_recorded"),
    )


def _commit_and_pop(pops: tuple[ScreenPop, ...]) -> None:
    db.session.commit()
    if pops:
        deliver(broker_for(current_app), pops)


@bp.post("/twilio/voice")
@limiter.limit(WEBHOOK_LIMIT)
def twilio_voice_inbound() -> ResponseReturnValue:
    """An inbound call: log it, answer with the greeting and the IVR menu."""
    if not _signed_by_twilio():
        return _forbidden()
    settings = _settings()
    try:
        reply = twilio_voice.inbound_call(
            db.session(),
            request.form,
            _urls(),
            now=utcnow(),
            hours=CallCentreHours.parse(settings.call_centre_hours),
            timezone=settings.timezone,
        )
    except DomainError as error:
        return _error(error)
    db.session.commit()
    return _twiml(reply.twiml)


@bp.post("/twilio/menu")
@limiter.limit(WEBHOOK_LIMIT)
def twilio_menu() -> ResponseReturnValue:
    if not _signed_by_twilio():
        return _forbidden()
    try:
        reply = twilio_voice.menu(db.session(), request.form, _urls())
    except DomainError as error:
        return _error(error)
    return _twiml(reply.twiml)


@bp.post("/twilio/ticket-status")
@limiter.limit(WEBHOOK_LIMIT)
def twilio_ticket_status() -> ResponseReturnValue:
    if not _signed_by_twilio():
        return _forbidden()
    try:
        reply = twilio_voice.ticket_status(
            db.session(), request.form, _urls(), timezone=_settings().timezone
        )
    except DomainError as error:
        return _error(error)
    return _twiml(reply.twiml)


@bp.post("/twilio/dial-done")
@limiter.limit(WEBHOOK_LIMIT)
def twilio_dial_done() -> ResponseReturnValue:
    if not _signed_by_twilio():
        return _forbidden()
    try:
        reply = twilio_voice.dial_done(db.session(), request.form, _urls(), now=utcnow())
    except DomainError as error:
        return _error(error)
    db.session.commit()
    return _twiml(reply.twiml)


@bp.post("/twilio/client-status")
@limiter.limit(WEBHOOK_LIMIT)
def twilio_client_status() -> ResponseReturnValue:
    """A call taker's Twilio client answered: the call is theirs; pop their screen."""
    if not _signed_by_twilio():
        return _forbidden()
    session = db.session()
    try:
        change = twilio_voice.client_answered(session, request.form, now=utcnow())
        pops = twilio_voice.pops_for(session, change)
    except DomainError as error:
        return _error(error)
    _commit_and_pop(pops)
    return "", 204


@bp.post("/twilio/call-status")
@limiter.limit(WEBHOOK_LIMIT)
def twilio_call_status() -> ResponseReturnValue:
    if not _signed_by_twilio():
        return _forbidden()
    try:
        twilio_voice.call_status(db.session(), request.form, now=utcnow())
    except DomainError as error:
        return _error(error)
    db.session.commit()
    return "", 204


@bp.post("/twilio/recording")
@limiter.limit(WEBHOOK_LIMIT)
def twilio_recording() -> ResponseReturnValue:
    """The voice mail's recording is ready: mark the call, make the triage ticket."""
    if not _signed_by_twilio():
        return _forbidden()
    try:
        twilio_voice.recording(
            db.session(), request.form, now=utcnow(), timezone=_settings().timezone
        )
    except DomainError as error:
        return _error(error)
    db.session.commit()
    return "", 204


@bp.post("/twilio/recorded")
@limiter.limit(WEBHOOK_LIMIT)
def twilio_recorded() -> ResponseReturnValue:
    """<Record>'s action: the caller finished; thank them and hang up."""
    if not _signed_by_twilio():
        return _forbidden()
    return _twiml(goodbye())


@bp.post("/cti/events")
@limiter.limit(WEBHOOK_LIMIT)
def cti_event() -> ResponseReturnValue:
    """One PBX event (newCall / answer / hangup), HMAC-signed."""
    if (request.content_length or 0) > MAX_CTI_BODY:
        return jsonify({"error": "too_large"}), 413
    body = request.get_data(cache=False)
    now = utcnow()
    if not cti.request_is_valid(
        _settings().cti_secret,
        request.headers.get("X-HIMCRM-Timestamp"),
        request.headers.get("X-HIMCRM-Signature"),
        body,
        now,
    ):
        log.warning("CTI event with a missing, stale or invalid signature refused")
        return _forbidden()
    session = db.session()
    try:
        event = cti.parse_event(body, now)
        result = cti.handle_event(session, event)
    except DomainError as error:
        return _error(error)
    _commit_and_pop(result.pops)
    return jsonify({"call_id": result.change.call.id, "status": result.change.call.status}), 200
