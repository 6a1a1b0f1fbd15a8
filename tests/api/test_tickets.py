"""Creating, reading and listing tickets over the API: idempotency, validation, scoping."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from himcrm.models import EventKind, Ticket, TicketStatus, utcnow
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor
from tests import factories as f
from tests.api.conftest import assert_error
from tests.web.inbox_helpers import by_username, event_count, fen_ticket

NEW_TICKET = {
    "channel": "mobile_app",
    "type": "complaint",
    "description": "Sokağımızdaki çukur büyüdü, araçlar zarar görüyor.",
    "topic_code": "FEN.YOL.02",
    "district": "KONAK",
    "address": "1203/4 Sokak No: 5",
    "citizen": {"full_name": "Ayşe Yılmaz", "phone": "0532 111 22 33", "kvkk_consent": True},
}


def _count(db: Session, **where: object) -> int:
    stmt = sa.select(sa.func.count()).select_from(Ticket).filter_by(**where)
    return db.scalar(stmt) or 0


def test_create_routes_the_ticket_and_masks_personal_data(api_as, web_db: Session) -> None:  # type: ignore[no-untyped-def]
    api = api_as("backoffice")
    response = api.post("/api/v1/tickets", json=NEW_TICKET)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/tickets/{body['number']}"
    assert body["status"] == "routed"
    assert body["type"] == "complaint" and body["channel"] == "mobile_app"
    assert body["topic"]["code"] == "FEN.YOL.02"
    assert body["department"]["code"] == "FEN.YOL"
    assert body["district"] == {"code": "KONAK", "name": body["district"]["name"]}
    assert body["resolution_due_at"].endswith("+00:00")
    assert body["created_at"].endswith("+00:00")
    assert body["citizen"]["phone"] == "+90 532 *** ** 33"
    assert "5321112233" not in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers  # key-authenticated: no session, no cookie
    ticket = web_db.scalar(sa.select(Ticket).where(Ticket.number == body["number"]))
    assert ticket is not None and ticket.created_by.username == "backoffice"


def test_codes_are_read_case_insensitively(api_as) -> None:  # type: ignore[no-untyped-def]
    data = {**NEW_TICKET, "district": "konak", "topic_code": "fen.yol.02"}
    response = api_as("backoffice").post("/api/v1/tickets", json=data)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["district"]["code"] == "KONAK"


def test_a_replay_with_the_same_external_id_returns_the_first_ticket(
    api_as, web_db: Session
) -> None:  # type: ignore[no-untyped-def]
    api = api_as("operator")
    data = {**NEW_TICKET, "external_id": "app-7781"}
    first = api.post("/api/v1/tickets", json=data)
    again = api.post("/api/v1/tickets", json=data)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["number"] == again.get_json()["number"]
    assert _count(web_db, external_id="app-7781") == 1
    ticket = web_db.scalar(sa.select(Ticket).where(Ticket.external_id == "app-7781"))
    assert event_count(web_db, ticket) == 2  # created + routed, once


def test_the_idempotency_key_header_is_per_client(api_as, web_db: Session) -> None:  # type: ignore[no-untyped-def]
    one, other = api_as("operator"), api_as("operator")
    headers = {"Idempotency-Key": "retry-42"}
    first = one.post("/api/v1/tickets", json=NEW_TICKET, headers=headers)
    replay = one.post("/api/v1/tickets", json=NEW_TICKET, headers=headers)
    elsewhere = other.post("/api/v1/tickets", json=NEW_TICKET, headers=headers)
    assert (first.status_code, replay.status_code, elsewhere.status_code) == (201, 200, 201)
    assert first.get_json()["number"] == replay.get_json()["number"]
    assert elsewhere.get_json()["number"] != first.get_json()["number"]
    too_long = one.post("/api/v1/tickets", json=NEW_TICKET, headers={"Idempotency-Key": "x" * 101})
    assert_error(too_long, 400, "validation", "Idempotency-Key")


def test_validation_errors_name_the_field_and_record_nothing(api_as, web_db: Session) -> None:  # type: ignore[no-untyped-def]
    api = api_as("backoffice")
    before = _count(web_db)
    cases = [
        ({k: v for k, v in NEW_TICKET.items() if k != "description"}, "description"),
        ({**NEW_TICKET, "description": "   "}, "description"),
        ({**NEW_TICKET, "topic_code": "YOK.BOYLE.01"}, "topic_code"),
        ({**NEW_TICKET, "district": "ATLANTIS"}, "district"),
        ({**NEW_TICKET, "channel": "pigeon"}, "channel"),
        ({**NEW_TICKET, "latitude": 95, "longitude": 27}, "latitude"),
        ({**NEW_TICKET, "latitude": 38.4}, "latitude"),
        ({**NEW_TICKET, "citizen": {"phone": "12"}}, "citizen.phone"),
        ({**NEW_TICKET, "citizen": {"kimlik_no": "12345678901"}}, "citizen.kimlik_no"),
        ({**NEW_TICKET, "citizen": {"phone": 5321112233}}, "citizen.phone"),
        ({**NEW_TICKET, "colour": "red"}, "colour"),
        ({**NEW_TICKET, "description": "a\x00b"}, "description"),
        ({**NEW_TICKET, "description": "x" * 10_001}, "description"),
    ]
    for data, field in cases:
        assert_error(api.post("/api/v1/tickets", json=data), 400, "validation", field)
    assert _count(web_db) == before


def test_bad_bodies_are_4xx_in_the_json_shape(api_as) -> None:  # type: ignore[no-untyped-def]
    api = api_as("backoffice")
    raw = json.dumps(NEW_TICKET)
    assert_error(
        api.post("/api/v1/tickets", data="{not json", content_type="application/json"),
        400,
        "bad_request",
    )
    assert_error(
        api.post("/api/v1/tickets", data=raw, content_type="text/plain"),
        415,
        "unsupported_media_type",
    )
    assert_error(
        api.post("/api/v1/tickets", data="[1, 2]", content_type="application/json"),
        400,
        "validation",
    )
    assert_error(
        api.post("/api/v1/tickets", data="[" * 50_000, content_type="application/json"),
        400,
        "bad_request",
    )
    huge = json.dumps({**NEW_TICKET, "description": "x" * 70_000})
    assert_error(
        api.post("/api/v1/tickets", data=huge, content_type="application/json"),
        413,
        "payload_too_large",
    )
    assert_error(
        api.post("/api/v1/tickets", data=b"\xff\xfe{", content_type="application/json"),
        400,
        "bad_request",
    )


def test_get_one_ticket_and_the_scoping_of_department_staff(api_as, web_db: Session) -> None:  # type: ignore[no-untyped-def]
    fen = fen_ticket(web_db)
    park = f.ticket(web_db, topic_code="PARK.BAKIM.01", now=utcnow(), phone="+905321112235")
    web_db.commit()
    staff = api_as("fen.personel")
    assert staff.get(f"/api/v1/tickets/{fen.number}").get_json()["number"] == fen.number
    assert_error(staff.get(f"/api/v1/tickets/{park.number}"), 404, "not_found")
    assert_error(staff.get(f"/api/v1/tickets/{park.number}/events"), 404, "not_found")
    assert_error(staff.get("/api/v1/tickets/not-a-number"), 404, "not_found")
    listed = [t["number"] for t in staff.get("/api/v1/tickets?limit=200").get_json()["items"]]
    assert fen.number in listed and park.number not in listed
    assert api_as("backoffice").get(f"/api/v1/tickets/{park.number}").status_code == 200


def test_events_are_public_safe(api_as, web_db: Session) -> None:  # type: ignore[no-untyped-def]
    ticket = fen_ticket(web_db)
    staff = by_username(web_db, "fen.personel")
    lifecycle.add_note(ticket, Actor(user=staff), "Vatandaş 0532 111 22 33 aradı", now=utcnow())
    lifecycle.hold(
        ticket, Actor(user=staff), reason="Ayşe Hanım'dan fotoğraf bekleniyor", now=utcnow()
    )
    web_db.commit()
    response = api_as("backoffice").get(f"/api/v1/tickets/{ticket.number}/events")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [e["kind"] for e in items][:2] == [EventKind.CREATED, EventKind.ROUTED]
    assert items[-1]["kind"] == EventKind.ON_HOLD and items[-1]["to_status"] == "on_hold"
    assert items[-1]["department"]["code"] == "FEN.YOL"
    text = response.get_data(as_text=True)
    # "0532 111" and the digits, not "0532": a timestamp's microseconds may read 0532.
    for secret in ("0532 111", "5321112233", "Ayşe", "fen.personel", staff.full_name):
        assert secret not in text


def test_list_pages_by_cursor_newest_first(api_as, web_db: Session) -> None:  # type: ignore[no-untyped-def]
    made = [
        f.ticket(web_db, topic_code="FEN.YOL.02", now=utcnow(), phone=f"+90532111224{i}")
        for i in range(5)
    ]
    web_db.commit()
    api = api_as("fen.personel")
    seen: list[str] = []
    url = "/api/v1/tickets?limit=2&topic=FEN.YOL.02"
    pages = 0
    while url:
        body = api.get(url).get_json()
        pages += 1
        assert len(body["items"]) <= 2
        seen += [t["number"] for t in body["items"]]
        cursor = body["next_cursor"]
        url = f"/api/v1/tickets?limit=2&topic=FEN.YOL.02&cursor={cursor}" if cursor else ""
    assert seen == sorted(seen, reverse=True)
    assert set(t.number for t in made) <= set(seen)
    assert len(seen) == len(set(seen)) and pages >= 3


def test_list_filters(api_as, web_db: Session) -> None:  # type: ignore[no-untyped-def]
    open_one = fen_ticket(web_db)
    done = fen_ticket(web_db, "FEN.YOL.03", phone="+905321112299")
    done.status = TicketStatus.CLOSED
    overdue = fen_ticket(web_db, "FEN.YOL.01", phone="+905321112298")
    overdue.resolution_due_at = utcnow().replace(year=2020)
    web_db.commit()
    api = api_as("backoffice")

    def numbers(query: str) -> set[str]:
        response = api.get(f"/api/v1/tickets?limit=200&{query}")
        assert response.status_code == 200, response.get_json()
        return {t["number"] for t in response.get_json()["items"]}

    assert done.number in numbers("status=closed") and open_one.number not in numbers(
        "status=closed"
    )
    assert {open_one.number, done.number} <= numbers("topic=FEN.YOL")
    assert done.number not in numbers("topic=FEN.YOL.02")
    assert open_one.number in numbers("department=FEN.YOL&district=KONAK")
    assert open_one.number not in numbers("department=PARK.BAKIM")
    assert overdue.number in numbers("overdue=true") and open_one.number not in numbers(
        "overdue=true"
    )
    assert open_one.number in numbers("created_from=2020-01-01&created_to=2999-01-01T00:00:00Z")
    assert not numbers("created_from=2999-01-01")
    assert_error(api.get("/api/v1/tickets?status=lost"), 400, "validation", "status")
    assert_error(api.get("/api/v1/tickets?department=NOPE"), 400, "validation", "department")
    assert_error(
        api.get("/api/v1/tickets?created_from=yesterday"), 400, "validation", "created_from"
    )
    assert_error(api.get("/api/v1/tickets?limit=0"), 400, "validation", "limit")
    assert_error(api.get("/api/v1/tickets?cursor=%%%"), 400, "validation", "cursor")


def test_reference_lists(api_as) -> None:  # type: ignore[no-untyped-def]
    api = api_as("fen.personel")
    topics = {t["code"]: t for t in api.get("/api/v1/topics").get_json()["items"]}
    assert topics["FEN.YOL.01"]["leaf"] and not topics["FEN.YOL"]["leaf"]
    assert topics["FEN.YOL.01"]["parent"] == "FEN.YOL"
    assert topics["FEN.YOL.01"]["department"] == "FEN.YOL"
    departments = {d["code"]: d for d in api.get("/api/v1/departments").get_json()["items"]}
    assert departments["FEN.YOL"]["parent"] == "FEN"
    districts = {d["code"] for d in api.get("/api/v1/districts").get_json()["items"]}
    assert {"KONAK", "BORNOVA"} <= districts


def test_the_list_reads_a_fixed_number_of_queries(api_as, web_db: Session, app: Flask) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    for i in range(6):
        f.ticket(web_db, topic_code="FEN.YOL.02", now=utcnow(), phone=f"+90532111225{i}")
    web_db.commit()
    api = api_as("backoffice")
    assert api.get("/api/v1/districts").status_code == 200  # first call records last use
    counts = []
    for limit in (2, 6):
        statements: list[str] = []
        with app.app_context():
            from himcrm.extensions import db

            engine = db.engine

        def listener(*args: object, seen: list[str] = statements) -> None:
            seen.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert api.get(f"/api/v1/tickets?limit={limit}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        counts.append(len([s for s in statements if s.lstrip().upper().startswith("SELECT")]))
    assert counts[0] == counts[1], counts
