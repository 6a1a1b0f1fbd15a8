"""Field-team pages: who may use them, CSRF, errors next to the fields with the text kept."""

from __future__ import annotations

import io
import re
import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from himcrm.models import Attachment, Channel, Ticket, TicketStatus, utcnow
from tests import factories as f
from tests.channels.test_field import gps_jpeg
from tests.web.conftest import csrf_token, login, new_client

NUMBERS = re.compile(r'href="/field/t/([0-9]{4}-[0-9]+)"')


def as_user(app: Flask, username: str) -> FlaskClient:
    client = new_client(app)
    login(client, username)
    return client


def send(client: FlaskClient, path: str, data: dict[str, object]) -> TestResponse:
    token = csrf_token(client, "/")
    return client.post(path, data={**data, "csrf_token": token}, content_type="multipart/form-data")


def placed_ticket(
    db: Session, code: str, lat: float | None, lon: float | None, phone: str = "+905321112233"
) -> Ticket:
    ticket = f.ticket(db, topic_code=code, now=utcnow(), phone=phone)
    ticket.latitude, ticket.longitude = lat, lon
    db.commit()
    return ticket


def finding_form(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "submission_id": str(uuid.uuid4()),
        "topic": "FEN.YOL.01",
        "district": "KONAK",
        "neighbourhood": "Alsancak",
        "address": "1453 Sokak köşesi",
        "description": "Rögar kapağı yerinden çıkmış, araçlar için tehlikeli.",
        "latitude": "38.437100",
        "longitude": "27.143200",
    }
    values.update(changes)
    return values


# --------------------------------------------------------------------------- access


def test_only_field_teams_and_those_who_look_reach_the_pages(app: Flask, web_db: Session) -> None:
    anonymous = new_client(app)
    assert anonymous.get("/field/").status_code == 302
    assert as_user(app, "fen.personel").get("/field/").status_code == 403
    assert as_user(app, "operator").get("/field/").status_code == 403

    supervisor = as_user(app, "yonetici")
    assert supervisor.get("/field/").status_code == 200
    assert supervisor.get("/field/new").status_code == 403
    ticket = placed_ticket(web_db, "FEN.YOL.01", 38.42, 27.13)
    page = supervisor.get(f"/field/t/{ticket.number}")
    assert page.status_code == 200 and 'id="close"' not in page.get_data(as_text=True)
    closing = send(supervisor, f"/field/t/{ticket.number}/close", {"note": "Bitti."})
    assert closing.status_code == 403


def test_field_team_lands_on_the_worklist_after_login(app: Flask, web_db: Session) -> None:
    client = as_user(app, "saha")
    assert client.get("/").headers["Location"].endswith("/field/")


def test_worklist_is_nearest_first_and_in_scope(app: Flask, web_db: Session) -> None:
    far = placed_ticket(web_db, "FEN.YOL.01", 38.46, 27.21)
    near = placed_ticket(web_db, "FEN.YOL.03", 38.4195, 27.1290, phone="+905321112234")
    park = placed_ticket(web_db, "PARK.BAKIM.01", 38.4192, 27.1287, phone="+905321112235")
    client = as_user(app, "saha")

    html = client.get("/field/?lat=38.4192&lon=27.1287").get_data(as_text=True)
    shown = NUMBERS.findall(html)

    assert shown.index(near.number) < shown.index(far.number)
    assert park.number not in shown
    assert 'data-sorted="1"' in html
    unsorted = client.get("/field/?lat=abc&lon=").get_data(as_text=True)
    assert 'data-sorted="0"' in unsorted and near.number in NUMBERS.findall(unsorted)


def test_another_departments_ticket_is_not_found(app: Flask, web_db: Session) -> None:
    park = placed_ticket(web_db, "PARK.BAKIM.01", 38.42, 27.13)
    client = as_user(app, "saha")
    assert client.get(f"/field/t/{park.number}").status_code == 404
    closing = send(client, f"/field/t/{park.number}/close", {"note": "Bitti."})
    assert closing.status_code == 404


# --------------------------------------------------------------------------- CSRF


def test_posts_without_the_csrf_token_record_nothing(app: Flask, web_db: Session) -> None:
    client = as_user(app, "saha")
    ticket = placed_ticket(web_db, "FEN.YOL.01", 38.42, 27.13)
    before = web_db.scalar(sa.select(sa.func.count()).select_from(Ticket))

    assert client.post("/field/new", data=finding_form()).status_code == 400
    closing = client.post(f"/field/t/{ticket.number}/close", data={"note": "Bitti."})
    assert closing.status_code == 400

    web_db.expire_all()
    assert web_db.scalar(sa.select(sa.func.count()).select_from(Ticket)) == before
    assert web_db.get(Ticket, ticket.id).status == TicketStatus.ROUTED  # type: ignore[union-attr]


# --------------------------------------------------------------------------- findings


