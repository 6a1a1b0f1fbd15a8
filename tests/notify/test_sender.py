"""The one send path against a local fake Twilio (real client library) and a local SMTP server."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy.orm import Session

from himcrm.config import Settings
from himcrm.models import EventKind, Notification, NotificationChannel, NotificationStatus
from himcrm.notify.gateways import ConsoleEmail, ConsoleSms, SmtpEmail, TwilioSms
from himcrm.notify.outbox import queue_message
from himcrm.notify.rate_limit import RateLimiter
from himcrm.notify.sender import Senders, claim, deliver
from himcrm.notify.texts import sms_segments
from tests import factories as f
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio

CITIZEN = "+905321234567"


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    yield server
    server.stop()


def settings(tmp_path: Path, fake: FakeTwilio | None = None, **extra: object) -> Settings:
    base = Settings(
        secret_key="x",
        database_url="sqlite://",
        instance_path=tmp_path,
        public_base_url="https://him.example.org",
        sms_gateway="twilio" if fake else "console",
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_from_number=FROM_NUMBER,
        twilio_api_base=fake.url if fake else None,
        send_lease_seconds=60,
    )
    return dataclasses.replace(base, **extra)  # type: ignore[arg-type]


def twilio_senders(tmp_path: Path, fake: FakeTwilio, **extra: object) -> Senders:
    s = settings(tmp_path, fake, **extra)
    return Senders(settings=s, sms=TwilioSms(s), email=ConsoleEmail(), limiter=RateLimiter(100))


def ack(session: Session, now: datetime, recipient: str = CITIZEN, key: str = "k1") -> int:
    ticket = f.ticket(session, topic_code=None, now=now, channel="web", phone=None)
    row = queue_message(
        session,
        key=key,
        channel=NotificationChannel.SMS,
        recipient=recipient,
        template="ticket_created",
        context={"number": ticket.number, "token": ticket.tracking_token},
        now=now,
        ticket_id=ticket.id,
    )
    assert row is not None
    return row


def test_an_sms_goes_out_through_the_real_twilio_client(
    session: Session, now: datetime, tmp_path: Path, fake: FakeTwilio
) -> None:
    row_id = ack(session, now)
    assert deliver(session, row_id, twilio_senders(tmp_path, fake), now=now) == "sent"
    [request] = fake.received
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.auth_user == ACCOUNT_SID
    assert request.form["To"] == CITIZEN and request.form["From"] == FROM_NUMBER
    assert request.form["StatusCallback"] == "https://him.example.org/webhooks/twilio/status"
    row = session.get(Notification, row_id)
    assert row is not None and row.status == NotificationStatus.SENT and row.provider == "twilio"
    assert row.provider_message_id == request.sid
    assert (
        "numarasıyla alındı" in request.form["Body"]
        and "https://him.example.org/t/" in request.form["Body"]
    )
    # Sending again is a no-op: the row is no longer claimable.
    assert deliver(session, row_id, twilio_senders(tmp_path, fake), now=now) == "skipped"
    assert fake.count() == 1


@pytest.mark.parametrize("code", [21211, 21614, 21610, 30006])
def test_permanent_errors_are_not_retried_and_show_on_the_ticket(
    session: Session, now: datetime, tmp_path: Path, fake: FakeTwilio, code: int
) -> None:
    fake.permanent[CITIZEN] = code
    row_id = ack(session, now)
    assert deliver(session, row_id, twilio_senders(tmp_path, fake), now=now) == "failed"
    row = session.get(Notification, row_id)
    assert (
        row is not None and row.status == NotificationStatus.FAILED and row.error_code == str(code)
    )
    assert row.ticket is not None
    event = row.ticket.events[-1]
    assert event.kind == EventKind.NOTIFICATION and event.data["error_code"] == str(code)
    later = now + timedelta(days=1)
    assert deliver(session, row_id, twilio_senders(tmp_path, fake), now=later) == "skipped"
    assert fake.count() == 0


def test_transient_errors_back_off_then_succeed(
    session: Session, now: datetime, tmp_path: Path, fake: FakeTwilio
) -> None:
    fake.transient_failures = 1
    row_id = ack(session, now)
    senders = twilio_senders(tmp_path, fake)
    assert deliver(session, row_id, senders, now=now) == "retry"
    row = session.get(Notification, row_id)
    assert row is not None and row.status == NotificationStatus.PENDING and row.send_after > now
    assert deliver(session, row_id, senders, now=now + timedelta(seconds=1)) == "skipped"  # not yet
    assert deliver(session, row_id, senders, now=row.send_after) == "sent"
    assert fake.count() == 1


def test_a_send_cut_off_after_twilio_accepted_it_is_not_repeated(
    session: Session, now: datetime, tmp_path: Path, fake: FakeTwilio
) -> None:
    """A worker died between Twilio's 201 and our commit: the next pass finds the message."""
    row_id = ack(session, now)
    senders = twilio_senders(tmp_path, fake)
    row = claim(session, row_id, now=now, lease=timedelta(seconds=60))
    assert row is not None
    from himcrm.notify.texts import render

    _subject, body = render(row.template, row.context, base_url="https://him.example.org")
    sid = senders.sms.send(CITIZEN, body, key=row.idempotency_key, status_callback=None)
    # ... and the worker was killed here. Within the lease nobody touches the row:
    assert deliver(session, row_id, senders, now=now + timedelta(seconds=30)) == "skipped"
    assert deliver(session, row_id, senders, now=now + timedelta(seconds=61)) == "sent"
    assert fake.count() == 1
    assert session.get(Notification, row_id).provider_message_id == sid  # type: ignore[union-attr]


