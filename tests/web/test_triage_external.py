"""Back-office screens for tickets from other bodies: one form, one CSV upload."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from himcrm.models import Channel, Ticket
from tests.web.conftest import login, post

CSV_OK = (
    "source;reference;sender_district;description;phone\n"
    "cimer;WEB-C-1;;Park bakımsız;0532 444 55 66\n"
    "district_municipality;2026/99;KARSIYAKA;Kaldırım taşları oynuyor;\n"
)


def tickets(db: Session, reference_like: str) -> list[Ticket]:
    db.expire_all()
    return list(db.scalars(sa.select(Ticket).where(Ticket.external_id.like(reference_like))))


@pytest.mark.parametrize("username", ["operator", "fen.personel", "saha"])
def test_only_the_back_office_records_other_bodies(client: FlaskClient, username: str) -> None:
    login(client, username)
    assert client.get("/triage/external").status_code == 403
    assert client.get("/triage/import").status_code == 403


def test_record_once_then_the_second_submit_points_to_the_first(
    client: FlaskClient, web_db: Session
) -> None:
    login(client, "backoffice")
    page = client.get("/triage/external?source=cimer").get_data(as_text=True)
    assert 'value="cimer" selected' in page
    form = {
        "source": "cimer",
        "reference": "2026-777",
        "description": "Otobüs durağı hasarlı.",
        "full_name": "Can Öztürk",
        "phone": "0532 987 65 43",
    }
    first = post(client, "/triage/external", form)
    assert first.status_code == 302
    assert "saved=" in first.headers["Location"]
    [ticket] = tickets(web_db, "2026-777")
    assert ticket.channel is Channel.CIMER
    landing = client.get(first.headers["Location"]).get_data(as_text=True)
    assert ticket.number in landing and 'data-clear-drafts="triage-external"' in landing
    again = post(client, "/triage/external", form, follow_redirects=True)
    assert "daha önce" in again.get_data(as_text=True)
    assert len(tickets(web_db, "2026-777")) == 1


def test_bad_input_keeps_what_was_typed(client: FlaskClient, web_db: Session) -> None:
    login(client, "backoffice")
    response = post(
        client,
        "/triage/external",
        {
            "source": "district_municipality",
            "reference": "2026/5",
            "description": "Uzun bir açıklama metni",
            "full_name": "Elif Ak",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="e-sender_district"' in html
    assert "Uzun bir açıklama metni" in html and 'value="Elif Ak"' in html
    assert tickets(web_db, "%2026/5") == []


def test_csv_upload_imports_all_rows(client: FlaskClient, web_db: Session) -> None:
    login(client, "backoffice")
    response = post(
        client,
        "/triage/import",
        {"file": (io.BytesIO(CSV_OK.encode()), "gelen.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "2 başvuru kaydedildi" in response.get_data(as_text=True)
    assert len(tickets(web_db, "WEB-C-1")) == 1
    assert len(tickets(web_db, "KARSIYAKA:2026/99")) == 1


def test_csv_with_a_bad_row_records_nothing(client: FlaskClient, web_db: Session) -> None:
    login(client, "backoffice")
    content = CSV_OK + "district_municipality;2026/100;;Gönderen eksik;\n"
    response = post(
        client,
        "/triage/import",
        {"file": (io.BytesIO(content.encode()), "gelen.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "hiçbir başvuru kaydedilmedi" in html and "sender_district" in html
    assert tickets(web_db, "WEB-C-1") == []


def test_csv_upload_without_a_file_names_the_field(client: FlaskClient) -> None:
    login(client, "backoffice")
    response = post(client, "/triage/import", {}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'id="e-file"' in response.get_data(as_text=True)
