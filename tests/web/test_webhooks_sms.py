"""Twilio's inbound SMS webhook: signed or refused, each message once, answers via the outbox."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from himcrm.config import Settings
from himcrm.models import (
    EventKind,
    InboundMessage,
    Notification,
    NotificationChannel,
    NotificationStatus,
    Role,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from himcrm.notify.gateways import ConsoleEmail, ConsoleSms
from himcrm.notify.outbox import queue_message
from himcrm.notify.rate_limit import RateLimiter
from himcrm.notify.sender import Senders, deliver
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor
from tests import factories as f
from tests.conftest import user
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from tests.web.test_webhooks import PUBLIC, signature, twilio_settings

PATH = "/webhooks/twilio/sms"
PHONE = "+905321112233"  # the factories' citizen
NO_APPROVAL = "FEN.YOL.01"
_sids = iter(range(1, 10_000))


@pytest.fixture
def signed(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The session app with a Twilio auth token and a public base URL, for this test only."""
    settings = twilio_settings(app)
    monkeypatch.setitem(app.config, "HIMCRM_SETTINGS", settings)
    return settings


def sid() -> str:
    return f"SM{next(_sids):032x}"


def sms_form(body: str, *, sender: str = PHONE, message_id: str | None = None) -> dict[str, str]:
    """What Twilio posts for an incoming message."""
    message_id = message_id or sid()
    return {
        "ToCountry": "TR",
        "SmsMessageSid": message_id,
        "NumMedia": "0",
        "SmsSid": message_id,
        "SmsStatus": "received",
        "Body": body,
        "FromCountry": "TR",
        "To": FROM_NUMBER,
        "NumSegments": "1",
        "MessageSid": message_id,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


def post_sms(
    client: FlaskClient,
    form: dict[str, str],
    *,
    signed_url: str | None = PUBLIC + PATH,
    token: str = AUTH_TOKEN,
) -> TestResponse:
    headers = {}
    if signed_url is not None:
        headers["X-Twilio-Signature"] = signature(signed_url, form, token)
    return client.post(PATH, data=form, headers=headers)


def count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def counts(session: Session) -> tuple[int, int, int, int]:
    session.expire_all()
    return (
        count(session, InboundMessage),
        count(session, Notification),
        count(session, Ticket),
        count(session, TicketEvent),
    )


def reply_of(session: Session, message_id: str) -> Notification | None:
    session.expire_all()
    return session.scalar(
        sa.select(Notification).where(Notification.idempotency_key == f"sms:{message_id}:reply")
    )


def assert_empty_twiml(response: TestResponse) -> None:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    assert response.get_data(as_text=True).endswith("<Response/>")


def test_a_signed_status_query_is_stored_and_answered_through_the_outbox(
    client: FlaskClient, web_db: Session, now: datetime, signed: Settings
) -> None:
    ticket = f.ticket(web_db, topic_code=NO_APPROVAL, now=now)
    form = sms_form(f"durum {ticket.number}")
    response = post_sms(client, form)  # no CSRF token: the signature is the proof
    assert_empty_twiml(response)
    assert response.headers["X-RateLimit-Limit"] == "600"  # the public endpoint is limited
    message = web_db.scalar(
        sa.select(InboundMessage).where(InboundMessage.external_id == form["MessageSid"])
    )
    assert message is not None and message.channel == "sms"
    assert message.outcome == "status" and message.ticket_id == ticket.id
    row = reply_of(web_db, form["MessageSid"])
    assert row is not None and row.template == "sms_status" and row.recipient == PHONE
    assert row.channel == NotificationChannel.SMS
    # send_now: the send job ran after the commit (console gateway in tests).
    assert row.status == NotificationStatus.SENT and row.provider_message_id


@pytest.mark.parametrize("how", ["no signature", "wrong token", "tampered body", "empty signature"])
def test_an_unsigned_or_forged_message_is_refused_and_nothing_recorded(
    client: FlaskClient, web_db: Session, now: datetime, signed: Settings, how: str
) -> None:
    f.ticket(web_db, topic_code=NO_APPROVAL, now=now)
    before = counts(web_db)
    form = sms_form("Çöp konteyneri taştı")
    if how == "no signature":
        response = post_sms(client, form, signed_url=None)
    elif how == "wrong token":
        response = post_sms(client, form, token="someone-elses-token")
    elif how == "empty signature":
        response = client.post(PATH, data=form, headers={"X-Twilio-Signature": ""})
    else:
        good = signature(PUBLIC + PATH, form)
        tampered = {**form, "Body": "DURUM 2026-000001"}
        response = client.post(PATH, data=tampered, headers={"X-Twilio-Signature": good})
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"
    assert counts(web_db) == before


def test_without_an_auth_token_every_message_is_refused(
    client: FlaskClient, web_db: Session, app: Flask
) -> None:
    settings: Settings = app.config["HIMCRM_SETTINGS"]
    assert settings.twilio_auth_token == ""
    before = counts(web_db)
    form = sms_form("Merhaba")
    response = post_sms(client, form, signed_url=settings.public_base_url + PATH, token="")
    assert response.status_code == 403
    assert counts(web_db) == before


def test_the_signature_is_checked_against_the_public_url(
    client: FlaskClient, web_db: Session, signed: Settings
) -> None:
    before = counts(web_db)
    form = sms_form("Merhaba", sender="+905551112200")
    assert post_sms(client, form, signed_url="http://localhost" + PATH).status_code == 403
    assert counts(web_db) == before


@pytest.mark.parametrize("text", ["DURUM 2026-000001", "Parktaki bank kırık", ""])
def test_a_replayed_webhook_records_and_sends_nothing_twice(
    client: FlaskClient, web_db: Session, now: datetime, signed: Settings, text: str
) -> None:
    form = sms_form(text, sender="+905551112201")
    assert_empty_twiml(post_sms(client, form))
    after_first = counts(web_db)
    assert_empty_twiml(post_sms(client, form))  # Twilio retried, or someone replayed it
    assert counts(web_db) == after_first


def test_a_new_ticket_by_sms_lands_in_triage_with_the_normal_acknowledgement(
    client: FlaskClient, web_db: Session, signed: Settings
) -> None:
    form = sms_form("Otobüs durağının camı kırık, Alsancak.", sender="+905551112202")
    assert_empty_twiml(post_sms(client, form))
    web_db.expire_all()
    ticket = web_db.scalar(sa.select(Ticket).where(Ticket.external_id == form["MessageSid"]))
    assert ticket is not None and ticket.channel == "sms"
    assert ticket.status == TicketStatus.NEW and ticket.topic_code_id is None
    assert ticket.description == form["Body"]
    ack = web_db.scalar(
        sa.select(Notification).where(Notification.idempotency_key == f"ticket:{ticket.id}:ack")
    )
    assert ack is not None and ack.recipient == "+905551112202"
    assert ack.template == "ticket_created" and ack.status == NotificationStatus.SENT
    assert reply_of(web_db, form["MessageSid"]) is None


def test_text_from_a_citizen_with_an_open_ticket_becomes_a_note(
    client: FlaskClient, web_db: Session, now: datetime, signed: Settings
) -> None:
    ticket = f.ticket(web_db, topic_code=NO_APPROVAL, now=now)
    form = sms_form("Ekip hâlâ gelmedi.")
    assert_empty_twiml(post_sms(client, form))
    web_db.expire_all()
    notes = web_db.scalars(
        sa.select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.NOTE
        )
    ).all()
    assert [(n.reason, n.actor_label) for n in notes] == [("Ekip hâlâ gelmedi.", "sms")]
    row = reply_of(web_db, form["MessageSid"])
    assert row is not None and row.template == "sms_note_added" and row.ticket_id == ticket.id