def test_finding_form_records_a_field_ticket_with_its_photo(app: Flask, web_db: Session) -> None:
    client = as_user(app, "saha")
    form = client.get("/field/new").get_data(as_text=True)
    assert 'capture="environment"' in form and 'accept="image/*"' in form

    data = finding_form(photos=(io.BytesIO(gps_jpeg()), "rogar.jpg"))
    response = send(client, "/field/new", data)

    assert response.status_code == 303
    number = response.headers["Location"].rsplit("/", 1)[-1]
    ticket = web_db.scalar(sa.select(Ticket).where(Ticket.number == number))
    assert ticket is not None and ticket.channel == Channel.FIELD
    assert ticket.external_id == data["submission_id"]
    assert (ticket.latitude, ticket.longitude) == (38.4371, 27.1432)
    photos = web_db.scalars(sa.select(Attachment).where(Attachment.ticket_id == ticket.id)).all()
    assert [p.filename for p in photos] == ["rogar.jpg"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "geo:38.437100,27.143200" in page


def test_finding_without_position_keeps_the_typed_text(app: Flask, web_db: Session) -> None:
    client = as_user(app, "saha")
    before = web_db.scalar(sa.select(sa.func.count()).select_from(Ticket))
    data = finding_form(latitude="", longitude="", neighbourhood="Güzelyalı <b>")

    response = send(client, "/field/new", data)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="e-latitude"' in html
    assert "Rögar kapağı yerinden çıkmış, araçlar için tehlikeli." in html
    assert 'value="Güzelyalı &lt;b&gt;"' in html
    assert f'value="{data["submission_id"]}"' in html  # a retry is still the same submission
    assert web_db.scalar(sa.select(sa.func.count()).select_from(Ticket)) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"topic": "FEN.YOL"}, "topic"),
        ({"district": "ATLANTIS"}, "district"),
        ({"latitude": "1e400"}, "latitude"),
        ({"photos": (io.BytesIO(b"%PDF-1.4 not a photo"), "belge.pdf")}, "photos"),
    ],
)
def test_bad_finding_fields_show_next_to_the_field(
    app: Flask, web_db: Session, changes: dict[str, object], field: str
) -> None:
    client = as_user(app, "saha")
    response = send(client, "/field/new", finding_form(**changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="e-{field}"' in html
    assert "Rögar kapağı yerinden çıkmış" in html


# --------------------------------------------------------------------------- closing work


def test_close_without_after_photo_keeps_the_note(app: Flask, web_db: Session) -> None:
    ticket = placed_ticket(web_db, "FEN.YOL.01", 38.42, 27.13)
    client = as_user(app, "saha")

    response = send(client, f"/field/t/{ticket.number}/close", {"note": "Kapak yerine oturtuldu."})

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="e-after_photos"' in html
    assert "Kapak yerine oturtuldu." in html
    web_db.expire_all()
    assert web_db.get(Ticket, ticket.id).status == TicketStatus.ROUTED  # type: ignore[union-attr]


def test_start_then_close_answers_the_citizen(app: Flask, web_db: Session) -> None:
    ticket = placed_ticket(web_db, "FEN.YOL.01", 38.42, 27.13)  # needs no approval
    client = as_user(app, "saha")

    started = send(
        client,
        f"/field/t/{ticket.number}/start",
        {"before_photos": (io.BytesIO(gps_jpeg()), "once.jpg")},
    )
    assert started.status_code == 303
    closed = send(
        client,
        f"/field/t/{ticket.number}/close",
        {"note": "Kapak değiştirildi.", "after_photos": (io.BytesIO(gps_jpeg()), "sonra.jpg")},
    )
    assert closed.status_code == 303

    web_db.expire_all()
    done = web_db.get(Ticket, ticket.id)
    assert done is not None and done.status == TicketStatus.ANSWERED
    assert done.assignee is not None and done.assignee.username == "saha"
    files = web_db.scalars(sa.select(Attachment).where(Attachment.ticket_id == ticket.id))
    assert sorted((a.filename, a.is_public) for a in files) == [
        ("once.jpg", False),
        ("sonra.jpg", True),
    ]
    page = client.get(f"/field/t/{ticket.number}").get_data(as_text=True)
    assert "Kapak değiştirildi." in page and 'id="close"' not in page


def test_close_with_approval_topic_waits_for_the_manager(app: Flask, web_db: Session) -> None:
    ticket = placed_ticket(web_db, "FEN.YOL.02", 38.42, 27.13)  # needs approval
    client = as_user(app, "saha")
    closed = send(
        client,
        f"/field/t/{ticket.number}/close",
        {"note": "Yol kaplandı.", "after_photos": (io.BytesIO(gps_jpeg()), "sonra.jpg")},
    )
    assert closed.status_code == 303
    web_db.expire_all()
    assert web_db.get(Ticket, ticket.id).status == TicketStatus.PENDING_APPROVAL  # type: ignore[union-attr]
