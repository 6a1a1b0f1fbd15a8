"""Triage screens: the queue, routing (with the department shown first), merging,
out of scope; roles, CSRF, and refused input that writes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from himcrm.models import EventKind, Role, Ticket, TicketStatus, utcnow
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor
from tests import factories as f
from tests.conftest import user
from tests.web.conftest import login, post


def web_ticket(
    db: Session, district: str | None = "KONAK", age: timedelta = timedelta(0)
) -> Ticket:
    ticket = f.ticket(db, topic_code=None, now=utcnow() - age, channel="web", district=district)
    db.commit()
    return ticket


def reload(db: Session, ticket: Ticket) -> Ticket:
    db.expire_all()
    fresh = db.get(Ticket, ticket.id)
    assert fresh is not None
    return fresh


@pytest.mark.parametrize("username", ["operator", "fen.personel", "fen.mudur", "saha"])
def test_triage_is_for_the_back_office_only(
    client: FlaskClient, web_db: Session, username: str
) -> None:
    ticket = web_ticket(web_db)
    login(client, username)
    assert client.get("/triage/").status_code == 403
    for path in (f"/triage/{ticket.number}", f"/triage/{ticket.number}/preview?topic_code=X"):
        assert client.get(path).status_code == 403, path
    for action in ("route", "merge", "out-of-scope"):
        response = post(client, f"/triage/{ticket.number}/{action}", {"topic_code": "ATIK.COP.01"})
        assert response.status_code == 403
    assert reload(web_db, ticket).status is TicketStatus.NEW


def test_the_queue_lists_unrouted_tickets_oldest_first_with_reopened_marked(
    client: FlaskClient, web_db: Session
) -> None:
    newer = web_ticket(web_db, age=timedelta(minutes=5))
    older = web_ticket(web_db, age=timedelta(days=3))
    routed = f.ticket(web_db, topic_code="SU.ABONE.01", now=utcnow())
    reopened = f.ticket(web_db, topic_code="SU.ABONE.01", now=utcnow() - timedelta(hours=5))
    supervisor = Actor(user(web_db, Role.SUPERVISOR))
    lifecycle.answer(reopened, supervisor)
    lifecycle.reopen(reopened, supervisor, reason="Sorun çözülmedi.")
    web_db.commit()

    login(client, "backoffice")
    page = client.get("/triage/").get_data(as_text=True)

    assert routed.number not in page
    assert page.index(older.number) < page.index(reopened.number) < page.index(newer.number)
    row = page[page.index(f'id="t-{reopened.number}"') :]
    row = row[: row.index("</tr>")]
    assert "Yeniden açıldı" in row
    assert "3 gün" in page and "Web formu" in page and "Konak" in page


def test_preview_says_which_department_a_topic_goes_to(
    client: FlaskClient, web_db: Session
) -> None:
    ticket = web_ticket(web_db)
    login(client, "backoffice")
    response = client.get(f"/triage/{ticket.number}/preview?topic_code=ATIK.COP.01")
    assert response.status_code == 200
    assert response.get_json()["department"]["code"] == "ILCE.KONAK"
    response = client.get(f"/triage/{ticket.number}/preview?topic_code=ATIK.COP")
    assert response.status_code == 422 and response.get_json()["field"] == "topic_code"


def test_route_from_the_queue(client: FlaskClient, web_db: Session) -> None:
    ticket = web_ticket(web_db)
    login(client, "backoffice")
    response = post(
        client,
        f"/triage/{ticket.number}/route",
        {"topic_code": "ATIK.COP.01", "next": "queue", "action": "route"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/triage/")
    fresh = reload(web_db, ticket)
    assert fresh.status is TicketStatus.ROUTED and fresh.department is not None
    assert fresh.department.code == "ILCE.KONAK"
    assert "Konak Belediyesi" in client.get("/triage/").get_data(as_text=True)  # the flash


def test_the_no_js_preview_button_shows_the_department_and_writes_nothing(
    client: FlaskClient, web_db: Session
) -> None:
    ticket = web_ticket(web_db, district=None)
    login(client, "backoffice")
    response = post(
        client,
        f"/triage/{ticket.number}/route",
        {"topic_code": "ATIK.COP.01", "district_code": "BUCA", "action": "preview"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Buca Belediyesi" in page
    assert 'value="ATIK.COP.01"' in page
    fresh = reload(web_db, ticket)
    assert fresh.status is TicketStatus.NEW and fresh.district_id is None


def test_a_bad_topic_is_shown_next_to_the_field_and_nothing_is_written(
    client: FlaskClient, web_db: Session
) -> None:
    ticket = web_ticket(web_db)
    login(client, "backoffice")
    response = post(
        client,
        f"/triage/{ticket.number}/route",
        {"topic_code": "ATIK.COP", "next": "queue", "action": "route"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="e-topic_code">[^<]*grup', page)
    assert 'value="ATIK.COP"' in page
    assert reload(web_db, ticket).status is TicketStatus.NEW


def test_an_override_without_a_reason_keeps_the_choice_and_asks_for_one(
    client: FlaskClient, web_db: Session
) -> None:
    ticket = web_ticket(web_db)
    login(client, "backoffice")
    form = {"topic_code": "ATIK.COP.01", "department": "ATIK.TEMIZLIK", "action": "route"}
    response = post(client, f"/triage/{ticket.number}/route", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="e-override_reason"' in page
    assert re.search(r'<option value="ATIK.TEMIZLIK"\s+selected', page)
    assert reload(web_db, ticket).status is TicketStatus.NEW

    form["override_reason"] = "Ana arter; Büyükşehir topluyor."
    assert post(client, f"/triage/{ticket.number}/route", form).status_code == 302
    fresh = reload(web_db, ticket)
    assert fresh.department is not None and fresh.department.code == "ATIK.TEMIZLIK"
    assert fresh.events[-1].kind is EventKind.NOTE and "Ana arter" in fresh.events[-1].reason


def test_merge_a_duplicate_and_see_both_sides(client: FlaskClient, web_db: Session) -> None:
    original = web_ticket(web_db, age=timedelta(hours=2))
    duplicate = web_ticket(web_db)
    login(client, "backoffice")

    response = post(client, f"/triage/{duplicate.number}/merge", {"merged_into": "2099-000001"})
    assert response.status_code == 422
    assert 'id="e-merged_into"' in response.get_data(as_text=True)
    assert 'value="2099-000001"' in response.get_data(as_text=True)

    response = post(
        client,
        f"/triage/{duplicate.number}/merge",
        {"merged_into": original.number, "next": "ticket"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/tickets/{duplicate.number}")
    fresh = reload(web_db, duplicate)
    assert fresh.status is TicketStatus.MERGED and fresh.merged_into_id == original.id

    dup_page = client.get(f"/tickets/{duplicate.number}").get_data(as_text=True)
    assert original.number in dup_page and "Birleştirildi" in dup_page
    original_page = client.get(f"/tickets/{original.number}").get_data(as_text=True)
    assert "birleştirilen mükerrer" in original_page and duplicate.number in original_page


def test_out_of_scope_needs_a_reason(client: FlaskClient, web_db: Session) -> None:
    ticket = web_ticket(web_db)
    login(client, "backoffice")
    response = post(
        client,
        f"/triage/{ticket.number}/out-of-scope",
        {"institution": "Karayolları", "reason": ""},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="e-reason"' in page and 'value="Karayolları"' in page
    assert reload(web_db, ticket).status is TicketStatus.NEW

    response = post(
        client,
        f"/triage/{ticket.number}/out-of-scope",
        {"institution": "Karayolları", "reason": "Devlet yolu."},
    )
    assert response.status_code == 302
    fresh = reload(web_db, ticket)
    assert fresh.status is TicketStatus.OUT_OF_SCOPE
    assert fresh.events[-1].reason == "Karayolları: Devlet yolu."


def test_posts_without_a_csrf_token_are_refused(client: FlaskClient, web_db: Session) -> None:
    ticket = web_ticket(web_db)
    login(client, "backoffice")
    response = client.post(
        f"/triage/{ticket.number}/route", data={"topic_code": "ATIK.COP.01", "action": "route"}
    )
    assert response.status_code == 400
    assert reload(web_db, ticket).status is TicketStatus.NEW


def test_the_ticket_page_shows_triage_actions_to_the_back_office_only(
    client: FlaskClient, web_db: Session
) -> None:
    ticket = web_ticket(web_db)
    login(client, "backoffice")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert f'action="/triage/{ticket.number}/route"' in page
    assert f'action="/triage/{ticket.number}/merge"' in page
    post(client, "/logout")

    login(client, "operator")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert ticket.number in page and "/triage/" not in page.split("<main>")[1]


def test_an_unknown_ticket_is_not_found(client: FlaskClient, web_db: Session) -> None:
    login(client, "backoffice")
    assert client.get("/triage/2099-999999").status_code == 404
    assert post(client, "/triage/2099-999999/route", {"topic_code": "X"}).status_code == 404
