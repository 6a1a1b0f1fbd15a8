"""Shared by the phone webhook and screen-pop route tests."""

from __future__ import annotations

import dataclasses
import json
import time
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from himcrm.channels.phone import cti
from himcrm.config import Settings
from himcrm.models import Call, Role, User
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN

PUBLIC = "https://him.example.org"
SECRET = "pbx-secret-for-tests"
CALLER = "+905321112233"  # the factories' citizen
STRANGER = "+905329998877"
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE77"


def signed_settings(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The session app with a Twilio token, a public URL and a CTI secret, for one test."""
    base: Settings = app.config["HIMCRM_SETTINGS"]
    settings = dataclasses.replace(
        base,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        public_base_url=PUBLIC,
        cti_secret=SECRET,
    )
    monkeypatch.setitem(app.config, "HIMCRM_SETTINGS", settings)
    return settings


def operator_at_101(web_db: Session) -> User:
    """The demo operator, sitting at extension 101."""
    user = web_db.scalar(sa.select(User).where(User.username == "operator"))
    assert user is not None and user.role is Role.OPERATOR
    user.phone_extension = "101"
    web_db.flush()
    return user


def twilio_post(
    client: FlaskClient, path: str, form: dict[str, str], *, token: str | None = AUTH_TOKEN
) -> TestResponse:
    headers = {}
    if token is not None:
        url = PUBLIC + path
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(url, form)
    return client.post(path, data=form, headers=headers)


def voice_form(sid: str = "CA100", caller: str = CALLER, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT_SID,
        "CallSid": sid,
        "From": caller,
        "To": "+902324440035",
        "CallStatus": "ringing",
        "Direction": "inbound",
        **extra,
    }


def cti_post(
    client: FlaskClient,
    body: dict[str, object] | bytes,
    *,
    secret: str = SECRET,
    stamp: int | None = None,
) -> TestResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    when = str(stamp if stamp is not None else int(time.time()))
    return client.post(
        "/phone/cti/events",
        data=raw,
        content_type="application/json",
        headers={"X-HIMCRM-Timestamp": when, "X-HIMCRM-Signature": cti.sign(secret, when, raw)},
    )


def parse_twiml(body: str | bytes) -> ET.Element:
    return ET.fromstring(body)  # noqa: S314 -- our own TwiML, not untrusted input


def count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def the_call(session: Session, provider: str, sid: str) -> Call:
    session.expire_all()
    call = session.scalar(sa.select(Call).where(Call.provider == provider, Call.external_id == sid))
    assert call is not None
    return call
