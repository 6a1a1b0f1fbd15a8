"""Checking that a webhook call really comes from its provider.

Twilio (``X-Twilio-Signature``), Meta (``X-Hub-Signature-256``) and X
(``x-twitter-webhooks-signature``). Meta and X sign the raw body with a shared
secret (HMAC-SHA256).

Twilio signs the URL it called plus the POST parameters with the account's auth
token. The URL must be the *public* one: behind a reverse proxy or a TLS
terminator Flask sees ``http://internal:8000/...`` and a signature checked
against that would never match (or, worse, match only a forged internal call).
So the URL is rebuilt from ``settings.public_base_url`` and the request path,
never taken from ``request.url``. Used by every Twilio webhook (delivery status,
inbound SMS, voice).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from twilio.request_validator import RequestValidator

from himcrm.config import Settings


def public_url(settings: Settings, path_with_query: str) -> str:
    """The URL Twilio called: the public base plus the path and query string.

    ``path_with_query`` is Flask's ``request.full_path``, which ends in a bare
    "?" when there is no query string; Twilio's URL has none.
    """
    path = path_with_query[:-1] if path_with_query.endswith("?") else path_with_query
    return settings.public_base_url.rstrip("/") + path


def twilio_request_is_valid(
    settings: Settings,
    path_with_query: str,
    params: Mapping[str, Any],
    signature: str | None,
) -> bool:
    """True only for a request signed with our auth token for our public URL.

    No auth token configured means no call can be trusted: every one is refused
    rather than accepted unchecked. ``params`` is the POST form (a MultiDict is
    fine: the validator signs every value of a repeated field).
    """
    if not settings.twilio_auth_token or not signature:
        return False
    validator = RequestValidator(settings.twilio_auth_token)
    return bool(validator.validate(public_url(settings, path_with_query), params, signature))


def hmac_sha256_is_valid(secret: str, body: bytes, header: str | None, *, b64: bool) -> bool:
    """``sha256=<digest>`` of ``body`` under ``secret``, compared in constant time.

    Meta (``X-Hub-Signature-256``) sends the digest in hex, X
    (``x-twitter-webhooks-signature``) in base64. No secret configured: nothing
    is trusted.
    """
    if not secret or not header or not header.startswith("sha256="):
        return False
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    expected = base64.b64encode(digest).decode() if b64 else digest.hex()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def x_crc_response(secret: str, crc_token: str) -> str:
    """The answer to X's challenge-response check: ``sha256=`` + base64 HMAC of the token."""
    digest = hmac.new(secret.encode(), crc_token.encode(), hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()
