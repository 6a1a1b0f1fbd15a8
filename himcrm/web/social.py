"""Social media webhooks: Meta (Facebook page, Messenger) and X (account activity).

Public by design, so every call proves itself: Meta's subscription handshake
checks our verify token, X's CRC challenge is answered with our consumer
secret, and every event POST must carry the platform's HMAC-SHA256 signature
of the raw body — otherwise 403 and nothing is read. Logs carry counts and
outcomes, never names, ids of people or message text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from himcrm.channels.social import SocialMessage, handle_social_message, parse_meta, parse_x
from himcrm.config import Settings
from himcrm.errors import ValidationError
from himcrm.extensions import csrf, db, limiter
from himcrm.models import utcnow
from himcrm.notify.signatures import hmac_sha256_is_valid, x_crc_response

log = logging.getLogger(__name__)

bp = Blueprint("social", __name__, url_prefix="/social")
csrf.exempt(bp)  # the platforms cannot send our CSRF token; the signature takes its place

#: Platform events are small; refuse anything bigger before parsing it.
MAX_BODY = 1024 * 1024
LIMIT = "1200 per minute"


def _settings() -> Settings:
    return current_app.config["HIMCRM_SETTINGS"]


def _forbidden() -> ResponseReturnValue:
    return jsonify({"error": "forbidden", "message": str(_l("İmza geçersiz."))}), 403


def _error(field: str, message: object, status: int = 400) -> ResponseReturnValue:
    return jsonify(ValidationError(message, field=field).to_dict()), status


@bp.get("/meta/webhook")
@limiter.limit(LIMIT)
def meta_verify() -> ResponseReturnValue:
    """Meta's subscription handshake: echo hub.challenge for our verify token."""
    token = _settings().meta_verify_token
    if (
        not token
        or request.args.get("hub.mode") != "subscribe"
        or request.args.get("hub.verify_token") != token
    ):
        return _forbidden()
    challenge = request.args.get("hub.challenge", "")
    if not challenge or len(challenge) > 256:
        return _error("hub.challenge", _l("Bu alan gerekli."))
    return challenge, 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.post("/meta/webhook")
@limiter.limit(LIMIT)
def meta_events() -> ResponseReturnValue:
    body = _body()
    if body is None:
        return _error("body", _l("İstek çok büyük."), 413)
    if not hmac_sha256_is_valid(
        _settings().meta_app_secret, body, request.headers.get("X-Hub-Signature-256"), b64=False
    ):
        log.warning("Meta webhook with a missing or invalid signature refused")
        return _forbidden()
    return _record(body, parse_meta, "meta")


@bp.get("/x/webhook")
@limiter.limit(LIMIT)
def x_crc() -> ResponseReturnValue:
    """X's challenge-response check, at registration and hourly."""
    secret = _settings().x_consumer_secret
    if not secret:
        return _forbidden()
    crc_token = request.args.get("crc_token", "")
    if not crc_token or len(crc_token) > 256:
        return _error("crc_token", _l("Bu alan gerekli."))
    return jsonify({"response_token": x_crc_response(secret, crc_token)})


@bp.post("/x/webhook")
@limiter.limit(LIMIT)
def x_events() -> ResponseReturnValue:
    body = _body()
    if body is None:
        return _error("body", _l("İstek çok büyük."), 413)
    if not hmac_sha256_is_valid(
        _settings().x_consumer_secret,
        body,
        request.headers.get("x-twitter-webhooks-signature"),
        b64=True,
    ):
        log.warning("X webhook with a missing or invalid signature refused")
        return _forbidden()
    return _record(body, parse_x, "x")


def _body() -> bytes | None:
    if request.content_length is not None and request.content_length > MAX_BODY:
        return None
    body = request.get_data(cache=True)
    return None if len(body) > MAX_BODY else body


def _record(
    body: bytes, parse: Callable[[Any], list[SocialMessage]], platform: str
) -> ResponseReturnValue:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error("body", _l("Geçersiz JSON."))
    try:
        messages = parse(payload)
    except ValidationError as error:
        log.warning("%s webhook: malformed payload (%s)", platform, error.field)
        return jsonify(error.to_dict()), 400
    session = db.session()
    now = utcnow()
    outcomes: dict[str, int] = {}
    try:
        for message in messages:
            outcome = handle_social_message(session, message, now=now).outcome
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        session.commit()
    except ValidationError as error:
        session.rollback()
        log.warning("%s webhook: refused event (%s)", platform, error.field)
        return jsonify(error.to_dict()), 400
    log.info("%s webhook: %s", platform, outcomes or "no messages")
    return jsonify({"received": len(messages)}), 200
