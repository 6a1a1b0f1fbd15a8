"""Twilio's delivery-status webhook: signed for the public URL, or refused."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from himcrm import create_app
from himcrm.config import Settings
from himcrm.extensions import db
from himcrm.models import EventKind, Notification, NotificationChannel, NotificationStatus
from himcrm.notify.gateways import ConsoleEmail, ConsoleSms
from himcrm.notify.outbox import queue_message
from himcrm.notify.rate_limit import RateLimiter
from himcrm.notify.sender import Senders, deliver
from tests import factories as f
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER

PUBLIC = "https://him.example.org"
PATH = "/webhooks/twilio/status"
CITIZEN = "+905321234567"


def twilio_settings(app: Flask, **changes: object) -> Settings:
    base: Settings = app.config["HIMCRM_SETTINGS"]
    return dataclasses.replace(
        base,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        public_base_url=PUBLIC,
        **changes,  # type: ignore[arg-type]
    )


@pytest.fixture
def signed(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The session app with a Twilio auth token and a public base URL, for this test only."""
    settings = twilio_settings(app)
    monkeypatch.setitem(app.config, "HIMCRM_SETTINGS", settings)
    return settings


@pytest.fixture(scope="module")
def proxied_app(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A second app, built by create_app like production behind one proxy hop."""
    settings = twilio_settings(
        app, trusted_proxies=1, instance_path=tmp_path_factory.mktemp("proxied")
    )
    application = create_app(settings)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def proxied_client(proxied_app: Flask, web_db: Session) -> Iterator[FlaskClient]:
    """Its requests join the test's rolled-back transaction, like ``client``'s."""
    engines = db._app_engines[proxied_app]
    saved = engines[None]
    engines[None] = web_db.get_bind()  # type: ignore[assignment]
    try:
        yield proxied_app.test_client()
    finally:
        with proxied_app.app_context():
            db.session.remove()
        engines[None] = saved


def sent_sms(session: Session, now: datetime, settings: Settings) -> Notification:
    """A citizen's acknowledgement SMS, queued and sent through the console gateway."""
    ticket = f.ticket(session, topic_code=None, now=now, channel="web", phone=None)
    row_id = queue_message(
        session,
        key=f"ticket:{ticket.id}:ack",
        channel=NotificationChannel.SMS,
        recipient=CITIZEN,
        template="ticket_created",
        context={"number": ticket.number, "token": ticket.tracking_token},
        now=now,
        ticket_id=ticket.id,
    )
    assert row_id is not None
    senders = Senders(
        settings=settings, sms=ConsoleSms(), email=ConsoleEmail(), limiter=RateLimiter(10)
    )
    assert deliver(session, row_id, senders, now=now) == "sent"
    row = session.get(Notification, row_id)
    assert row is not None and row.provider_message_id
    return row


def callback_form(sid: str, status: str, error_code: str = "") -> dict[str, str]:
    """What Twilio posts to a StatusCallback."""
    form = {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "From": FROM_NUMBER,
        "To": CITIZEN,
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
    }
    if error_code:
        form["ErrorCode"] = error_code
    return form


def signature(url: str, form: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


def post_callback(
    client: FlaskClient,
    form: dict[str, str],
    *,
    signed_url: str | None = PUBLIC + PATH,
    path: str = PATH,
    token: str = AUTH_TOKEN,
    headers: dict[str, str] | None = None,
) -> TestResponse:
    all_headers = dict(headers or {})
    if signed_url is not None:
        all_headers["X-Twilio-Signature"] = signature(signed_url, form, token)
    return client.post(path, data=form, headers=all_headers)


def reload(session: Session, row: Notification) -> Notification:
    session.expire_all()
    fresh = session.get(Notification, row.id)
    assert fresh is not None
    return fresh


def test_a_signed_delivered_callback_is_recorded(
    client: FlaskClient, web_db: Session, now: datetime, signed: Settings
) -> None:
    row = sent_sms(web_db, now, signed)
    # No CSRF token: the blueprint is exempt, the signature is the proof.
    response = post_callback(client, callback_form(row.provider_message_id or "", "delivered"))
    assert response.status_code == 204, response.get_data(as_text=True)
    assert response.headers["X-RateLimit-Limit"] == "2400"  # the public endpoint is limited
    row = reload(web_db, row)
    assert row.status == NotificationStatus.DELIVERED
    assert row.provider_status == "delivered"


def test_a_permanent_failure_fails_the_row_and_shows_on_the_ticket(
    client: FlaskClient, web_db: Session, now: datetime, signed: Settings
) -> None:
    row = sent_sms(web_db, now, signed)
    form = callback_form(row.provider_message_id or "", "failed", "30006")
    assert post_callback(client, form).status_code == 204
    row = reload(web_db, row)
    assert row.status == NotificationStatus.FAILED and row.error_code == "30006"
    assert row.ticket is not None
    event = row.ticket.events[-1]
    assert event.kind == EventKind.NOTIFICATION
    assert event.data["error_code"] == "30006" and event.data["notification"] == row.id


@pytest.mark.parametrize("how", ["no signature", "wrong token", "tampered body", "empty signature"])
def test_an_unsigned_or_forged_callback_is_refused(
    client: FlaskClient, web_db: Session, now: datetime, signed: Settings, how: str
) -> None:
    row = sent_sms(web_db, now, signed)
    form = callback_form(row.provider_message_id or "", "failed", "30006")
    if how == "no signature":
        response = post_callback(client, form, signed_url=None)
    elif how == "wrong token":
        response = post_callback(client, form, token="someone-elses-token")
    elif how == "empty signature":
        response = client.post(PATH, data=form, headers={"X-Twilio-Signature": ""})
    else:
        good = signature(PUBLIC + PATH, callback_form(row.provider_message_id or "", "delivered"))
        response = client.post(PATH, data=form, headers={"X-Twilio-Signature": good})
    assert response.status_code == 403
    row = reload(web_db, row)
    assert row.status == NotificationStatus.SENT
    assert row.provider_status is None and row.error_code is None
    assert row.ticket is not None
    assert all(e.kind != EventKind.NOTIFICATION for e in row.ticket.events)


def test_without_an_auth_token_every_callback_is_refused(
    client: FlaskClient, web_db: Session, now: datetime, app: Flask
) -> None:
    settings: Settings = app.config["HIMCRM_SETTINGS"]
    assert settings.twilio_auth_token == ""  # the embedded default
    row = sent_sms(web_db, now, settings)
    form = callback_form(row.provider_message_id or "", "delivered")
    # Even a signature made with the empty token proves nothing.
    response = post_callback(client, form, signed_url=settings.public_base_url + PATH, token="")
    assert response.status_code == 403
    assert reload(web_db, row).status == NotificationStatus.SENT


def test_the_signature_is_checked_against_the_public_url_not_the_internal_one(
    client: FlaskClient, web_db: Session, now: datetime, signed: Settings
) -> None:
    row = sent_sms(web_db, now, signed)
    form = callback_form(row.provider_message_id or "", "delivered")
    # Flask sees http://localhost/...; Twilio called (and signed) the public URL.
    assert post_callback(client, form, signed_url="http://localhost" + PATH).status_code == 403
    assert reload(web_db, row).status == NotificationStatus.SENT
    assert post_callback(client, form, signed_url=PUBLIC + PATH).status_code == 204
    assert reload(web_db, row).status == NotificationStatus.DELIVERED


def test_a_query_string_is_part_of_the_signed_url(
    client: FlaskClient, web_db: Session, now: datetime, signed: Settings
) -> None:
    row = sent_sms(web_db, now, signed)
    form = callback_form(row.provider_message_id or "", "delivered")
    path = PATH + "?attempt=2"
    assert post_callback(client, form, path=path, signed_url=PUBLIC + PATH).status_code == 403
    assert post_callback(client, form, path=path, signed_url=PUBLIC + path).status_code == 204


def test_behind_a_trusted_proxy_the_public_base_still_decides(
    proxied_client: FlaskClient, web_db: Session, now: datetime, proxied_app: Flask
) -> None:
    settings: Settings = proxied_app.config["HIMCRM_SETTINGS"]
    assert settings.trusted_proxies == 1
    row = sent_sms(web_db, now, settings)
    form = callback_form(row.provider_message_id or "", "delivered")
    forwarded = {
        "X-Forwarded-For": "54.172.60.1",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "him.example.org",
    }
    internal = post_callback(
        proxied_client, form, signed_url="http://localhost" + PATH, headers=forwarded
    )
    assert internal.status_code == 403
    # A forged host header does not move the URL the signature is checked against.
    spoofed = {**forwarded, "X-Forwarded-Host": "attacker.example.net"}
    forged = post_callback(
        proxied_client, form, signed_url="https://attacker.example.net" + PATH, headers=spoofed
    )
    assert forged.status_code == 403
    assert reload(web_db, row).status == NotificationStatus.SENT
    accepted = post_callback(proxied_client, form, signed_url=PUBLIC + PATH, headers=forwarded)
    assert accepted.status_code == 204
    assert reload(web_db, row).status == NotificationStatus.DELIVERED


@pytest.mark.parametrize("missing", ["MessageSid", "MessageStatus"])
def test_a_signed_callback_without_a_required_field_is_a_400_naming_it(
    client: FlaskClient, web_db: Session, now: datetime, signed: Settings, missing: str
) -> None:
    row = sent_sms(web_db, now, signed)
    form = callback_form(row.provider_message_id or "", "delivered")
    del form[missing]
    response = post_callback(client, form)
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == missing and body["error"] == "validation_error"
    assert reload(web_db, row).status == NotificationStatus.SENT


def test_an_unknown_message_is_acknowledged_and_logged_without_personal_data(
    client: FlaskClient,
    web_db: Session,
    signed: Settings,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # migrations/env.py's fileConfig() disables loggers that existed before the
    # session's database was migrated; this test reads this one's records.
    monkeypatch.setattr(logging.getLogger("himcrm.web.webhooks"), "disabled", False)
    sid = "SM" + "f" * 32
    with caplog.at_level(logging.INFO, logger="himcrm.web.webhooks"):
        response = post_callback(client, callback_form(sid, "delivered"))
    assert response.status_code == 204  # Twilio must not retry it
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "himcrm.web.webhooks")
    assert sid in logged
    assert CITIZEN not in logged and FROM_NUMBER not in logged


def test_the_rate_limit_leaves_room_for_the_configured_send_rate(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from himcrm.web.webhooks import status_callback_limit

    settings: Settings = app.config["HIMCRM_SETTINGS"]
    with app.app_context():
        assert status_callback_limit() == "2400 per minute"  # 10 SMS a second
        monkeypatch.setitem(
            app.config, "HIMCRM_SETTINGS", dataclasses.replace(settings, sms_rate_per_second=1)
        )
        assert status_callback_limit() == "600 per minute"  # never below the floor