def test_transliteration_keeps_sms_in_gsm7(
    session: Session, now: datetime, tmp_path: Path, fake: FakeTwilio
) -> None:
    row_id = ack(session, now)
    assert (
        deliver(session, row_id, twilio_senders(tmp_path, fake, sms_transliterate=True), now=now)
        == "sent"
    )
    body = fake.received[0].form["Body"]
    assert "Başvurunuz" not in body and "Basvurunuz" in body
    assert sms_segments(body).encoding == "GSM-7"
    assert sms_segments("İzmir BB HİM: Başvurunuz alındı").encoding == "UCS-2"


def test_segment_counting() -> None:
    assert sms_segments("a" * 160).count == 1 and sms_segments("a" * 161).count == 2
    assert sms_segments("ş" * 70).count == 1 and sms_segments("ş" * 71).count == 2
    assert sms_segments("€" * 80).length == 160  # the extension table costs two septets


def test_email_through_a_real_smtp_server(session: Session, now: datetime, tmp_path: Path) -> None:
    received: list = []

    class Collect(Message):
        def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
            received.append(message)

    with socket.socket() as probe:  # aiosmtpd cannot listen on port 0: find a free one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        s = settings(tmp_path, email_gateway="smtp", smtp_host="127.0.0.1", smtp_port=port)
        senders = Senders(settings=s, sms=ConsoleSms(), email=SmtpEmail(s), limiter=RateLimiter(10))
        row_id = queue_message(
            session,
            key="mail-1",
            channel=NotificationChannel.EMAIL,
            recipient="vatandas@example.org",
            template="ticket_created",
            context={"number": "2026-000042", "token": "abc"},
            now=now,
        )
        assert row_id is not None
        assert deliver(session, row_id, senders, now=now) == "sent"
    finally:
        controller.stop()
    [message] = received
    assert message["To"] == "vatandas@example.org"
    assert "2026-000042" in message["Subject"]
    assert message["Message-ID"] == session.get(Notification, row_id).provider_message_id  # type: ignore[union-attr]


def test_rate_limiter_counts_per_second_locally_and_in_redis() -> None:
    local = RateLimiter(2)
    assert [local._try(100), local._try(100), local._try(100), local._try(101)] == [
        True,
        True,
        False,
        True,
    ]
    connection = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    connection.delete("himcrm:rate:test:200", "himcrm:rate:test:201")
    shared_a, shared_b = (
        RateLimiter(3, redis=connection, name="test"),
        RateLimiter(3, redis=connection, name="test"),
    )
    results = [shared_a._try(200), shared_b._try(200), shared_a._try(200), shared_b._try(200)]
    assert results == [True, True, True, False]  # two senders share one budget
    assert shared_b._try(201)


def test_console_gateway_is_the_default(session: Session, now: datetime, tmp_path: Path) -> None:
    s = settings(tmp_path)
    senders = Senders(settings=s, sms=ConsoleSms(), email=ConsoleEmail(), limiter=RateLimiter(10))
    row_id = ack(session, now)
    assert deliver(session, row_id, senders, now=now) == "sent"
    row = session.scalar(sa.select(Notification).where(Notification.id == row_id))
    assert (
        row is not None
        and row.provider == "console"
        and row.provider_message_id.startswith("console-")
    )
