"""Citizen pages: the tracking page, the status query and the survey, without personal data."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from himcrm.citizens.service import CitizenInput
from himcrm.models import (
    Citizen,
    Role,
    Ticket,
    TicketStatus,
    utcnow,
)
from himcrm.tickets import lifecycle, replies
from himcrm.tickets.intake import TicketInput, create_ticket
from himcrm.tickets.lifecycle import Actor
from tests.conftest import user
from tests.web.conftest import new_client
from tests.web.test_public import CSRF_INPUT, csrf_from_page

# The citizen of the tracking tests: none of this may appear on a public page.
NAME = "Hatice Karakoç"
PHONE_E164 = "+905327654321"
EMAIL = "hatice.karakoc@example.org"
KIMLIK = "10000000146"
ADDRESS = "Gültepe Mahallesi 1453/7 Sokak No: 12 Daire 3"
DESCRIPTION = "Kapımın önündeki rögar kapağı kırık, annem dün düştü."


@pytest.fixture
def citizen_ticket(web_db: Session) -> Ticket:
    """A ticket full of personal data, routed to FEN.YOL."""
    result = create_ticket(
        web_db,
        TicketInput(
            channel="phone",
            description=DESCRIPTION,
            topic_code="FEN.YOL.02",
            district_code="KONAK",
            neighbourhood="Gültepe",
            address=ADDRESS,
            citizen=CitizenInput(
                full_name=NAME, phone=PHONE_E164, email=EMAIL, kimlik_no=KIMLIK, address=ADDRESS
            ),
        ),
        now=utcnow() - timedelta(hours=2),
    )
    web_db.commit()
    return result.ticket


def test_csrf_on_query_and_survey(client: FlaskClient, citizen_ticket: Ticket) -> None:
    assert client.post("/sorgula", data={"number": "x", "phone_last4": "1"}).status_code == 400
    rate = client.post(f"/t/{citizen_ticket.tracking_token}/degerlendirme", data={"score": "5"})
    assert rate.status_code == 400


# --------------------------------------------------------------------------- tracking


def test_tracking_page_shows_public_facts(client: FlaskClient, citizen_ticket: Ticket) -> None:
    response = client.get(f"/t/{citizen_ticket.tracking_token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert citizen_ticket.number in html
    assert citizen_ticket.topic_code is not None and citizen_ticket.topic_code.name_tr in html
    assert citizen_ticket.department is not None and citizen_ticket.department.name in html
    assert "Birime yönlendirildi" in html
    due = citizen_ticket.resolution_due_at
    assert due is not None
    assert due.astimezone(ZoneInfo("Europe/Istanbul")).strftime("%d.%m.%Y %H:%M") in html
    assert 'name="robots" content="noindex, nofollow"' in html
    assert 'content="no-referrer"' in html
    assert response.headers["Cache-Control"] == "no-store"


def _assert_no_personal_data(html: str, ticket: Ticket) -> None:
    for secret in (
        NAME,
        "Hatice",
        "Karakoç",
        PHONE_E164,
        "5327654321",
        "532 765",
        "4321",
        EMAIL,
        KIMLIK,
        ADDRESS,
        "1453/7",
        DESCRIPTION,
        "annem dün düştü",
    ):
        assert secret not in html, secret


def test_tracking_html_has_no_personal_data(
    app: Flask, web_db: Session, citizen_ticket: Ticket
) -> None:
    staff = Actor(user(web_db, Role.DEPT_STAFF, "FEN.YOL"))
    manager = Actor(user(web_db, Role.DEPT_MANAGER, "FEN.YOL"))
    now = utcnow()
    lifecycle.start(citizen_ticket, staff, now=now)
    lifecycle.add_note(citizen_ticket, staff, "Hatice Hanım 0532 765 43 21 aradı", now=now)
    body = (
        f"Sayın {NAME}, rögar kapağı değiştirildi. Sorunuz olursa 0532 765 43 21 "
        f"numaranızdan size ulaşacağız; {EMAIL} adresine de bilgi verdik."
    )
    replies.save_draft(web_db, citizen_ticket, staff, body, now=now)
    reply = replies.submit(web_db, citizen_ticket, staff, now=now)
    replies.approve(web_db, reply, manager, now=now)
    web_db.commit()
    assert citizen_ticket.status == TicketStatus.ANSWERED

    html = new_client(app).get(f"/t/{citizen_ticket.tracking_token}").get_data(as_text=True)
    assert "değiştirildi" in html  # the approved answer is there ...
    _assert_no_personal_data(html, citizen_ticket)  # ... without the citizen in it
    for internal in ("aradı", "fen.personel", "fen.mudur", staff.user.full_name):  # type: ignore[union-attr]
        assert internal not in html
    assert 'id="survey"' in html


def test_on_hold_says_the_clock_is_paused(
    web_db: Session, client: FlaskClient, citizen_ticket: Ticket
) -> None:
    staff = Actor(user(web_db, Role.DEPT_STAFF, "FEN.YOL"))
    lifecycle.hold(citizen_ticket, staff, reason="Vatandaştan fotoğraf bekleniyor", now=utcnow())
    web_db.commit()
    html = client.get(f"/t/{citizen_ticket.tracking_token}").get_data(as_text=True)
    assert "beklemede" in html
    assert "fotoğraf bekleniyor" not in html  # reasons are internal


@pytest.mark.parametrize("token", ["nope", "x" * 32, "a" * 300, "..%2F..%2Fetc"])
def test_wrong_token_is_a_plain_404(client: FlaskClient, token: str) -> None:
    response = client.get(f"/t/{token}")
    assert response.status_code == 404
    assert "Bulunamadı" in response.get_data(as_text=True)


def test_a_nul_byte_in_the_token_is_a_400(client: FlaskClient) -> None:
    """Refused before any lookup (PostgreSQL cannot even compare it): no 500, no data."""
    assert client.get("/t/%00").status_code == 400


def test_wrong_tokens_are_rate_limited(app: Flask, web_db: Session, citizen_ticket: Ticket) -> None:
    client = new_client(app)
    statuses = [client.get(f"/t/guess{n:027d}").status_code for n in range(11)]
    assert statuses[:10] == [404] * 10
    assert statuses[10] == 429
    # The limit counts misses: an honest visitor on another address is not affected.
    assert new_client(app).get(f"/t/{citizen_ticket.tracking_token}").status_code == 200


# --------------------------------------------------------------------------- status query


def _query(client: FlaskClient, number: str, digits: str) -> TestResponse:
    token = csrf_from_page(client, "/sorgula")
    return client.post(
        "/sorgula", data={"number": number, "phone_last4": digits, "csrf_token": token}
    )


def test_status_query_redirects_to_tracking(client: FlaskClient, citizen_ticket: Ticket) -> None:
    response = _query(client, citizen_ticket.number, "4321")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/t/{citizen_ticket.tracking_token}")


def test_status_query_does_not_tell_which_part_was_wrong(
    client: FlaskClient, citizen_ticket: Ticket
) -> None:
    wrong_digits = _query(client, citizen_ticket.number, "0000")
    year = citizen_ticket.number[:4]
    wrong_number = _query(client, f"{year}-999999", "4321")
    assert wrong_digits.status_code == wrong_number.status_code == 404

    def body(response: TestResponse) -> str:
        html = CSRF_INPUT.sub("", response.get_data(as_text=True))
        html = html.replace(citizen_ticket.number, "N").replace(f"{year}-999999", "N")
        return html.replace('value="0000"', "D").replace('value="4321"', "D")  # as typed

    assert body(wrong_digits) == body(wrong_number)
    assert citizen_ticket.tracking_token not in wrong_digits.get_data(as_text=True)


@pytest.mark.parametrize(
    ("number", "digits", "field"), [("abc", "4321", "number"), ("2026-1", "12", "phone_last4")]
)
def test_status_query_format_errors(
    client: FlaskClient, number: str, digits: str, field: str
) -> None:
    response = _query(client, number, digits)
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.get_data(as_text=True)


def test_failed_queries_are_rate_limited(
    app: Flask, web_db: Session, citizen_ticket: Ticket
) -> None:
    honest = new_client(app)
    # Successful queries do not count towards the limit on guesses ...
    assert {_query(honest, citizen_ticket.number, "4321").status_code for _ in range(12)} == {303}
    guesser = new_client(app)
    statuses = [_query(guesser, citizen_ticket.number, f"{n:04d}").status_code for n in range(11)]
    # ... ten misses do, and then even the right digits are refused.
    assert statuses[:10] == [404] * 10
    assert statuses[10] == 429
    assert _query(guesser, citizen_ticket.number, "4321").status_code == 429


# --------------------------------------------------------------------------- survey


def _answered(web_db: Session, ticket: Ticket) -> None:
    staff = Actor(user(web_db, Role.DEPT_STAFF, "FEN.YOL"))
    manager = Actor(user(web_db, Role.DEPT_MANAGER, "FEN.YOL"))
    now = utcnow()
    replies.save_draft(web_db, ticket, staff, "Kapak değiştirildi.", now=now)
    reply = replies.submit(web_db, ticket, staff, now=now)
    replies.approve(web_db, reply, manager, now=now)
    web_db.commit()


def test_survey_form_only_when_answered(
    web_db: Session, client: FlaskClient, citizen_ticket: Ticket
) -> None:
    path = f"/t/{citizen_ticket.tracking_token}"
    assert 'id="survey"' not in client.get(path).get_data(as_text=True)
    _answered(web_db, citizen_ticket)
    assert 'id="survey"' in client.get(path).get_data(as_text=True)


def test_survey_bad_score_keeps_the_comment(
    web_db: Session, client: FlaskClient, citizen_ticket: Ticket
) -> None:
    _answered(web_db, citizen_ticket)
    path = f"/t/{citizen_ticket.tracking_token}"
    response = client.post(
        f"{path}/degerlendirme",
        data={"score": "9", "comment": "Çok hızlıydı", "csrf_token": csrf_from_page(client, path)},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="e-score"' in html and "Çok hızlıydı" in html


@pytest.mark.parametrize(("score", "reopened"), [("5", False), ("1", True)])
def test_survey_is_recorded(
    web_db: Session, client: FlaskClient, citizen_ticket: Ticket, score: str, reopened: bool
) -> None:
    pytest.importorskip("himcrm.tickets.survey")
    _answered(web_db, citizen_ticket)
    path = f"/t/{citizen_ticket.tracking_token}"
    response = client.post(
        f"{path}/degerlendirme", data={"score": score, "csrf_token": csrf_from_page(client, path)}
    )
    assert response.status_code == 303
    web_db.expire_all()
    ticket = web_db.get(Ticket, citizen_ticket.id)
    assert ticket is not None and ticket.satisfaction == int(score)
    assert (ticket.status == TicketStatus.NEW) is reopened
    html = client.get(path).get_data(as_text=True)
    assert "teşekkürler" in html
    assert 'id="survey"' not in html
    again = client.post(
        f"{path}/degerlendirme", data={"score": "3", "csrf_token": csrf_from_page(client, path)}
    )
    assert again.status_code in (409, 422)


def test_no_personal_data_on_any_public_page(
    client: FlaskClient, web_db: Session, citizen_ticket: Ticket
) -> None:
    citizen = web_db.scalar(sa.select(Citizen).where(Citizen.phone == PHONE_E164))
    assert citizen is not None
    for path in ("/basvuru", "/sorgula", f"/t/{citizen_ticket.tracking_token}"):
        _assert_no_personal_data(client.get(path).get_data(as_text=True), citizen_ticket)