@pytest.mark.parametrize(("text", "reopened"), [("5 çok teşekkürler", False), ("2", True)])
def test_a_survey_reply_is_recorded_and_answered(
    client: FlaskClient,
    web_db: Session,
    now: datetime,
    signed: Settings,
    text: str,
    reopened: bool,
) -> None:
    ticket = f.ticket(web_db, topic_code=NO_APPROVAL, now=now)
    staff = Actor(user(web_db, Role.DEPT_STAFF, "FEN.YOL"))
    lifecycle.answer(ticket, staff, now=now)
    row_id = queue_message(
        web_db,
        key=f"ticket:{ticket.id}:survey",
        channel=NotificationChannel.SMS,
        recipient=PHONE,
        template="survey",
        context={"number": ticket.number, "token": ticket.tracking_token},
        now=now,
        ticket_id=ticket.id,
    )
    senders = Senders(
        settings=signed, sms=ConsoleSms(), email=ConsoleEmail(), limiter=RateLimiter(10)
    )
    assert row_id is not None
    assert deliver(web_db, row_id, senders, now=now + timedelta(days=1)) == "sent"

    form = sms_form(text)
    assert_empty_twiml(post_sms(client, form))
    web_db.expire_all()
    fresh = web_db.get(Ticket, ticket.id)
    assert fresh is not None and fresh.satisfaction == int(text[0])
    assert fresh.status == (TicketStatus.NEW if reopened else TicketStatus.ANSWERED)
    row = reply_of(web_db, form["MessageSid"])
    assert row is not None
    assert row.template == ("survey_reopened" if reopened else "survey_thanks")


@pytest.mark.parametrize("missing", ["MessageSid", "From"])
def test_a_message_without_a_required_field_is_a_400_naming_it(
    client: FlaskClient, web_db: Session, signed: Settings, missing: str
) -> None:
    before = counts(web_db)
    form = sms_form("Merhaba", sender="+905551112203")
    del form[missing]
    response = post_sms(client, form)
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == missing and body["error"] == "validation_error"
    assert counts(web_db) == before


def test_a_body_over_twilios_limit_is_a_400_naming_it(
    client: FlaskClient, web_db: Session, signed: Settings
) -> None:
    before = counts(web_db)
    response = post_sms(client, sms_form("a" * 1601, sender="+905551112204"))
    assert response.status_code == 400 and response.get_json()["field"] == "Body"
    assert counts(web_db) == before


def test_logs_carry_the_message_id_but_no_phone_or_text(
    client: FlaskClient,
    web_db: Session,
    signed: Settings,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # migrations/env.py's fileConfig() disables loggers that existed before the
    # session's database was migrated; this test reads these ones' records.
    names = ("himcrm.web.webhooks", "himcrm.channels.inbound_sms")
    for name in names:
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)
    form = sms_form("Kaldırımda çukur var", sender="+905551112205")
    with caplog.at_level(logging.INFO):
        assert_empty_twiml(post_sms(client, form))
        assert_empty_twiml(post_sms(client, form))  # the replay is logged too
        assert (
            post_sms(client, sms_form("x", sender="+905551112205"), token="bad").status_code == 403
        )
    logged = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("himcrm"))
    assert form["MessageSid"] in logged and "new_ticket" in logged
    assert "+905551112205" not in logged and "5551112205" not in logged
    assert "çukur" not in logged
