"""Phone webhooks (Twilio Voice, CTI) through the test client: signed, unsigned, replayed."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from himcrm.channels.phone import cti
from himcrm.channels.phone.screen_pop import broker_for
from himcrm.config import Settings
from himcrm.models import Call, CallStatus, Ticket, User, utcnow
from tests import factories as f
from tests.fakes.twilio import AUTH_TOKEN
from tests.web.phone_helpers import (
    CALLER,
    PUBLIC,
    RECORDING,
    SECRET,
    STRANGER,
    count,
    cti_post,
    operator_at_101,
    parse_twiml,
    signed_settings,
    the_call,
    twilio_post,
    voice_form,
)


@pytest.fixture
def signed(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Settings:
    return signed_settings(app, monkeypatch)


@pytest.fixture
def operator(web_db: Session) -> User:
    return operator_at_101(web_db)


# --- Twilio: signatures ------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/phone/twilio/voice",
        "/phone/twilio/menu",
        "/phone/twilio/ticket-status",
        "/phone/twilio/dial-done",
        "/phone/twilio/client-status",
        "/phone/twilio/call-status",
        "/phone/twilio/recording",
        "/phone/twilio/recorded",
    ],
)
@pytest.mark.parametrize("how", ["unsigned", "wrong token"])
def test_unsigned_twilio_webhooks_are_refused(
    client: FlaskClient, web_db: Session, signed: Settings, path: str, how: str
) -> None:
    form = voice_form(RecordingSid="RE1", RecordingUrl=RECORDING, ParentCallSid="CA100")
    token = None if how == "unsigned" else "someone-elses-token"
    response = twilio_post(client, path, form, token=token)
    assert response.status_code == 403
    assert count(web_db, Call) == 0 and count(web_db, Ticket) == 0


def test_without_an_auth_token_voice_is_refused(client: FlaskClient, web_db: Session) -> None:
    response = twilio_post(client, "/phone/twilio/voice", voice_form(), token="")
    assert response.status_code == 403
    assert count(web_db, Call) == 0


def test_a_signature_for_another_url_is_refused(
    client: FlaskClient, web_db: Session, signed: Settings
) -> None:
    form = voice_form()
    good_elsewhere = RequestValidator(AUTH_TOKEN).compute_signature(
        PUBLIC + "/phone/twilio/menu", form
    )
    response = client.post(
        "/phone/twilio/voice", data=form, headers={"X-Twilio-Signature": good_elsewhere}
    )
    assert response.status_code == 403 and count(web_db, Call) == 0


# --- Twilio: the call -----------------------------------------------------------


def test_inbound_call_is_logged_once_and_answered_with_the_turkish_ivr(
    client: FlaskClient, web_db: Session, signed: Settings, operator: User, now: datetime
) -> None:
    f.ticket(web_db, topic_code=None, now=now)
    first = twilio_post(client, "/phone/twilio/voice", voice_form())
    replay = twilio_post(client, "/phone/twilio/voice", voice_form())
    assert first.status_code == 200 and replay.status_code == 200
    assert first.mimetype == "text/xml"
    assert first.headers["X-RateLimit-Limit"] == "1200"
    root = parse_twiml(first.get_data(as_text=True))
    assert root.tag == "Response"
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("language") == "tr-TR" and gather.get("input") == "dtmf speech"
    assert gather.get("action") == PUBLIC + "/phone/twilio/menu"
    assert root.findtext("Say", "").startswith("İzmir Büyükşehir")
    assert [c.text for c in root.iter("Client")] == ["101"]
    assert count(web_db, Call) == 1
    call = the_call(web_db, "twilio", "CA100")
    assert call.status is CallStatus.RINGING and call.citizen_id is not None


def test_after_hours_the_caller_leaves_a_voice_mail(
    client: FlaskClient,
    web_db: Session,
    signed: Settings,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Open one minute a day, at a minute that is not now.
    hour = (utcnow().hour + 12) % 24
    closed = dataclasses.replace(signed, call_centre_hours=f"{hour:02d}:00-{hour:02d}:01")
    monkeypatch.setitem(app.config, "HIMCRM_SETTINGS", closed)
    root = parse_twiml(twilio_post(client, "/phone/twilio/voice", voice_form()).data)
    assert root.find("Gather") is None and root.find("Dial") is None
    record = root.find("Record")
    assert record is not None
    assert record.get("recordingStatusCallback") == PUBLIC + "/phone/twilio/recording"


def test_menu_and_status_query_for_the_citizens_own_ticket(
    client: FlaskClient, web_db: Session, signed: Settings, now: datetime
) -> None:
    ticket = f.ticket(web_db, topic_code="SU.ABONE.01", now=now)
    twilio_post(client, "/phone/twilio/voice", voice_form())
    menu = parse_twiml(twilio_post(client, "/phone/twilio/menu", voice_form(Digits="1")).data)
    ask = menu.find("Gather")
    assert ask is not None and ask.get("action") == PUBLIC + "/phone/twilio/ticket-status"
    keyed = ticket.number.replace("-", "") + "#"
    answer = parse_twiml(
        twilio_post(client, "/phone/twilio/ticket-status", voice_form(Digits=keyed)).data
    )
    said = answer.findtext("Say", "")
    assert ticket.number.replace("-", " ") in said and "Birime yönlendirildi" in said
    assert "Ayşe" not in said


def test_status_query_from_another_phone_hears_not_found(
    client: FlaskClient, web_db: Session, signed: Settings, now: datetime
) -> None:
    ticket = f.ticket(web_db, topic_code="SU.ABONE.01", now=now)
    form = voice_form("CA200", STRANGER)
    twilio_post(client, "/phone/twilio/voice", form)
    keyed = ticket.number.replace("-", "")
    answer = parse_twiml(
        twilio_post(client, "/phone/twilio/ticket-status", {**form, "Digits": keyed}).data
    )
    assert "bulunamadı" in answer.findtext("Say", "")
    assert ticket.number.replace("-", " ") not in answer.findtext("Say", "")


def test_the_operator_who_answers_gets_one_pop_and_the_call(
    client: FlaskClient, web_db: Session, signed: Settings, operator: User, app: Flask
) -> None:
    twilio_post(client, "/phone/twilio/voice", voice_form())
    subscription = broker_for(app).subscribe(operator.id)
    try:
        leg = {"CallSid": "CA-leg", "ParentCallSid": "CA100", "To": "client:101"}
        leg["CallStatus"] = "in-progress"
        assert twilio_post(client, "/phone/twilio/client-status", leg).status_code == 204
        assert twilio_post(client, "/phone/twilio/client-status", leg).status_code == 204
        pop = subscription.get(timeout=1)
        assert pop is not None and pop["number"] == "+90 532 *** ** 33"
        assert subscription.get(timeout=0.05) is None  # the replay popped nothing
    finally:
        subscription.close()
    call = the_call(web_db, "twilio", "CA100")
    assert call.status is CallStatus.ANSWERED and call.operator_id == operator.id
    done = twilio_post(client, "/phone/twilio/call-status", voice_form(CallStatus="completed"))
    assert done.status_code == 204
    assert the_call(web_db, "twilio", "CA100").status is CallStatus.COMPLETED


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("no-answer", CallStatus.ABANDONED),
        ("busy", CallStatus.ABANDONED),
        ("canceled", CallStatus.ABANDONED),
        ("completed", CallStatus.ABANDONED),
        ("failed", CallStatus.FAILED),
        ("in-progress", CallStatus.RINGING),
    ],
)
def test_call_status_callback(
    client: FlaskClient, web_db: Session, signed: Settings, status: str, expected: CallStatus
) -> None:
    twilio_post(client, "/phone/twilio/voice", voice_form())
    response = twilio_post(client, "/phone/twilio/call-status", voice_form(CallStatus=status))
    assert response.status_code == 204
    assert the_call(web_db, "twilio", "CA100").status is expected


def test_nobody_picks_up_then_voice_mail(
    client: FlaskClient, web_db: Session, signed: Settings, operator: User
) -> None:
    twilio_post(client, "/phone/twilio/voice", voice_form())
    after = parse_twiml(
        twilio_post(client, "/phone/twilio/dial-done", voice_form(DialCallStatus="no-answer")).data
    )
    assert after.find("Record") is not None
    hung = parse_twiml(
        twilio_post(client, "/phone/twilio/dial-done", voice_form(DialCallStatus="completed")).data
    )
    assert hung.find("Hangup") is not None


def test_recording_makes_one_voicemail_ticket(
    client: FlaskClient, web_db: Session, signed: Settings
) -> None:
    twilio_post(client, "/phone/twilio/voice", voice_form("CA300", STRANGER))
    form = {
        "CallSid": "CA300",
        "RecordingSid": "RE77",
        "RecordingUrl": RECORDING,
        "RecordingStatus": "completed",
        "RecordingDuration": "31",
    }
    assert twilio_post(client, "/phone/twilio/recording", form).status_code == 204
    assert twilio_post(client, "/phone/twilio/recording", form).status_code == 204
    assert count(web_db, Ticket) == 1
    ticket = web_db.scalar(sa.select(Ticket).where(Ticket.external_id == "RE77"))
    assert ticket is not None and ticket.channel.value == "phone" and ticket.topic_code_id is None
    call = the_call(web_db, "twilio", "CA300")
    assert call.status is CallStatus.VOICEMAIL and call.recording_url == RECORDING
    assert ticket.call_id == call.id
    goodbye = parse_twiml(twilio_post(client, "/phone/twilio/recorded", form).data)
    assert goodbye.find("Hangup") is not None


@pytest.mark.parametrize(
    ("path", "form", "field", "status"),
    [
        ("/phone/twilio/voice", {"From": CALLER}, "CallSid", 422),
        ("/phone/twilio/voice", {"CallSid": "C" * 200}, "CallSid", 422),
        ("/phone/twilio/menu", {"CallSid": "unknown"}, "CallSid", 404),
        ("/phone/twilio/call-status", {"CallSid": "CA9"}, "CallStatus", 422),
        (
            "/phone/twilio/recording",
            {"CallSid": "CA100", "RecordingSid": "RE1", "RecordingUrl": "http://evil/x"},
            "recording_url",
            422,
        ),
        (
            "/phone/twilio/recording",
            {"CallSid": "CA100", "RecordingUrl": RECORDING, "RecordingDuration": "abc"},
            "RecordingDuration",
            422,
        ),
    ],
)
def test_bad_twilio_payloads_are_4xx_and_record_nothing(
    client: FlaskClient,
    web_db: Session,
    signed: Settings,
    path: str,
    form: dict[str, str],
    field: str,
    status: int,
) -> None:
    twilio_post(client, "/phone/twilio/voice", voice_form())  # CA100 exists, ringing
    response = twilio_post(client, path, form)
    assert response.status_code == status
    assert response.get_json()["field"] == field
    assert count(web_db, Call) == 1 and count(web_db, Ticket) == 0
    assert the_call(web_db, "twilio", "CA100").status is CallStatus.RINGING


# --- CTI ------------------------------------------------------------------------


def test_cti_without_a_secret_is_refused(client: FlaskClient, web_db: Session) -> None:
    response = cti_post(client, {"event": "newCall", "callId": "p1"}, secret="")
    assert response.status_code == 403 and count(web_db, Call) == 0


@pytest.mark.parametrize("how", ["unsigned", "wrong secret", "stale", "tampered"])
def test_forged_cti_events_are_refused(
    client: FlaskClient, web_db: Session, signed: Settings, how: str
) -> None:
    body = {"event": "newCall", "callId": "p1", "caller": CALLER}
    if how == "unsigned":
        response = client.post("/phone/cti/events", json=body)
    elif how == "wrong secret":
        response = cti_post(client, body, secret="guess")
    elif how == "stale":
        response = cti_post(client, body, stamp=int(time.time()) - 600)
    else:
        stamp = str(int(time.time()))
        good = cti.sign(SECRET, stamp, json.dumps(body).encode())
        response = client.post(
            "/phone/cti/events",
            data=json.dumps({**body, "callId": "p2"}),
            content_type="application/json",
            headers={"X-HIMCRM-Timestamp": stamp, "X-HIMCRM-Signature": good},
        )
    assert response.status_code == 403
    assert count(web_db, Call) == 0


def test_cti_call_log_and_pop(
    client: FlaskClient, web_db: Session, signed: Settings, operator: User, app: Flask
) -> None:
    new = {"event": "newCall", "callId": "p1", "caller": "0532 111 22 33"}
    assert cti_post(client, new).status_code == 200
    assert cti_post(client, new).status_code == 200  # replay
    subscription = broker_for(app).subscribe(operator.id)
    try:
        answered = cti_post(client, {"event": "answer", "callId": "p1", "extension": "101"})
        assert answered.status_code == 200 and answered.get_json()["status"] == "answered"
        assert (
            cti_post(client, {"event": "answer", "callId": "p1", "extension": "101"}).status_code
            == 200
        )
        pop = subscription.get(timeout=1)
        assert pop is not None and pop["call_id"] == the_call(web_db, "cti", "p1").id
        assert subscription.get(timeout=0.05) is None
    finally:
        subscription.close()
    assert cti_post(client, {"event": "hangup", "callId": "p1"}).get_json()["status"] == (
        "completed"
    )
    assert count(web_db, Call) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "body"),
        (b'{"event": "dial", "callId": "p1"}', "event"),
        (b'{"event": "answer", "callId": "p1"}', "extension"),
        (b'{"event": "newCall", "callId": ""}', "callId"),
    ],
)
def test_bad_cti_payloads_are_422_and_record_nothing(
    client: FlaskClient, web_db: Session, signed: Settings, body: bytes, field: str
) -> None:
    response = cti_post(client, body)
    assert response.status_code == 422
    assert response.get_json()["field"] == field
    assert count(web_db, Call) == 0
