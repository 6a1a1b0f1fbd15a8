"""KVKK screens: data-subject export and anonymisation, the audited reveal, audit search."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from himcrm.models import AccessAudit, Citizen, DestructionRecord, Ticket
from tests.web.conftest import login, post
from tests.web.test_masking import KIMLIK, PHONE_E164, number  # noqa: F401 (fixture)


def citizen_id(db: Session, ticket_number: str) -> int:
    found = db.scalar(sa.select(Ticket.citizen_id).where(Ticket.number == ticket_number))
    assert found is not None
    return found


def last_audit(db: Session) -> AccessAudit:
    db.expire_all()
    entry = db.scalar(sa.select(AccessAudit).order_by(AccessAudit.id.desc()))
    assert entry is not None
    return entry


@pytest.mark.parametrize("username", ["operator", "backoffice", "yonetici", "fen.mudur"])
def test_the_kvkk_office_is_for_admins(client: FlaskClient, username: str) -> None:
    login(client, username)
    for path in ("/privacy/", "/privacy/audit", "/privacy/destruction"):
        assert client.get(path).status_code == 403


def test_find_the_person_by_phone_kimlik_or_ticket(
    client: FlaskClient,
    web_db: Session,
    number: str,  # noqa: F811
) -> None:
    login(client, "admin")
    cid = citizen_id(web_db, number)
    for term in ("0541 888 77 66", KIMLIK, number):
        page = post(client, "/privacy/", {"q": term}).get_data(as_text=True)
        assert f"/privacy/citizens/{cid}" in page, term
        assert KIMLIK not in page.replace(f'value="{KIMLIK}"', "")  # masked in the list
    bad = post(client, "/privacy/", {"q": "12"}).get_data(as_text=True)
    assert 'id="e-q"' in bad


def test_export_needs_a_reason_and_is_audited(
    client: FlaskClient,
    web_db: Session,
    number: str,  # noqa: F811
) -> None:
    login(client, "admin")
    cid = citizen_id(web_db, number)
    refused = post(client, f"/privacy/citizens/{cid}/export.json", {"reason": ""})
    assert refused.status_code == 422 and 'id="e-reason"' in refused.get_data(as_text=True)
    response = post(client, f"/privacy/citizens/{cid}/export.json", {"reason": "Başvuru 2026/41"})
    assert response.status_code == 200
    dossier = json.loads(response.get_data())
    assert dossier["citizen"]["kimlik_no"] == KIMLIK and dossier["citizen"]["phone"] == PHONE_E164
    assert [t["number"] for t in dossier["tickets"]] == [number]
    entry = last_audit(web_db)
    assert (entry.action, entry.subject_id, entry.reason) == (
        "dsr_export",
        str(cid),
        "Başvuru 2026/41",
    )
    pdf = post(client, f"/privacy/citizens/{cid}/export.pdf", {"reason": "Başvuru 2026/41"})
    assert pdf.status_code == 200 and pdf.get_data().startswith(b"%PDF")


def test_anonymise_needs_confirmation_then_keeps_the_ticket(
    client: FlaskClient,
    web_db: Session,
    number: str,  # noqa: F811
) -> None:
    login(client, "admin")
    cid = citizen_id(web_db, number)
    unconfirmed = post(client, f"/privacy/citizens/{cid}/anonymise", {"reason": "Silme talebi 12"})
    assert unconfirmed.status_code == 422
    web_db.expire_all()
    assert web_db.get(Citizen, cid).anonymised_at is None  # type: ignore[union-attr]
    done = post(
        client, f"/privacy/citizens/{cid}/anonymise", {"reason": "Silme talebi 12", "confirm": "1"}
    )
    assert done.status_code == 302
    web_db.expire_all()
    person = web_db.get(Citizen, cid)
    assert person is not None and person.anonymised_at is not None and person.kimlik_no is None
    assert web_db.scalar(sa.select(Ticket).where(Ticket.number == number)) is not None
    record = web_db.scalar(sa.select(DestructionRecord).order_by(DestructionRecord.id.desc()))
    assert record is not None and record.trigger == "request" and record.reason == "Silme talebi 12"
    assert "Silme talebi 12" in client.get("/privacy/destruction").get_data(as_text=True)


def test_reveal_shows_the_full_kimlik_once_with_a_reason(
    client: FlaskClient,
    web_db: Session,
    number: str,  # noqa: F811
) -> None:
    login(client, "backoffice")
    cid = citizen_id(web_db, number)
    ticket_page = client.get(f"/tickets/{number}").get_data(as_text=True)
    assert KIMLIK not in ticket_page and f"/privacy/citizens/{cid}/reveal" in ticket_page
    no_reason = post(client, f"/privacy/citizens/{cid}/reveal", {"reason": "", "ticket": number})
    assert no_reason.status_code == 302
    page = post(
        client,
        f"/privacy/citizens/{cid}/reveal",
        {"reason": "Kimlik teyidi, telefonda", "ticket": number},
    ).get_data(as_text=True)
    assert KIMLIK in page
    entry = last_audit(web_db)
    assert entry.action == "reveal" and entry.reason == "Kimlik teyidi, telefonda"
    assert entry.detail == {"ticket": number}


def test_operators_cannot_reveal(client: FlaskClient, web_db: Session, number: str) -> None:  # noqa: F811
    login(client, "operator")
    cid = citizen_id(web_db, number)
    response = post(client, f"/privacy/citizens/{cid}/reveal", {"reason": "merak ettim"})
    assert response.status_code == 403


def test_audit_search_filters_and_names_bad_fields(
    client: FlaskClient,
    web_db: Session,
    number: str,  # noqa: F811
) -> None:
    login(client, "fen.personel")
    client.get(f"/tickets/{number}")  # audited view
    admin = client.application.test_client()
    admin.environ_base["REMOTE_ADDR"] = "10.250.0.9"
    login(admin, "admin")
    page = admin.get("/privacy/audit", query_string={"action": "view_ticket"}).get_data(
        as_text=True
    )
    assert "fen.personel" in page and "view_ticket" in page
    bad = admin.get("/privacy/audit", query_string={"from": "2026-13-45"})
    assert bad.status_code == 422 and 'id="e-from"' in bad.get_data(as_text=True)
    assert admin.get("/privacy/audit", query_string={"action": "drop"}).status_code == 422


def test_report_and_open_data_exports_are_audited(client: FlaskClient, web_db: Session) -> None:
    login(client, "yonetici")
    assert client.get("/reports/export.csv?period=month&year=2026&month=10").status_code == 200
    entry = last_audit(web_db)
    assert (entry.action, entry.subject_type, entry.subject_id) == (
        "export_report",
        "report",
        "2026-10",
    )
    assert entry.detail == {"format": "csv", "cut": "department"}
    assert client.get("/reports/open-data.json?period=month&year=2026&month=10").status_code == 200
    entry = last_audit(web_db)
    assert (entry.action, entry.subject_id, entry.detail) == (
        "export_open_data",
        "2026-10",
        {"format": "json"},
    )
