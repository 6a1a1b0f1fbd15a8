"""Social replies through the real HTTP client to local fakes of Meta's and X's APIs,
and through the one send path (outbox → deliver)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from himcrm.config import Settings
from himcrm.models import Notification, NotificationChannel, NotificationStatus
from himcrm.notify.gateways import ConsoleEmail, ConsoleSms, SendError
from himcrm.notify.outbox import queue_message
from himcrm.notify.rate_limit import RateLimiter
from himcrm.notify.sender import Senders, deliver
from himcrm.notify.social import ConsoleSocial, MetaMessenger, XDirectMessages, social_gateways
from tests.fakes.social import PAGE_TOKEN, X_TOKEN, FakeSocialApis


@pytest.fixture
def fake() -> Iterator[FakeSocialApis]:
    server = FakeSocialApis().start()
    yield server
    server.stop()


def settings(tmp_path: Path, fake: FakeSocialApis) -> Settings:
    return Settings(
        secret_key="x",
        database_url="sqlite://",
        instance_path=tmp_path,
        meta_app_secret="meta-secret",
        meta_page_access_token=PAGE_TOKEN,
        meta_graph_base=f"{fake.url}/v21.0",
        x_access_token=X_TOKEN,
        x_api_base=fake.url,
    )


def test_meta_send_api_gets_recipient_text_and_appsecret_proof(
    tmp_path: Path, fake: FakeSocialApis
) -> None:
    gateway = MetaMessenger(settings(tmp_path, fake))
    message_id = gateway.send("psid:123", "Başvurunuz alındı", key="k")
    assert message_id.startswith("m_")
    path, body, _headers = fake.received[-1]
    assert path == "/v21.0/me/messages"
    assert body["recipient"] == {"id": "123"} and body["message"] == {"text": "Başvurunuz alındı"}
    assert len(body["appsecret_proof"]) == 64  # hex HMAC-SHA256 of the token
    gateway.send("comment:1234_5678", "Özel yanıt", key="k2")
    assert fake.received[-1][1]["recipient"] == {"comment_id": "1234_5678"}


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (
            (400, {"error": {"message": "outside window", "code": 10, "error_subcode": 2018278}}),
            True,
        ),
        ((400, {"error": {"message": "too many", "code": 613}}), False),
        ((500, {"error": {"message": "boom", "code": 2}}), False),
    ],
)
def test_meta_errors_are_permanent_or_retried(
    tmp_path: Path, fake: FakeSocialApis, error: tuple[int, dict], permanent: bool
) -> None:
    fake.meta_error = error
    with pytest.raises(SendError) as failed:
        MetaMessenger(settings(tmp_path, fake)).send("psid:1", "x", key="k")
    assert failed.value.permanent is permanent


def test_x_direct_message(tmp_path: Path, fake: FakeSocialApis) -> None:
    gateway = XDirectMessages(settings(tmp_path, fake))
    assert gateway.send("user:4242", "Yanıt", key="k").isdigit()
    path, body, headers = fake.received[-1]
    assert path == "/2/dm_conversations/with/4242/messages" and body == {"text": "Yanıt"}
    assert headers["Authorization"] == f"Bearer {X_TOKEN}"
    fake.x_status = 403
    with pytest.raises(SendError) as failed:
        gateway.send("user:4242", "Yanıt", key="k")
    assert failed.value.permanent
    fake.x_status = 503
    with pytest.raises(SendError) as failed:
        gateway.send("user:4242", "Yanıt", key="k")
    assert not failed.value.permanent
    with pytest.raises(SendError) as failed:
        gateway.send("psid:4242", "Yanıt", key="k")
    assert failed.value.permanent and failed.value.code == "recipient"


def test_unconfigured_platforms_stay_on_the_console(tmp_path: Path) -> None:
    gateways = social_gateways(Settings(secret_key="x", database_url="sqlite://"))
    assert all(isinstance(g, ConsoleSocial) for g in gateways.values())


def test_outbox_rows_go_out_through_the_platform(
    session: Session, now: datetime, tmp_path: Path, fake: FakeSocialApis
) -> None:
    s = settings(tmp_path, fake)
    senders = Senders(
        settings=s,
        sms=ConsoleSms(),
        email=ConsoleEmail(),
        limiter=RateLimiter(100),
        social=social_gateways(s),
    )
    row_id = queue_message(
        session,
        key="social-test-1",
        channel=NotificationChannel.SOCIAL_META,
        recipient="psid:99",
        template="ticket_created",
        context={"number": "2026-000042", "token": "tok"},
        now=now,
    )
    assert row_id is not None
    session.commit()
    try:
        assert deliver(session, row_id, senders, now=now) == "sent"
        row = session.get(Notification, row_id)
        assert row is not None and row.status is NotificationStatus.SENT
        assert row.provider == "meta" and (row.provider_message_id or "").startswith("m_")
        text = fake.received[-1][1]["message"]["text"]
        assert "2026-000042" in text and "/t/tok" in text
    finally:
        session.delete(session.get(Notification, row_id))
        session.commit()
