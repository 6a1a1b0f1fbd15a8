"""The outbox page: what the console gateway "sent", with masking by role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from himcrm.models import Notification, NotificationChannel, Role, Ticket
from himcrm.notify.gateways import ConsoleEmail, ConsoleSms
from himcrm.notify.outbox import queue_message
from himcrm.notify.rate_limit import RateLimiter
from himcrm.notify.sender import Senders, deliver, record_status
from himcrm.web.outbox import mask_email
from tests import factories as f
from tests.conftest import user
from tests.web.conftest import login

CITIZEN_PHONE = "+905321234567"
CITIZEN_MAIL = "vatandas@example.org"
STAFF_PHONE = "+905559876543"
FAILED_PHONE = "+905301112244"


@dataclass
class Outbox:
    ticket: Ticket
    other: Ticket
    staff_name: str


def _sent(session: Session, app: Flask, row_id: int | None, now: datetime) -> Notification:
    """Send an outbox row through the console gateway (the embedded default)."""
    assert row_id is not None
    senders = Senders(
        settings=app.config["HIMCRM_SETTINGS"],
        sms=ConsoleSms(),
        email=ConsoleEmail(),
        limiter=RateLimiter(100),
    )
    assert deliver(session, row_id, senders, now=now) == "sent"
    row = session.get(Notification, row_id)
    assert row is not None and row.provider_message_id
    return row


def _ack(
    session: Session,
    ticket: Ticket,
    channel: NotificationChannel,
    recipient: str,
    now: datetime,
) -> int | None:
    return queue_message(
        session,
        key=f"test:{ticket.id}:{recipient}",
        channel=channel,
        recipient=recipient,
        template="ticket_created",
        context={"number": ticket.number, "token": ticket.tracking_token},
        now=now,
        ticket_id=ticket.id,
    )


@pytest.fixture
def outbox(web_db: Session, app: Flask, now: datetime) -> Outbox:
    """Written and sent in this order: a citizen SMS (sent), a citizen e-mail (sent),
    a staff reminder SMS (delivered) and a citizen SMS that failed (Twilio 30006)."""
    ticket = f.ticket(web_db, topic_code=None, now=now, channel="web", phone=None)
    other = f.ticket(web_db, topic_code=None, now=now, channel="web", phone=None)
    staff = user(web_db, Role.DEPT_STAFF, "FEN.YOL")
    _sent(web_db, app, _ack(web_db, ticket, NotificationChannel.SMS, CITIZEN_PHONE, now), now)
    _sent(web_db, app, _ack(web_db, other, NotificationChannel.EMAIL, CITIZEN_MAIL, now), now)
    reminder = queue_message(
        web_db,
        key=f"test:{ticket.id}:reminder:p50",
        channel=NotificationChannel.SMS,
        recipient=STAFF_PHONE,
        template="reminder_p50",
        context={"number": ticket.number, "due": (now + timedelta(days=3)).isoformat()},
        now=now,
        ticket_id=ticket.id,
        user_id=staff.id,
    )
    delivered = _sent(web_db, app, reminder, now)
    failed = _sent(
        web_db, app, _ack(web_db, other, NotificationChannel.SMS, FAILED_PHONE, now), now
    )
    assert record_status(web_db, delivered.provider_message_id or "", "delivered", None, now=now)
    assert record_status(web_db, failed.provider_message_id or "", "failed", "30006", now=now)
    web_db.commit()
    return Outbox(ticket=ticket, other=other, staff_name=staff.full_name)


def page(client: FlaskClient, query: str = "") -> str:
    response = client.get("/outbox/" + query)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_outbox_needs_a_login(client: FlaskClient) -> None:
    response = client.get("/outbox/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("username", ["fen.personel", "operator", "fen.mudur"])
def test_other_roles_may_not_see_the_outbox(client: FlaskClient, username: str) -> None:
    login(client, username)
    assert client.get("/outbox/").status_code == 403


def test_back_office_sees_the_texts_and_full_contacts(client: FlaskClient, outbox: Outbox) -> None:
    login(client, "backoffice")
    html = page(client)
    for contact in (CITIZEN_PHONE, CITIZEN_MAIL, STAFF_PHONE, FAILED_PHONE):
        assert contact in html
    # The rendered Turkish texts, with what an SMS costs.
    assert f"Başvurunuz {outbox.ticket.number} numarasıyla alındı" in html
    assert f"Başvurunuz alındı: {outbox.other.number}" in html  # the e-mail's subject
    assert "SLA süresinin yarısı doldu" in html
    assert "UCS-2" in html and "2 parça" in html
    assert "17.11.2026 10:00" in html  # 07:00 UTC shown in Istanbul time
    # Staff reminders and citizen messages are told apart; tickets are linked.
    assert html.count('class="badge kind-staff"') == 1 and outbox.staff_name in html
    assert html.count('class="badge kind-citizen"') == 3
    assert f'href="/tickets/{outbox.ticket.number}"' in html
    assert f'href="/tickets/{outbox.other.number}"' in html
    # Provider outcomes: the failure with Twilio's code, the delivery.
    assert "Başarısız" in html and "30006" in html and "İletildi" in html


@pytest.mark.parametrize("username", ["yonetici", "admin"])
def test_roles_without_contact_rights_see_masked_recipients(
    client: FlaskClient, outbox: Outbox, username: str
) -> None:
    login(client, username)
    html = page(client)
    for contact in (CITIZEN_PHONE, CITIZEN_MAIL, STAFF_PHONE, FAILED_PHONE):
        assert contact not in html
    assert "+90 532 *** ** 67" in html and "v***@example.org" in html
    assert "+90 530 *** ** 44" in html
    assert f"Başvurunuz {outbox.ticket.number} numarasıyla alındı" in html


def test_newest_first(client: FlaskClient, outbox: Outbox) -> None:
    login(client, "backoffice")
    html = page(client)
    positions = [html.index(c) for c in (FAILED_PHONE, STAFF_PHONE, CITIZEN_MAIL, CITIZEN_PHONE)]
    assert positions == sorted(positions)


def test_filters_by_status_channel_and_ticket(client: FlaskClient, outbox: Outbox) -> None:
    def shown(query: str) -> set[str]:
        html = page(client, query)
        return {c for c in (CITIZEN_PHONE, CITIZEN_MAIL, STAFF_PHONE, FAILED_PHONE) if c in html}

    login(client, "backoffice")
    assert shown("?status=failed") == {FAILED_PHONE}
    assert shown("?status=delivered") == {STAFF_PHONE}
    assert shown("?channel=email") == {CITIZEN_MAIL}
    assert shown("?channel=sms&status=sent") == {CITIZEN_PHONE}
    assert shown(f"?ticket={outbox.ticket.number}") == {CITIZEN_PHONE, STAFF_PHONE}
    assert shown(f"?ticket=+{outbox.other.number}+&channel=sms") == {FAILED_PHONE}
    assert "Bu ölçütlere uyan mesaj yok." in page(client, "?ticket=1999-000001")


def test_an_unknown_filter_value_is_shown_next_to_its_field(
    client: FlaskClient, outbox: Outbox
) -> None:
    login(client, "backoffice")
    response = client.get("/outbox/?status=lost&ticket=2026")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="e-status"' in html and "Geçersiz durum." in html
    assert 'value="2026"' in html  # what was typed is kept


def test_fifty_a_page(client: FlaskClient, web_db: Session, app: Flask, now: datetime) -> None:
    ticket = f.ticket(web_db, topic_code=None, now=now, channel="web", phone=None)
    for i in range(51):
        queue_message(
            web_db,
            key=f"test:{ticket.id}:bulk:{i}",
            channel=NotificationChannel.SMS,
            recipient=f"+9053212345{i:02d}",
            template="ticket_created",
            context={"number": ticket.number, "token": f"tok{i:02d}"},
            now=now,
            ticket_id=ticket.id,
        )
    web_db.commit()
    login(client, "backoffice")
    first = page(client, f"?ticket={ticket.number}")
    assert first.count("/t/tok") == 50
    assert "/t/tok50" in first and "/t/tok00" not in first  # newest first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert f"ticket={ticket.number}" in first.split('rel="next"')[0].rsplit("<a ", 1)[1]
    second = page(client, f"?ticket={ticket.number}&page=2")
    assert second.count("/t/tok") == 1 and "/t/tok00" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_email_masking() -> None:
    assert mask_email("ayse@example.org") == "a***@example.org"
    assert mask_email("broken") == "***"
