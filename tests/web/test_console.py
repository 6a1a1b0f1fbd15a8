"""The operator's new-call screen: roles, the caller's card, topics, creating a ticket."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from himcrm.citizens.lookup import TICKETS_PER_CITIZEN
from himcrm.citizens.service import CitizenInput
from himcrm.models import Channel, Citizen, Ticket, TicketStatus, User, utcnow
from himcrm.tickets import lifecycle
from himcrm.tickets.intake import TicketInput, create_ticket
from himcrm.tickets.lifecycle import Actor
from tests import factories as f
from tests.web.conftest import login, post

PHONE = "+905321230001"


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "phone": "0532 123 00 01",
        "full_name": "Fatma Kaya",
        "email": "fatma@example.org",
        "kimlik_no": "",
        "preferred_channel": "sms",
        "type": "complaint",
        "topic_code": "FEN.YOL.01",
        "district": "BORNOVA",
        "neighbourhood": "Kazımdirik",
        "address": "372. Sokak No: 8",
        "description": "Evin önündeki yolda büyük bir çukur var.\nAraçlar zarar görüyor.",
    }
    data.update(overrides)
    return data


def _count(web_db: Session, model: type) -> int:
    return web_db.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_roles(client: FlaskClient) -> None:
    for username in ("fen.personel", "saha", "fen.mudur"):
        login(client, username)
        assert client.get("/console/").status_code == 403
        assert client.get("/console/topics?q=yol").status_code == 403
        assert client.get(f"/console/citizen?phone={PHONE}").status_code == 403
        assert post(client, "/console/", _form()).status_code == 403
        post(client, "/logout")
    for username in ("operator", "backoffice", "yonetici", "admin"):
        login(client, username)
        assert client.get("/console/").status_code == 200, username
        post(client, "/logout")


def test_operator_lands_on_the_console_and_a_screen_pop_fills_the_phone(
    client: FlaskClient,
) -> None:
    login(client, "operator")
    assert client.get("/").headers["Location"].endswith("/console/")
    html = client.get("/console/?phone=0532+123+00+01").get_data(as_text=True)
    assert 'value="0532 123 00 01"' in html
    assert 'data-autosave="console-new-call"' in html
    assert re.search(r'id="f-phone"[^>]*autofocus', html)
    assert html.count('<option value="') >= 30 + 5 + 5  # districts, types, reply channels
    # Districts in Turkish alphabetical order: Çeşme and Çiğli after Buca, before Dikili.
    order = [re.escape(n) for n in ("Buca", "Çeşme", "Çiğli", "Dikili", "Urla")]
    assert re.search(".*".join(order), html, re.S)


def test_create_ticket_reads_the_number_back(client: FlaskClient, web_db: Session) -> None:
    login(client, "operator")
    response = post(client, "/console/", _form())
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    number = response.headers["Location"].rsplit("/", 1)[-1]

    ticket = web_db.scalar(sa.select(Ticket).where(Ticket.number == number))
    assert ticket is not None
    assert ticket.channel == Channel.PHONE and ticket.status == TicketStatus.ROUTED
    assert ticket.created_by is not None and ticket.created_by.username == "operator"
    assert ticket.topic_code is not None and ticket.topic_code.code == "FEN.YOL.01"
    assert ticket.department is not None and ticket.department.code == "FEN.YOL"
    assert ticket.description.endswith("Araçlar zarar görüyor.")
    assert ticket.citizen is not None and ticket.citizen.phone == PHONE
    assert ticket.citizen.full_name == "Fatma Kaya" and ticket.citizen.email == "fatma@example.org"

    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Başvuru numaranız:" in html and number in html
    assert ticket.department.name in html
    assert ticket.resolution_due_at is not None
    due = ticket.resolution_due_at.astimezone(ZoneInfo("Europe/Istanbul"))
    assert due.strftime("%d.%m.%Y %H:%M") in html
    assert 'data-clear-drafts="console-new-call"' in html
    assert re.search(r'accesskey="y"[^>]*autofocus', html)


def test_ticket_without_a_topic_goes_to_triage(client: FlaskClient, web_db: Session) -> None:
    login(client, "operator")
    response = post(client, "/console/", _form(topic_code="", district=""))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ön inceleme" in page


def test_bad_phone_is_422_next_to_the_field_nothing_written_typing_kept(
    client: FlaskClient, web_db: Session
) -> None:
    login(client, "operator")
    tickets, citizens = _count(web_db, Ticket), _count(web_db, Citizen)
    response = post(client, "/console/", _form(phone="0532 12"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="e-phone">[^<]*telefon numarası', html, re.I)
    assert 'value="0532 12"' in html and 'value="Fatma Kaya"' in html
    assert "Araçlar zarar görüyor." in html and 'value="372. Sokak No: 8"' in html
    assert re.search(r'<option value="BORNOVA"\s+selected', html)
    web_db.expire_all()
    assert (_count(web_db, Ticket), _count(web_db, Citizen)) == (tickets, citizens)


def test_service_errors_land_next_to_their_fields(client: FlaskClient) -> None:
    login(client, "operator")
    cases = {
        "district": _form(district=""),  # the topic needs a location
        "topic_code": _form(topic_code="yol çukuru"),  # words typed, no code picked
        "description": _form(description="   "),
        "kimlik_no": _form(kimlik_no="12345678901"),
        "email": _form(email="not-an-address"),
        "preferred_channel": _form(preferred_channel="pigeon"),
    }
    for name, data in cases.items():
        response = post(client, "/console/", data)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, name
        assert f'id="e-{name}"' in html, name
        assert re.search(rf'id="f-{name}"[^>]*aria-invalid="true"', html, re.S), name


def test_citizen_card_json(client: FlaskClient, web_db: Session) -> None:
    now = utcnow()
    operator = web_db.scalar(sa.select(User).where(User.username == "operator"))
    older = f.ticket(web_db, topic_code="FEN.YOL.01", now=now, phone=PHONE)
    done = f.ticket(web_db, topic_code="FEN.YOL.01", now=now, phone=PHONE)
    lifecycle.answer(done, Actor(user=operator), now=now)
    newest = f.ticket(web_db, topic_code="PARK.BAKIM.01", now=now, phone=PHONE)
    # Same landline, another member of the family.
    create_ticket(
        web_db,
        TicketInput(
            channel="phone",
            description="Parkta çim biçilmedi.",
            citizen=CitizenInput(full_name="Ali Yılmaz", phone=PHONE),
        ),
        now=now,
    )
    web_db.commit()

    login(client, "operator")
    body = client.get("/console/citizen?phone=0532%20123%2000%2001").get_json()
    assert body["phone"] == PHONE
    names = [c["full_name"] for c in body["citizens"]]
    assert sorted(names) == ["Ali Yılmaz", "Ayşe Yılmaz"]
    ayse = next(c for c in body["citizens"] if c["full_name"] == "Ayşe Yılmaz")
    assert ayse["phone"] == PHONE and ayse["ticket_count"] == 3
    numbers = [t["number"] for t in ayse["tickets"]]
    # Open ones first, newest first within each group; the answered one last.
    assert numbers == [newest.number, older.number, done.number]
    assert ayse["tickets"][0]["url"] == f"/tickets/{newest.number}"
    assert ayse["tickets"][-1]["status_label"] == "Yanıtlandı"
    assert ayse["tickets"][-1]["is_open"] is False
    assert "kimlik_no" not in ayse and "description" not in ayse["tickets"][0]

    assert client.get("/console/citizen?phone=0232+555+00+00").get_json() == {
        "phone": "+902325550000",
        "citizens": [],
    }
    bad = client.get("/console/citizen?phone=12ab")
    assert bad.status_code == 422 and bad.get_json()["field"] == "phone"
    post(client, "/logout")

    login(client, "yonetici")  # a supervisor on the console sees contact details masked
    body = client.get(f"/console/citizen?phone={PHONE}").get_json()
    assert all(c["phone"] != PHONE and c["phone"].endswith("01") for c in body["citizens"])


def test_topics_json(client: FlaskClient) -> None:
    login(client, "operator")
    body = client.get("/console/topics?q=%C4%B0Z%C4%B0NS%C4%B0Z+A%C4%9EA%C3%87").get_json()
    first = body["results"][0]
    assert first["code"] == "PARK.AGAC.04" and first["name"] == "İzinsiz ağaç kesimi"
    assert first["department"] and first["match"] == "name"
    assert len(client.get("/console/topics?q=a").get_json()["results"]) == 15
    assert client.get("/console/topics?q=").get_json() == {"results": []}


def test_card_lists_ten_tickets_and_counts_all(client: FlaskClient, web_db: Session) -> None:
    now = utcnow()
    made = [
        f.ticket(web_db, topic_code="FEN.YOL.01", now=now + timedelta(minutes=n), phone=PHONE)
        for n in range(TICKETS_PER_CITIZEN + 2)
    ]
    web_db.commit()
    login(client, "operator")
    (card,) = client.get(f"/console/citizen?phone={PHONE}").get_json()["citizens"]
    assert card["ticket_count"] == len(made)
    assert [t["number"] for t in card["tickets"]] == [
        t.number for t in reversed(made[-TICKETS_PER_CITIZEN:])
    ]
