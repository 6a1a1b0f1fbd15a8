"""Life-cycle actions over the API: each goes through the state machine; errors map to 4xx."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.models import EventKind, TicketEvent, TicketStatus, utcnow
from tests import factories as f
from tests.api.conftest import assert_error
from tests.web.inbox_helpers import event_count, fen_ticket, reload


def _last_event(db: Session, ticket) -> TicketEvent:  # type: ignore[no-untyped-def]
    return reload(db, ticket).events[-1]


def test_department_staff_work_a_ticket_through_the_actions(api_as, web_db: Session) -> None:  # type: ignore[no-untyped-def]
    ticket = fen_ticket(web_db)
    api = api_as("fen.personel")
    base = f"/api/v1/tickets/{ticket.number}"

    assigned = api.post(f"{base}/assign", json={"assignee": "fen.personel"})
    assert assigned.status_code == 200, assigned.get_json()
    assert assigned.get_json()["assignee"] == "fen.personel"

    started = api.post(f"{base}/start")  # no body at all
    assert started.status_code == 200 and started.get_json()["status"] == "in_progress"

    held = api.post(f"{base}/hold", json={"reason": "Fotoğraf bekleniyor"})
    assert held.get_json()["status"] == "on_hold" and held.get_json()["sla_paused"] is True

    resumed = api.post(f"{base}/resume", json={})
    assert resumed.get_json()["status"] == "in_progress"

    noted = api.post(f"{base}/note", json={"note": "Ekip yönlendirildi."})
    assert noted.status_code == 200
    assert _last_event(web_db, ticket).kind == EventKind.NOTE

    moved = api.post(f"{base}/transfer", json={"department": "PARK.BAKIM", "reason": "Park alanı"})
    assert moved.status_code == 200
    assert moved.get_json()["department"]["code"] == "PARK.BAKIM"
    assert moved.get_json()["status"] == "routed"
    # the ticket left the department: now it is out of this client's sight
    assert_error(api.get(base), 404, "not_found")


def test_an_illegal_transition_is_a_409_and_changes_nothing(api_as, web_db: Session) -> None:  # type: ignore[no-untyped-def]
    ticket = fen_ticket(web_db)
    api = api_as("fen.personel")
    events = event_count(web_db, ticket)
    body = assert_error(
        api.post(f"/api/v1/tickets/{ticket.number}/resume"), 409, "illegal_transition", "status"
    )
    assert body["message"]
    assert event_count(web_db, ticket) == events
    assert reload(web_db, ticket).status == TicketStatus.ROUTED


def test_missing_or_bad_input_names_the_field(api_as, web_db: Session) -> None:  # type: ignore[no-untyped-def]
    ticket = fen_ticket(web_db)
    api = api_as("fen.personel")
    base = f"/api/v1/tickets/{ticket.number}"
    assert_error(api.post(f"{base}/hold", json={}), 400, "validation", "reason")
    assert_error(api.post(f"{base}/hold", json={"reason": "  "}), 400, "validation", "reason")
    assert_error(
        api.post(f"{base}/assign", json={"assignee": "park.personel"}),
        400,
        "validation",
        "assignee",
    )
    assert_error(
        api.post(f"{base}/assign", json={"assignee": "nobody"}), 400, "validation", "assignee"
    )
    assert_error(
        api.post(f"{base}/transfer", json={"department": "NOPE", "reason": "x"}),
        400,
        "validation",
        "department",
    )
    assert_error(api.post(f"{base}/note", json={"note": ""}), 400, "validation", "note")
    assert_error(api.post(f"{base}/start", json={"force": True}), 400, "validation", "force")
    assert_error(
        api.post(f"{base}/start", data="x", content_type="text/plain"),
        415,
        "unsupported_media_type",
    )
    assert reload(web_db, ticket).status == TicketStatus.ROUTED


def test_roles_decide_which_actions_a_client_may_take(api_as, web_db: Session) -> None:  # type: ignore[no-untyped-def]
    ticket = f.ticket(web_db, topic_code=None, now=utcnow())
    web_db.commit()
    staff, back_office = api_as("fen.personel"), api_as("backoffice")
    base = f"/api/v1/tickets/{ticket.number}"
    assert_error(staff.post(f"{base}/route", json={"topic_code": "FEN.YOL.02"}), 403, "forbidden")
    assert_error(back_office.post(f"{base}/start"), 403, "forbidden")

    routed = back_office.post(
        f"{base}/route", json={"topic_code": "FEN.YOL.02", "district_code": "KONAK"}
    )
    assert routed.status_code == 200, routed.get_json()
    assert routed.get_json()["department"]["code"] == "FEN.YOL"
    assert staff.post(f"{base}/start").status_code == 200
    assert_error(
        back_office.post(f"{base}/route", json={"topic_code": "FEN.YOL.02"}),
        409,
        "illegal_transition",
    )


def test_back_office_merges_and_forwards(api_as, web_db: Session) -> None:  # type: ignore[no-untyped-def]
    original = fen_ticket(web_db)
    duplicate = fen_ticket(web_db, phone="+905321112277")
    other = fen_ticket(web_db, phone="+905321112276")
    api = api_as("backoffice")
    merged = api.post(
        f"/api/v1/tickets/{duplicate.number}/merge", json={"merged_into": original.number}
    )
    assert merged.status_code == 200, merged.get_json()
    assert merged.get_json()["status"] == "merged"
    assert merged.get_json()["merged_into"] == original.number
    assert_error(
        api.post(f"/api/v1/tickets/{other.number}/merge", json={"merged_into": "2000-000001"}),
        400,
        "validation",
        "merged_into",
    )
    forwarded = api.post(
        f"/api/v1/tickets/{other.number}/out_of_scope",
        json={"reason": "Karayolları'nın yolu", "institution": "KGM"},
    )
    assert forwarded.get_json()["status"] == "out_of_scope"


def test_a_stale_ticket_is_a_409_conflict(api_as, web_db: Session, app) -> None:  # type: ignore[no-untyped-def]
    """Someone else changed the ticket between our read and our write (optimistic lock)."""
    from sqlalchemy import event

    from himcrm.extensions import db

    ticket = fen_ticket(web_db)
    api = api_as("fen.personel")
    with app.app_context():
        engine = db.engine

    fired: list[bool] = []

    def bump(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not fired and statement.lstrip().upper().startswith("UPDATE TICKETS"):
            fired.append(True)
            conn.execute(
                sa.text("UPDATE tickets SET version = version + 1 WHERE id = :id"),
                {"id": ticket.id},
            )

    event.listen(engine, "before_cursor_execute", bump)
    try:
        response = api.post(f"/api/v1/tickets/{ticket.number}/start")
    finally:
        event.remove(engine, "before_cursor_execute", bump)
    assert fired
    assert_error(response, 409, "conflict")
    assert reload(web_db, ticket).status == TicketStatus.ROUTED
