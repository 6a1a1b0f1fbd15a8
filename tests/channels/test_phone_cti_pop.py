"""Phone channel services: TwiML, CTI events and signatures, the screen pop."""

from __future__ import annotations

import json
import os
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.channels.phone import calls, cti, twiml
from himcrm.channels.phone.screen_pop import InProcessBroker, RedisBroker, build_pop, recent_pops
from himcrm.errors import ValidationError
from himcrm.models import Call, CallStatus
from tests import factories as f
from tests.channels.phone_helpers import CALLER, operator, ring

# --- TwiML ----------------------------------------------------------------------


def parse_twiml(body: str | bytes) -> ET.Element:
    return ET.fromstring(body)  # noqa: S314 -- our own TwiML, not untrusted input


URLS = twiml.VoiceUrls(
    menu="https://h/phone/twilio/menu",
    ticket_status="https://h/phone/twilio/ticket-status",
    dial_done="https://h/phone/twilio/dial-done",
    client_status="https://h/phone/twilio/client-status",
    recording="https://h/phone/twilio/recording",
    recorded="https://h/phone/twilio/recorded",
)


@pytest.mark.parametrize(
    ("digits", "speech", "choice"),
    [
        ("1", "", twiml.MenuChoice.STATUS),
        ("2", "", twiml.MenuChoice.OPERATOR),
        ("3", "", twiml.MenuChoice.VOICEMAIL),
        ("", "", twiml.MenuChoice.OPERATOR),
        ("", "Başvurumun durumu", twiml.MenuChoice.STATUS),
        ("", "Mesaj bırakmak istiyorum", twiml.MenuChoice.VOICEMAIL),
        ("", "üç", twiml.MenuChoice.VOICEMAIL),
        ("9", "", twiml.MenuChoice.OPERATOR),
    ],
)
def test_menu_choice(digits: str, speech: str, choice: str) -> None:
    assert twiml.menu_choice(digits, speech) == choice


def test_welcome_open_offers_the_turkish_menu_then_an_operator(app: object) -> None:
    with app.app_context():  # type: ignore[attr-defined]
        root = parse_twiml(twiml.welcome(URLS, open_now=True, extensions=["101", "102"]))
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("language") == "tr-TR" and gather.get("input") == "dtmf speech"
    assert gather.get("action") == URLS.menu
    assert "1'e" in (gather.findtext("Say") or "")
    clients = [c.text for c in root.iter("Client")]
    assert clients == ["101", "102"]
    assert root.find("Dial").get("action") == URLS.dial_done  # type: ignore[union-attr]
    assert root.find("Record") is None


def test_welcome_closed_or_without_operators_records_a_voice_mail(app: object) -> None:
    with app.app_context():  # type: ignore[attr-defined]
        closed = parse_twiml(twiml.welcome(URLS, open_now=False, extensions=["101"]))
        nobody = parse_twiml(twiml.after_menu(URLS, twiml.MenuChoice.OPERATOR, extensions=[]))
    for root in (closed, nobody):
        record = root.find("Record")
        assert record is not None and root.find("Dial") is None
        assert record.get("recordingStatusCallback") == URLS.recording
        assert record.get("action") == URLS.recorded


# --- CTI ------------------------------------------------------------------------

SECRET = "pbx-shared-secret"


