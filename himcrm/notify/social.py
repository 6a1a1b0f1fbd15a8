"""Outbound adapters for social media replies: Facebook Messenger (Meta) and X.

The same interface as the SMS gateways' ``send``; the sender picks the adapter by
the outbox row's channel. Recipients are written ``<kind>:<id>``:

- Meta: ``psid:<page-scoped user id>`` (a Messenger conversation) or
  ``comment:<comment id>`` (a private reply to a comment on the page);
- X: ``user:<user id>`` — a direct message. Answers never go out as public
  replies: a public tweet with the tracking link would let anyone read the
  answer and rate it.

Neither API can tell whether it already accepted a message, so a sender killed
between the provider's answer and our commit may send once more (as SMTP can);
the lease keeps that window to one crash.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from himcrm.config import Settings
from himcrm.notify.gateways import SendError, _console_id

log = logging.getLogger(__name__)

TIMEOUT = (5, 20)  # connect, read (seconds)
#: Graph API errors no retry fixes: bad parameter, outside the messaging window,
#: person unavailable, permissions.
PERMANENT_META_CODES = frozenset({10, 100, 190, 200, 551, 2018001, 2018108, 2018278})


class SocialGateway(Protocol):
    name: str

    def send(self, to: str, body: str, *, key: str) -> str:
        """Hand one message to the provider; return its message id."""
        ...


@dataclass
class ConsoleSocial:
    """The embedded default and unconfigured platforms: nothing leaves the machine."""

    name: str = "console"

    def send(self, to: str, body: str, *, key: str) -> str:
        log.info("console social message %s (%d characters)", key, len(body))
        return _console_id(key)


def _split(to: str, kinds: tuple[str, ...]) -> tuple[str, str]:
    kind, _, ident = to.partition(":")
    if kind not in kinds or not ident:
        raise SendError(f"bad recipient kind {kind!r}", code="recipient", permanent=True)
    return kind, ident


class MetaMessenger:
    """Send API of the Messenger Platform (``POST /me/messages``) for the page."""

    name = "meta"

    def __init__(self, settings: Settings) -> None:
        if not (settings.meta_page_access_token and settings.meta_app_secret):
            raise SendError("Meta is not configured", code="config")
        self.base = settings.meta_graph_base.rstrip("/")
        self.token = settings.meta_page_access_token
        # appsecret_proof: a stolen page token alone cannot call the API.
        self.proof = hmac.new(
            settings.meta_app_secret.encode(), self.token.encode(), hashlib.sha256
        ).hexdigest()

    def send(self, to: str, body: str, *, key: str) -> str:
        kind, ident = _split(to, ("psid", "comment"))
        recipient = {"id": ident} if kind == "psid" else {"comment_id": ident}
        payload: dict[str, Any] = {
            "recipient": recipient,
            "messaging_type": "RESPONSE",
            "message": {"text": body},
            # In the body, not the URL: URLs end up in proxies' and libraries' logs.
            "access_token": self.token,
            "appsecret_proof": self.proof,
        }
        try:
            response = requests.post(f"{self.base}/me/messages", json=payload, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise SendError(type(error).__name__, code="network") from None
        data = _json(response)
        if response.status_code >= 400 or "error" in data:
            raise _meta_error(response.status_code, data.get("error") or {})
        message_id = data.get("message_id")
        if not message_id:
            raise SendError("no message_id in the answer", code="meta-answer")
        return str(message_id)


class XDirectMessages:
    """X API v2 direct messages (``POST /2/dm_conversations/with/:id/messages``)."""

    name = "x"

    def __init__(self, settings: Settings) -> None:
        if not settings.x_access_token:
            raise SendError("X is not configured", code="config")
        self.base = settings.x_api_base.rstrip("/")
        self.token = settings.x_access_token

    def send(self, to: str, body: str, *, key: str) -> str:
        _kind, user_id = _split(to, ("user",))
        if not user_id.isdigit():
            raise SendError("bad X user id", code="recipient", permanent=True)
        try:
            response = requests.post(
                f"{self.base}/2/dm_conversations/with/{user_id}/messages",
                json={"text": body},
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=TIMEOUT,
            )
        except requests.RequestException as error:
            raise SendError(type(error).__name__, code="network") from None
        data = _json(response)
        if response.status_code >= 300:
            permanent = 400 <= response.status_code < 500 and response.status_code != 429
            detail = data.get("detail") or data.get("title") or response.status_code
            raise SendError(
                str(detail)[:200], code=f"x-{response.status_code}", permanent=permanent
            )
        event_id = (data.get("data") or {}).get("dm_event_id")
        if not event_id:
            raise SendError("no dm_event_id in the answer", code="x-answer")
        return str(event_id)


def _meta_error(status: int, error: dict[str, Any]) -> SendError:
    code = int(error.get("code") or 0)
    subcode = int(error.get("error_subcode") or 0)
    rate_limited = status == 429 or code in {4, 17, 32, 613}
    permanent = not rate_limited and (
        code in PERMANENT_META_CODES or subcode in PERMANENT_META_CODES or 400 <= status < 500
    )
    return SendError(
        str(error.get("message") or status)[:200],
        code=f"meta-{code or status}",
        permanent=permanent,
    )


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def social_gateways(settings: Settings) -> dict[str, SocialGateway]:
    """Per notification channel: the live adapter when configured, else the console."""
    meta: SocialGateway = (
        MetaMessenger(settings) if settings.meta_page_access_token else ConsoleSocial()
    )
    x: SocialGateway = XDirectMessages(settings) if settings.x_access_token else ConsoleSocial()
    return {"social_meta": meta, "social_x": x}
