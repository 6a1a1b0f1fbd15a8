"""The tracking read model: public-safe facts, the status query, blanking the citizen out."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from himcrm.channels.public_status import (
    PUBLIC_EVENTS,
    find_by_number_and_phone,
    find_by_token,
    redact,
    tracking_view,
)
from himcrm.errors import NotFound, ValidationError
from himcrm.models import Citizen, EventKind, Role, TicketStatus
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor
from tests import factories as f
from tests.conftest import user


def test_view_holds_only_public_events(session: Session, now: datetime) -> None:
    ticket = f.ticket(session, topic_code="FEN.YOL.02", now=now)
    staff = Actor(user(session, Role.DEPT_STAFF, "FEN.YOL"))
    lifecycle.assign(ticket, staff.user, staff, now=now)  # type: ignore[arg-type]
    lifecycle.start(ticket, staff, now=now + timedelta(minutes=1))
    lifecycle.add_note(ticket, staff, "iç not", now=now + timedelta(minutes=2))
    lifecycle.hold(ticket, staff, reason="belge bekleniyor", now=now + timedelta(minutes=3))

    view = tracking_view(session, ticket)

    kinds = [event.kind for event in view.events]
    assert kinds == [
        EventKind.CREATED,
        EventKind.ROUTED,
        EventKind.STATUS_CHANGED,
        EventKind.ON_HOLD,
    ]
    assert set(kinds) <= PUBLIC_EVENTS
    assert view.events[1].department == ticket.department.name  # type: ignore[union-attr]
    assert view.events[3].department == ""
    assert view.paused and view.status == TicketStatus.ON_HOLD
    assert not view.can_rate
    assert not hasattr(view, "citizen") and not hasattr(view, "description")


def test_find_by_token(session: Session, now: datetime) -> None:
    ticket = f.ticket(session, topic_code="FEN.YOL.01", now=now)
    assert find_by_token(session, ticket.tracking_token) is ticket
    for token in ("", "short", ticket.tracking_token + "x", "a" * 32, "ü" * 32):
        with pytest.raises(NotFound):
            find_by_token(session, token)


def test_status_query(session: Session, now: datetime) -> None:
    ticket = f.ticket(session, topic_code="FEN.YOL.01", now=now, phone="+905321112233")
    year, serial = ticket.number.split("-")
    assert find_by_number_and_phone(session, ticket.number, "2233") is ticket
    assert find_by_number_and_phone(session, f" {year}-{int(serial)} ", "22 33") is ticket
    messages = set()
    for number, digits in ((ticket.number, "2234"), (f"{year}-999999", "2233")):
        with pytest.raises(NotFound) as caught:
            find_by_number_and_phone(session, number, digits)
        messages.add((str(caught.value.message), caught.value.field))
    assert len(messages) == 1  # the same answer for either mistake
    with pytest.raises(ValidationError) as bad:
        find_by_number_and_phone(session, "123", "2233")
    assert bad.value.field == "number"
    with pytest.raises(ValidationError) as short:
        find_by_number_and_phone(session, ticket.number, "233")
    assert short.value.field == "phone_last4"


def test_status_query_without_a_phone_is_not_found(session: Session, now: datetime) -> None:
    ticket = f.ticket(session, topic_code="FEN.YOL.01", now=now, phone=None)
    with pytest.raises(NotFound):
        find_by_number_and_phone(session, ticket.number, "0000")


def test_redact_blanks_the_citizens_details() -> None:
    citizen = Citizen(
        full_name="Ayşe Yılmaz",
        phone="+905321112233",
        email="ayse@example.org",
        kimlik_no="10000000146",
    )
    text = (
        "Sayın AYŞE Yılmaz, 0532 111 22 33 ve +90 (532) 111-22-33 numaralarınızı, "
        "ayse@example.org adresinizi ve 10000000146 kimlik numaranızı kaydettik. "
        "Başvuru 2026-000123 kapatıldı."
    )
    result = redact(text, citizen)
    for secret in ("Ayşe", "AYŞE", "Yılmaz", "111 22 33", "111-22-33", "ayse@", "10000000146"):
        assert secret not in result, secret
    assert "2026-000123 kapatıldı" in result  # other numbers stay
    assert redact("Merhaba", None) == "Merhaba"
