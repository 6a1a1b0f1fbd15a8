"""Meta and X webhooks: the handshakes, signed events only, replays record nothing twice."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from himcrm.config import Settings
from himcrm.models import Channel, InboundMessage, Ticket
from tests.channels.test_social import MESSENGER, X_EVENTS

META_SECRET = "meta-app-secret"
X_SECRET = "x-consumer-secret"


@pytest.fixture
def configured(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Settings:
    settings = dataclasses.replace(
        app.config["HIMCRM_SETTINGS"],
        meta_app_secret=META_SECRET,
        meta_verify_token="dogrulama-jetonu",
        x_consumer_secret=X_SECRET,
    )
    monkeypatch.setitem(app.config, "HIMCRM_SETTINGS", settings)
    return settings


def meta_post(
    client: FlaskClient, payload: object, *, secret: str = META_SECRET, raw: bytes | None = None
):  # type: ignore[no-untyped-def]
    body = raw if raw is not None else json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/social/meta/webhook",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature},
    )


def x_post(client: FlaskClient, payload: object, *, secret: str = X_SECRET):  # type: ignore[no-untyped-def]
    body = json.dumps(payload).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return client.post(
        "/social/x/webhook",
        data=body,
        content_type="application/json",
        headers={"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode()},
    )


def social_tickets(db: Session, channel: Channel) -> list[Ticket]:
    db.expire_all()
    return list(db.scalars(sa.select(Ticket).where(Ticket.channel == channel)))


def test_meta_subscription_handshake(client: FlaskClient, configured: Settings) -> None:
    ok = client.get(
        "/social/meta/webhook?hub.mode=subscribe&hub.verify_token=dogrulama-jetonu&hub.challenge=1158201444"
    )
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "1158201444"
    wrong = client.get(
        "/social/meta/webhook?hub.mode=subscribe&hub.verify_token=yanlis&hub.challenge=1"
    )
    assert wrong.status_code == 403


def test_x_crc_challenge(client: FlaskClient, configured: Settings) -> None:
    response = client.get("/social/x/webhook?crc_token=challenge-123")
    expected = base64.b64encode(
        hmac.new(X_SECRET.encode(), b"challenge-123", hashlib.sha256).digest()
    ).decode()
    assert response.get_json() == {"response_token": "sha256=" + expected}
    assert client.get("/social/x/webhook").status_code == 400


def test_without_secrets_nothing_is_trusted(client: FlaskClient, web_db: Session) -> None:
    assert client.get("/social/x/webhook?crc_token=a").status_code == 403
    assert (
        client.get(
            "/social/meta/webhook?hub.mode=subscribe&hub.verify_token=&hub.challenge=1"
        ).status_code
        == 403
    )
    assert meta_post(client, MESSENGER, secret="").status_code == 403
    assert social_tickets(web_db, Channel.SOCIAL_META) == []


def test_signed_meta_event_makes_a_ticket_once(
    client: FlaskClient, web_db: Session, configured: Settings
) -> None:
    first = meta_post(client, MESSENGER)
    assert first.status_code == 200 and first.get_json() == {"received": 1}
    again = meta_post(client, MESSENGER)
    assert again.status_code == 200
    [ticket] = social_tickets(web_db, Channel.SOCIAL_META)
    assert ticket.external_id == "m_AbC123"
    assert web_db.scalar(sa.select(sa.func.count()).select_from(InboundMessage)) == 1


@pytest.mark.parametrize("secret", ["wrong-secret", None])
def test_unsigned_or_wrongly_signed_events_are_refused(
    client: FlaskClient, web_db: Session, configured: Settings, secret: str | None
) -> None:
    if secret is None:
        response = client.post("/social/meta/webhook", json=MESSENGER)
        x_response = client.post("/social/x/webhook", json=X_EVENTS)
    else:
        response = meta_post(client, MESSENGER, secret=secret)
        x_response = x_post(client, X_EVENTS, secret=secret)
    assert response.status_code == 403 and x_response.status_code == 403
    assert social_tickets(web_db, Channel.SOCIAL_META) == []
    assert social_tickets(web_db, Channel.SOCIAL_X) == []


def test_signed_x_events_mention_then_dm_is_one_ticket(
    client: FlaskClient, web_db: Session, configured: Settings
) -> None:
    assert x_post(client, X_EVENTS).status_code == 200
    assert x_post(client, X_EVENTS).status_code == 200  # replay
    [ticket] = social_tickets(web_db, Channel.SOCIAL_X)
    assert ticket.external_id == "1858000000000000001"
    outcomes = web_db.scalars(sa.select(InboundMessage.outcome).order_by(InboundMessage.id)).all()
    assert list(outcomes) == ["new_ticket", "note"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"{not json", "body"),
        (
            json.dumps({"object": "page", "entry": [{"messaging": [{"message": {}}]}]}).encode(),
            "sender.id",
        ),
    ],
)
def test_malformed_signed_payloads_are_a_400_naming_the_field(
    client: FlaskClient, web_db: Session, configured: Settings, raw: bytes, field: str
) -> None:
    response = meta_post(client, None, raw=raw)
    assert response.status_code == 400
    assert response.get_json()["field"] == field
    assert web_db.scalar(sa.select(sa.func.count()).select_from(InboundMessage)) == 0


def test_a_bad_event_in_a_batch_records_none_of_it(
    client: FlaskClient, web_db: Session, configured: Settings
) -> None:
    payload = json.loads(json.dumps(X_EVENTS))
    payload["direct_message_events"].append({"type": "message_create", "message_create": "?"})
    assert x_post(client, payload).status_code == 400
    assert social_tickets(web_db, Channel.SOCIAL_X) == []


def test_oversized_bodies_are_refused_before_parsing(
    client: FlaskClient, configured: Settings
) -> None:
    response = meta_post(client, None, raw=b"{" + b" " * (1024 * 1024 + 10) + b"}")
    assert response.status_code == 413
