"""Helpers for the inbox and approval route tests: clients per user, POST with CSRF, data."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from himcrm.models import Department, Ticket, TicketEvent, User, utcnow
from tests import factories as f
from tests.web.conftest import csrf_token, login, new_client


def as_user(app: Flask, username: str) -> FlaskClient:
    """A client logged in as ``username``.

    Each client has its own address (see tests.web.conftest.new_client).
    """
    client = new_client(app)
    login(client, username)
    return client


def send(client: FlaskClient, path: str, data: dict | None = None, **kw: object) -> TestResponse:
    """POST with the session's CSRF token (read from a page every role can load)."""
    token = csrf_token(client, "/inbox/")
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kw)


def fen_ticket(db: Session, code: str = "FEN.YOL.02", phone: str = "+905321112233") -> Ticket:
    ticket = f.ticket(db, topic_code=code, now=utcnow(), phone=phone)
    db.commit()
    return ticket


def by_username(db: Session, username: str) -> User:
    found = db.scalar(sa.select(User).where(User.username == username))
    assert found is not None
    return found


def department(db: Session, code: str) -> Department:
    found = db.scalar(sa.select(Department).where(Department.code == code))
    assert found is not None
    return found


def reload(db: Session, ticket: Ticket) -> Ticket:
    db.expire_all()
    fresh = db.get(Ticket, ticket.id)
    assert fresh is not None
    return fresh


def event_count(db: Session, ticket: Ticket) -> int:
    return db.scalar(sa.select(sa.func.count()).where(TicketEvent.ticket_id == ticket.id)) or 0
