"""The search page: every role may search, each sees only what it may see."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from himcrm.citizens.service import CitizenInput
from himcrm.models import Ticket, utcnow
from himcrm.tickets.intake import TicketInput, create_ticket
from tests.web.conftest import login, post

PHONE = "+905324440011"


def _ticket(web_db: Session, topic: str, description: str, minutes: int = 0) -> Ticket:
    return create_ticket(
        web_db,
        TicketInput(
            channel="phone",
            description=description,
            topic_code=topic,
            district_code="KARSIYAKA",
            address="1715. Sokak No: 3",
            citizen=CitizenInput(full_name="Deniz Işık", phone=PHONE),
        ),
        now=utcnow() - timedelta(minutes=minutes),
    ).ticket


def _logout(client: FlaskClient) -> None:
    post(client, "/logout")


def test_search_page_for_every_role_scoped_and_masked(client: FlaskClient, web_db: Session) -> None:
    road = _ticket(web_db, "FEN.YOL.01", "Köşedeki çukur derinleşti.", minutes=5)
    park = _ticket(web_db, "PARK.BAKIM.02", "Parktaki salıncak kırık, çukur da var.")
    web_db.commit()

    expectations = {
        "operator": ({road.number, park.number}, True),
        "backoffice": ({road.number, park.number}, True),
        "fen.personel": ({road.number}, True),
        "saha": ({road.number}, True),
        "fen.mudur": ({road.number}, True),
        "park.personel": ({park.number}, True),
        "yonetici": ({road.number, park.number}, False),
        "admin": ({road.number, park.number}, False),
    }
    for username, (visible, full_phone) in expectations.items():
        login(client, username)
        for query in ("çukur", "0532 444 00 11", "Deniz Işık"):
            response = client.get("/search/", query_string={"q": query})
            html = response.get_data(as_text=True)
            assert response.status_code == 200, (username, query)
            found = set(re.findall(r"/tickets/(\d{4}-\d{6})", html))
            assert found == visible, (username, query, found)
            assert (PHONE in html) is full_phone, (username, query)
            if not full_phone:
                assert "*** ** 11" in html
        for number in (road.number, park.number):
            response = client.get("/search/", query_string={"q": number})
            found = set(re.findall(r"/tickets/(\d{4}-\d{6})", response.get_data(as_text=True)))
            assert found == ({number} & visible), (username, number)
        _logout(client)


def test_results_show_the_list_columns_and_link_to_the_ticket(
    client: FlaskClient, web_db: Session
) -> None:
    ticket = _ticket(web_db, "FEN.YOL.01", "Yolda çukur var.")
    web_db.commit()
    login(client, "operator")
    html = client.get("/search/", query_string={"q": ticket.number}).get_data(as_text=True)
    assert f'href="/tickets/{ticket.number}"' in html
    for text in ("FEN.YOL.01", "Yol Bakım ve Onarım Şube Müdürlüğü", "Karşıyaka", "Deniz Işık"):
        assert text in html, text
    assert "Birime yönlendirildi" in html  # the status label


def test_empty_page_bad_queries_and_no_hits(client: FlaskClient, web_db: Session) -> None:
    login(client, "saha")
    page = client.get("/search/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and re.search(r'id="f-q"[^>]*autofocus', html)

    too_long = client.get("/search/", query_string={"q": "çukur " * 60})
    assert too_long.status_code == 422
    assert 'id="e-q"' in too_long.get_data(as_text=True)

    bad_phone = client.get("/search/", query_string={"q": "0000 000 00 00"})
    html = bad_phone.get_data(as_text=True)
    assert bad_phone.status_code == 422 and 'id="e-q"' in html and "0000 000 00 00" in html

    none = client.get("/search/", query_string={"q": "hiçbiryerdeolmayan", "page": "x"})
    assert none.status_code == 200 and "Eşleşen başvuru bulunamadı" in none.get_data(as_text=True)


def test_search_needs_login(client: FlaskClient) -> None:
    response = client.get("/search/?q=x")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
