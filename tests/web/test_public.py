"""Citizen pages, the web form: fields, confirmation, resubmits, CSRF, honeypot, photos."""

from __future__ import annotations

import io
import re
import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from himcrm.models import (
    Attachment,
    Channel,
    Ticket,
)
from himcrm.tickets.attachments import stored_path, upload_root
from tests.channels.test_web_form import GPS_IFD, gps_jpeg
from tests.web.conftest import new_client

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission_id" value="([^"]+)"')


def csrf_from_page(client: FlaskClient, path: str = "/basvuru") -> str:
    match = CSRF_INPUT.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF input on {path}"
    return match.group(1)


def _form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "submission_id": str(uuid.uuid4()),
        "topic": "FEN.YOL.01",
        "type": "complaint",
        "description": "Evimizin önündeki yolda büyük bir çukur var.\nAraçlar zarar görüyor.",
        "district": "BORNOVA",
        "neighbourhood": "Kazımdirik",
        "address": "",
        "latitude": "",
        "longitude": "",
        "full_name": "Zeynep Demir",
        "phone": "0532 555 12 34",
        "email": "",
        "kvkk_consent": "1",
        "website": "",
    }
    data.update(overrides)
    return data


def _send(client: FlaskClient, data: dict[str, object], **kw: object) -> TestResponse:
    return client.post("/basvuru", data={**data, "csrf_token": csrf_from_page(client)}, **kw)


def _tickets(db: Session) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(Ticket)) or 0


# --------------------------------------------------------------------------- the form


def test_form_page(client: FlaskClient) -> None:
    response = client.get("/basvuru")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="FEN.YOL.01"' in html
    assert 'value="ITF.06"' not in html  # not a public topic
    assert "6698 sayılı Kişisel Verilerin Korunması Kanunu" in html
    assert 'name="kvkk_consent"' in html and 'name="website"' in html
    assert uuid.UUID(SUBMISSION.search(html).group(1))  # type: ignore[union-attr]
    assert 'id="use-location"' in html
    assert "<script>" not in html and "<script " not in html.replace('<script src="', "")
    assert "console" not in html  # no staff navigation


def test_form_in_english(client: FlaskClient) -> None:
    client.post("/locale/en", data={"csrf_token": csrf_from_page(client), "next": "/basvuru"})
    html = client.get("/basvuru").get_data(as_text=True)
    assert "Roads and asphalt" in html
    assert 'lang="en"' in html


def test_submit_confirms_with_number_and_sms(client: FlaskClient, web_db: Session) -> None:
    data = _form()
    response = _send(client, data)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/basvuru/alindi")

    ticket = web_db.scalar(sa.select(Ticket).where(Ticket.external_id == data["submission_id"]))
    assert ticket is not None and ticket.channel == Channel.WEB
    assert ticket.description.endswith("zarar görüyor.")
    page = client.get("/basvuru/alindi").get_data(as_text=True)
    assert ticket.number in page
    assert "SMS" in page
    assert f"/t/{ticket.tracking_token}" in page
    assert "Zeynep" not in page and "555" not in page


def test_resubmit_records_nothing_twice(client: FlaskClient, web_db: Session) -> None:
    data = _form()
    assert _send(client, data).status_code == 303
    before = _tickets(web_db)
    again = _send(client, data)
    assert again.status_code == 303
    assert _tickets(web_db) == before
    ticket = web_db.scalar(sa.select(Ticket).where(Ticket.external_id == data["submission_id"]))
    assert ticket is not None
    assert ticket.number in client.get("/basvuru/alindi").get_data(as_text=True)


def test_bad_input_keeps_every_typed_value(client: FlaskClient, web_db: Session) -> None:
    before = _tickets(web_db)
    data = _form(phone="12", email="zeynep at example", kvkk_consent="", district="", latitude="99")
    response = _send(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _tickets(web_db) == before
    for field in ("phone", "email", "kvkk_consent", "district", "latitude"):
        assert f'id="e-{field}"' in html, field
    assert "Evimizin önündeki yolda büyük bir çukur var.\nAraçlar zarar görüyor." in html
    assert 'value="Zeynep Demir"' in html
    assert 'value="zeynep at example"' in html
    assert 'value="Kazımdirik"' in html
    assert f'value="{data["submission_id"]}"' in html  # the same submission continues
    assert 'value="FEN.YOL.01" selected' in html


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"topic": "'; DROP TABLE tickets; --", "latitude": "1e999", "longitude": "x"},
        {"submission_id": "x" * 5000, "type": "\x00"},
    ],
)
def test_garbage_is_a_form_message_not_a_500(
    client: FlaskClient, web_db: Session, data: dict[str, object]
) -> None:
    response = client.post("/basvuru", data={**data, "csrf_token": csrf_from_page(client)})
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)


def test_mangled_submission_id_gets_a_fresh_one(client: FlaskClient, web_db: Session) -> None:
    response = _send(client, _form(submission_id="1234"))
    assert response.status_code == 422
    fresh = SUBMISSION.search(response.get_data(as_text=True))
    assert fresh and uuid.UUID(fresh.group(1))
    assert _send(client, _form(submission_id=fresh.group(1))).status_code == 303


def test_missing_csrf_records_nothing_and_keeps_values(
    client: FlaskClient, web_db: Session
) -> None:
    before = _tickets(web_db)
    client.get("/basvuru")
    response = client.post("/basvuru", data=_form())
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _tickets(web_db) == before
    assert 'value="Zeynep Demir"' in html
    assert CSRF_INPUT.search(html)  # a fresh token to send again with


def test_honeypot_answers_like_success_and_records_nothing(
    client: FlaskClient, web_db: Session
) -> None:
    before = _tickets(web_db)
    response = _send(client, _form(website="http://cheap-pills.example"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/basvuru/alindi")
    assert _tickets(web_db) == before
    assert client.get("/basvuru/alindi").status_code == 200


def test_photo_upload_strips_exif(app: Flask, client: FlaskClient, web_db: Session) -> None:
    data = _form()
    data["photos"] = (io.BytesIO(gps_jpeg()), "IMG_0001.jpg")
    response = _send(client, data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    ticket = web_db.scalar(sa.select(Ticket).where(Ticket.external_id == data["submission_id"]))
    assert ticket is not None
    attachment = web_db.scalar(sa.select(Attachment).where(Attachment.ticket_id == ticket.id))
    assert attachment is not None
    stored = stored_path(upload_root(app.instance_path), attachment).read_bytes()
    with Image.open(io.BytesIO(stored)) as image:
        assert len(image.getexif()) == 0
        assert not image.getexif().get_ifd(GPS_IFD)
    assert b"Exif" not in stored


def test_wrong_photo_type_is_a_field_error(client: FlaskClient, web_db: Session) -> None:
    before = _tickets(web_db)
    data = _form()
    data["photos"] = (io.BytesIO(b"%PDF-1.7 a document"), "belge.jpg")
    response = _send(client, data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'id="e-photos"' in response.get_data(as_text=True)
    assert _tickets(web_db) == before


def test_oversized_body_is_a_413_form(client: FlaskClient, web_db: Session) -> None:
    data = _form()
    data["photos"] = (io.BytesIO(b"\xff\xd8\xff" + b"\0" * (13 * 1024 * 1024)), "big.jpg")
    response = _send(client, data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert 'id="public-form"' in response.get_data(as_text=True)


def test_form_post_is_rate_limited(app: Flask, web_db: Session) -> None:
    client = new_client(app)
    token = csrf_from_page(client)
    statuses = [client.post("/basvuru", data={"csrf_token": token}).status_code for _ in range(11)]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429
