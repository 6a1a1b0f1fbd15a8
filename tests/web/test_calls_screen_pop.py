"""The screen-pop stream, the caller link and the extension form, through the test client."""

from __future__ import annotations

import json
import threading
import time

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from himcrm.channels.phone.screen_pop import broker_for
from himcrm.config import Settings
from himcrm.models import User
from himcrm.web import calls as calls_view
from tests.web.conftest import login, post
from tests.web.phone_helpers import (
    CALLER,
    operator_at_101,
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


# --- the stream -----------------------------------------------------------------


@pytest.fixture
def short_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calls_view, "STREAM_SECONDS", 0.6)
    monkeypatch.setattr(calls_view, "HEARTBEAT_SECONDS", 0.2)


def test_the_stream_is_for_call_takers_only(
    client: FlaskClient, web_db: Session, short_stream: None
) -> None:
    assert client.get("/calls/stream").status_code == 302  # to the login page
    login(client, "fen.personel")
    assert client.get("/calls/stream").status_code == 403


def test_the_stream_pushes_a_pop_then_ends(
    client: FlaskClient, web_db: Session, operator: User, app: Flask, short_stream: None
) -> None:
    login(client, "operator")
    with client.session_transaction() as state:
        seen_before = state["seen_at"]
    payload = {"type": "call", "call_id": 4711, "number": "+90 532 *** ** 33", "citizens": []}

    def publish_soon() -> None:
        time.sleep(0.25)
        broker_for(app).publish(operator.id, payload)

    publisher = threading.Thread(target=publish_soon)
    publisher.start()
    started = time.monotonic()
    response = client.get("/calls/stream")
    body = response.get_data(as_text=True)
    publisher.join()
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    assert time.monotonic() - started < 5  # the stream ends by itself
    assert body.startswith("retry: ")
    assert ": ping" in body
    assert f"event: call\nid: 4711\ndata: {json.dumps(payload)}" in body
    with client.session_transaction() as state:
        assert state["seen_at"] == seen_before  # a stream is not the operator's activity


def test_a_reconnecting_stream_gets_the_call_just_answered(
    client: FlaskClient, web_db: Session, signed: Settings, operator: User, short_stream: None
) -> None:
    twilio_post(client, "/phone/twilio/voice", voice_form())
    leg = {
        "CallSid": "L1",
        "ParentCallSid": "CA100",
        "To": "client:101",
        "CallStatus": "in-progress",
    }
    twilio_post(client, "/phone/twilio/client-status", leg)
    login(client, "operator")
    body = client.get("/calls/stream").get_data(as_text=True)
    call = the_call(web_db, "twilio", "CA100")
    assert f"id: {call.id}\n" in body
    assert CALLER not in body  # the number is masked in the stream


def test_open_redirects_to_the_console_with_the_callers_number(
    client: FlaskClient, web_db: Session, signed: Settings, operator: User
) -> None:
    twilio_post(client, "/phone/twilio/voice", voice_form())
    call = the_call(web_db, "twilio", "CA100")
    login(client, "operator")
    assert client.get(f"/calls/{call.id}/open").status_code == 404  # not their call yet
    leg = {
        "CallSid": "L1",
        "ParentCallSid": "CA100",
        "To": "client:101",
        "CallStatus": "in-progress",
    }
    twilio_post(client, "/phone/twilio/client-status", leg)
    response = client.get(f"/calls/{call.id}/open")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/console/?phone=%2B905321112233")
    assert client.get(f"/calls/{call.id}/caller").get_json()["phone"] == CALLER


def test_a_call_taker_sets_the_extension_of_their_desk(
    client: FlaskClient, web_db: Session, operator: User
) -> None:
    login(client, "backoffice")
    page = client.get("/calls/extension")
    assert page.status_code == 200
    bad = post(client, "/calls/extension", {"phone_extension": "10 1"})
    assert bad.status_code == 422 and "alt çizgi" in bad.get_data(as_text=True)
    response = post(client, "/calls/extension", {"phone_extension": "101"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/")
    web_db.expire_all()
    assert operator.phone_extension is None  # the desk moved to the back office user
    backoffice = web_db.scalar(sa.select(User).where(User.username == "backoffice"))
    assert backoffice is not None and backoffice.phone_extension == "101"
    assert "Dahili numaranız: 101" in client.get("/console/").get_data(as_text=True)
    no_csrf = client.post("/calls/extension", data={"phone_extension": "102"})
    assert no_csrf.status_code == 400  # a form: CSRF applies


def test_department_staff_have_no_extension(client: FlaskClient, web_db: Session) -> None:
    login(client, "fen.personel")
    assert client.get("/calls/extension").status_code == 403
