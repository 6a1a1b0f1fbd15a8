"""Masking: the full kimlik no never appears on any list, report or export; the full phone
only on the pages of roles that call citizens back — and those views are audited."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from himcrm.citizens.service import CitizenInput
from himcrm.models import AccessAudit, utcnow
from himcrm.tickets.intake import TicketInput, create_ticket
from tests.web.conftest import login, new_client

PHONE_E164, PHONE_LOCAL = "+905418887766", "541 888 77 66"
KIMLIK = "10000000146"
SECRETS = (KIMLIK, PHONE_E164, "5418887766")


@pytest.fixture
def number(web_db: Session) -> str:
    ticket = create_ticket(
        web_db,
        TicketInput(
            channel="phone",
            description="Park aydınlatması çalışmıyor.",
            topic_code="FEN.YOL.01",
            district_code="KONAK",
            address="Cumhuriyet Bulvarı 40",
            citizen=CitizenInput(
                full_name="Sevgi Aksoy", phone=PHONE_E164, kimlik_no=KIMLIK, kvkk_consent=True
            ),
        ),
        now=utcnow() - timedelta(hours=1),
    ).ticket
    web_db.commit()
    return ticket.number


def _text(response: object) -> str:
    data: bytes = response.get_data()  # type: ignore[attr-defined]
    if data[:2] == b"PK":  # xlsx: search every XML part
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return data.decode("utf-8", "replace")


LISTS = {
    "operator": ["/search/?q={phone}", "/console/citizen?phone={phone}"],
    "backoffice": ["/triage/", "/search/?q={number}", "/outbox/?ticket={number}"],
    "fen.personel": ["/inbox/"],
    "fen.mudur": ["/inbox/", "/approvals/", "/reports/tickets?period=month&figure=received"],
    "yonetici": [
        "/search/?q=Sevgi",
        "/outbox/?ticket={number}",
        "/reports/tickets?period=month&figure=received",
        "/reports/export.csv?period=month",
        "/reports/export.xlsx?period=month",
        "/reports/open-data.csv?period=month",
        "/tickets/{number}",
    ],
}


@pytest.mark.parametrize("username", sorted(LISTS))
def test_lists_and_exports_never_show_the_kimlik_no(
    app: object, web_db: Session, number: str, username: str
) -> None:
    client = new_client(app)  # type: ignore[arg-type]
    login(client, username)
    for template in LISTS[username]:
        path = template.format(phone=PHONE_LOCAL.replace(" ", ""), number=number)
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        text = _text(response)
        assert KIMLIK not in text, path
        if path.startswith(("/search", "/inbox", "/outbox", "/tickets")):
            assert number in text, path  # the ticket is really on the page being checked
        if username == "yonetici" or path.startswith(
            ("/inbox", "/triage", "/approvals", "/reports")
        ):
            # Lists, reports and non-contact roles: the phone masked too.
            for secret in SECRETS:
                assert secret not in text, (path, secret)


def test_the_ticket_page_shows_the_phone_to_contact_roles_and_audits_it(
    client: FlaskClient, web_db: Session, number: str
) -> None:
    login(client, "fen.personel")
    before = web_db.scalar(sa.select(sa.func.count()).select_from(AccessAudit)) or 0
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    assert KIMLIK not in page
    assert "541" in page and "66" in page
    web_db.expire_all()
    audits = web_db.scalars(sa.select(AccessAudit).order_by(AccessAudit.id.desc())).all()
    assert len(audits) == before + 1
    assert audits[0].action == "view_ticket" and audits[0].detail == {"ticket": number}


def test_the_console_card_is_audited_per_citizen(
    client: FlaskClient, web_db: Session, number: str
) -> None:
    login(client, "operator")
    response = client.get("/console/citizen?phone=05418887766")
    assert response.status_code == 200
    assert response.get_json()["citizens"][0]["full_name"] == "Sevgi Aksoy"
    web_db.expire_all()
    audit = web_db.scalar(sa.select(AccessAudit).order_by(AccessAudit.id.desc()))
    assert audit is not None and audit.action == "view_citizen" and audit.subject_type == "citizen"