def test_cti_signature(now: datetime) -> None:
    body = b'{"event":"newCall","callId":"1"}'
    stamp = str(int(now.timestamp()))
    good = cti.sign(SECRET, stamp, body)
    assert cti.request_is_valid(SECRET, stamp, good, body, now)
    assert not cti.request_is_valid(SECRET, stamp, good, body + b" ", now)
    assert not cti.request_is_valid("other", stamp, good, body, now)
    assert not cti.request_is_valid("", stamp, good, body, now)  # no secret: refused
    assert not cti.request_is_valid(SECRET, None, good, body, now)
    assert not cti.request_is_valid(SECRET, "soon", good, body, now)
    late = now + timedelta(minutes=6)
    assert not cti.request_is_valid(SECRET, stamp, good, body, late)  # stale: replay refused
    # The timestamp is signed: a fresh header on an old body does not pass.
    fresh = str(int(late.timestamp()))
    assert not cti.request_is_valid(SECRET, fresh, good, body, late)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[1, 2]", "body"),
        (b'{"event": "ring", "callId": "1"}', "event"),
        (b'{"event": "newCall"}', "callId"),
        (b'{"event": "newCall", "callId": {"a": 1}}', "callId"),
        (b'{"event": "answer", "callId": "1"}', "extension"),
        (b'{"event": "hangup", "callId": "1", "timestamp": "yesterday"}', "timestamp"),
        (b'{"event": "hangup", "callId": "1", "timestamp": "2026-11-17T07:00:00"}', "timestamp"),
        (b'{"event": "hangup", "callId": "1", "timestamp": "2020-01-01T00:00:00Z"}', "timestamp"),
        (b'{"event": "newCall", "callId": "1", "caller": "' + b"5" * 40 + b'"}', "caller"),
    ],
)
def test_cti_bad_events(now: datetime, body: bytes, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        cti.parse_event(body, now)
    assert raised.value.field == field


def test_cti_events_drive_the_call_log_and_one_pop(session: Session, now: datetime) -> None:
    f.ticket(session, topic_code="SU.ABONE.01", now=now)
    user = operator(session, "301")

    def event(kind: str, **extra: object) -> cti.CtiResult:
        body = {"event": kind, "callId": "pbx-77", "caller": "05321112233", **extra}
        return cti.handle_event(session, cti.parse_event(json.dumps(body).encode(), now))

    new = event("newCall", timestamp=now.isoformat())
    assert new.change.changed and not new.pops
    answered = event("answer", extension="301")
    assert answered.change.call.status is CallStatus.ANSWERED
    assert answered.change.call.operator_id == user.id
    (pop,) = answered.pops
    assert pop.operator_id == user.id
    assert not event("answer", extension="301").pops  # a replay pops nothing
    ended = event("hangup")
    assert ended.change.call.status is CallStatus.COMPLETED
    assert session.scalar(sa.select(sa.func.count()).select_from(Call)) == 1


def test_cti_hangup_of_an_unknown_call_still_logs_it(session: Session, now: datetime) -> None:
    body = json.dumps({"event": "hangup", "callId": "lost-1", "caller": "05329998877"}).encode()
    result = cti.handle_event(session, cti.parse_event(body, now))
    assert result.change.call.status is CallStatus.ABANDONED
    assert result.change.call.from_number == "+905329998877"


# --- screen pop -----------------------------------------------------------------


def test_pop_payload_masks_the_number_and_lists_open_tickets(
    session: Session, now: datetime
) -> None:
    ticket = f.ticket(session, topic_code="SU.ABONE.01", now=now)
    user = operator(session)
    call = ring(session, now)
    pop = build_pop(session, call, user)
    payload = pop.payload
    assert payload["call_id"] == call.id
    assert payload["number"] == "+90 532 *** ** 33"
    assert CALLER not in json.dumps(payload)
    (citizen,) = payload["citizens"]
    assert citizen["full_name"] == "Ayşe Yılmaz"
    assert [t["number"] for t in citizen["open_tickets"]] == [ticket.number]
    assert "email" not in citizen and "kimlik_no" not in citizen


def test_recent_pops_catch_up_a_reconnecting_stream(session: Session, now: datetime) -> None:
    user = operator(session)
    call = ring(session, now)
    calls.answer(session, call, user, at=now)
    assert [p.payload["call_id"] for p in recent_pops(session, user, now)] == [call.id]
    assert recent_pops(session, user, now + timedelta(minutes=5)) == []


def test_in_process_broker_delivers_only_to_the_operator() -> None:
    broker = InProcessBroker()
    mine = broker.subscribe(1)
    other = broker.subscribe(2)
    broker.publish(1, {"call_id": 9})
    assert mine.get(timeout=1) == {"call_id": 9}
    assert other.get(timeout=0.05) is None
    mine.close()
    other.close()
    broker.publish(1, {"call_id": 10})  # nobody listening: dropped, no error
    assert broker._subscribers == {}


@pytest.mark.skipif(
    not os.environ.get("HIMCRM_TEST_REDIS_URL"), reason="HIMCRM_TEST_REDIS_URL not set"
)
def test_redis_broker_delivers_across_connections() -> None:
    url = os.environ["HIMCRM_TEST_REDIS_URL"]
    publisher, listener = RedisBroker(url), RedisBroker(url)
    mine = listener.subscribe(4242)
    other = listener.subscribe(4243)
    try:
        mine.get(timeout=0.2)  # let the subscription settle
        publisher.publish(4242, {"call_id": 5})
        deadline = time.monotonic() + 3
        got = None
        while got is None and time.monotonic() < deadline:
            got = mine.get(timeout=0.5)
        assert got == {"call_id": 5}
        assert other.get(timeout=0.2) is None
    finally:
        mine.close()
        other.close()
