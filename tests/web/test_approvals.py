"""The approval queue: scoping, roles, returning with a reason, approving into the outbox."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from himcrm.models import (
    Notification,
    NotificationChannel,
    Reply,
    ReplyStatus,
    Role,
    Ticket,
    TicketStatus,
    utcnow,
)
from himcrm.tickets import replies
from himcrm.tickets.lifecycle import Actor
from tests import factories as f
from tests.web.inbox_helpers import as_user, by_username, fen_ticket, reload, send


def submitted(db: Session, phone: str = "+905321112233", age: timedelta = timedelta()) -> Reply:
    """A FEN.YOL ticket whose reply waits for the manager since ``age`` ago."""
    ticket = fen_ticket(db, phone=phone)
    staff = Actor(by_username(db, "fen.personel"))
    when = utcnow() - age
    replies.save_draft(db, ticket, staff, "Yolunuz bu hafta onarılacak.", now=when)
    reply = replies.submit(db, ticket, staff, now=when)
    db.commit()
    return reply


def refreshed(db: Session, reply: Reply) -> Reply:
    db.expire_all()
    fresh = db.get(Reply, reply.id)
    assert fresh is not None
    return fresh


def test_the_queue_shows_the_departments_replies_oldest_first(app: Flask, web_db: Session) -> None:
    newer = submitted(web_db, "+905321110001", timedelta(hours=2))
    older = submitted(web_db, "+905321110002", timedelta(days=4))
    for manager in ("fen.mudur", "fen.baskan"):  # the branch, and the directorate above it
        html = as_user(app, manager).get("/approvals/").get_data(as_text=True)
        links = re.findall(r'href="/approvals/(\d+)"', html)
        assert links.index(str(older.id)) < links.index(str(newer.id))
        assert "4 gün" in html and "waited-long" in html  # flagged: waiting over 3 days


def test_other_departments_replies_are_404(app: Flask, web_db: Session) -> None:
    reply = submitted(web_db)
    park_manager = f.staff(web_db, Role.DEPT_MANAGER, f.department(web_db, "PARK.TST"))
    web_db.commit()
    client = as_user(app, park_manager.username)
    assert f'href="/approvals/{reply.id}"' not in client.get("/approvals/").get_data(as_text=True)
    assert client.get(f"/approvals/{reply.id}").status_code == 404
    assert send(client, f"/approvals/{reply.id}/approve").status_code == 404
    assert send(client, f"/approvals/{reply.id}/return", {"reason": "x"}).status_code == 404
    assert refreshed(web_db, reply).status == ReplyStatus.SUBMITTED


def test_department_staff_cannot_approve(app: Flask, web_db: Session) -> None:
    reply = submitted(web_db)
    client = as_user(app, "fen.personel")
    assert client.get("/approvals/").status_code == 403
    assert client.get(f"/approvals/{reply.id}").status_code == 403
    assert send(client, f"/approvals/{reply.id}/approve").status_code == 403
    assert send(client, f"/approvals/{reply.id}/return", {"reason": "x"}).status_code == 403
    assert refreshed(web_db, reply).status == ReplyStatus.SUBMITTED


def test_csrf_is_required(app: Flask, web_db: Session) -> None:
    reply = submitted(web_db)
    client = as_user(app, "fen.mudur")
    assert client.post(f"/approvals/{reply.id}/approve").status_code == 400
    assert refreshed(web_db, reply).status == ReplyStatus.SUBMITTED


def test_return_needs_a_reason(app: Flask, web_db: Session) -> None:
    reply = submitted(web_db)
    client = as_user(app, "fen.mudur")
    response = send(client, f"/approvals/{reply.id}/return", {"reason": "  "})
    assert response.status_code == 422
    assert re.search(r'id="e-reason">Gerekçe yazılmalı', response.get_data(as_text=True))
    assert refreshed(web_db, reply).status == ReplyStatus.SUBMITTED

    response = send(client, f"/approvals/{reply.id}/return", {"reason": "Tarih verin."})
    assert response.status_code == 302 and response.headers["Location"].endswith("/approvals/")
    fresh = refreshed(web_db, reply)
    assert fresh.status == ReplyStatus.RETURNED and fresh.decision_reason == "Tarih verin."
    assert fresh.decided_by_id == by_username(web_db, "fen.mudur").id
    assert reload(web_db, fresh.ticket).status == TicketStatus.IN_PROGRESS
    assert "data-clear-drafts" in client.get("/approvals/").get_data(as_text=True)
    # A second decision on the same version is refused, with a message.
    response = send(client, f"/approvals/{reply.id}/approve")
    assert response.status_code == 409 and "onay beklemiyor" in response.get_data(as_text=True)


def test_approve_answers_the_ticket_and_queues_the_message(app: Flask, web_db: Session) -> None:
    reply = submitted(web_db, phone="+905327778899")
    client = as_user(app, "fen.mudur")
    review = client.get(f"/approvals/{reply.id}").get_data(as_text=True)
    assert "Yolunuz bu hafta onarılacak." in review and "Onayla ve gönder" in review
    assert send(client, f"/approvals/{reply.id}/approve").status_code == 302
    fresh = refreshed(web_db, reply)
    ticket = web_db.get(Ticket, fresh.ticket_id)
    assert ticket is not None and ticket.status == TicketStatus.ANSWERED
    assert fresh.status == ReplyStatus.APPROVED
    message = web_db.scalar(
        sa.select(Notification).where(
            Notification.idempotency_key == f"ticket:{ticket.id}:answer:{fresh.version}"
        )
    )
    assert message is not None and message.template == "ticket_answered"
    assert message.channel == NotificationChannel.SMS and message.recipient == "+905327778899"
    assert message.context["body"] == "Yolunuz bu hafta onarılacak."
    assert f'href="/approvals/{reply.id}"' not in client.get("/approvals/").get_data(as_text=True)
    # The ticket page shows the decision.
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "Onaylandı / gönderildi" in page and "Yanıt onaylandı" in page
