"""Report screens: who may open them, department scoping, drill-down, exports, errors."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from himcrm.models import Ticket, utcnow
from himcrm.reports.period import LOCAL, Period
from himcrm.reports.scheduled import generate_stored_report
from tests import factories
from tests.web.conftest import login


def _today_args() -> dict[str, str]:
    """A custom period of today (Istanbul): the tickets created just now are in it."""
    today = utcnow().astimezone(LOCAL).date().isoformat()
    return {"period": "custom", "from": today, "to": today}


def _two_departments(web_db: Session) -> tuple[Ticket, Ticket]:
    """One new ticket for FEN.YOL (fen.mudur's unit) and one for PARK.BAKIM."""
    now = utcnow() - timedelta(seconds=5)
    yol = factories.ticket(web_db, topic_code="FEN.YOL.01", now=now)
    park = factories.ticket(web_db, topic_code="FEN.AYD.02", now=now, channel="web")
    web_db.commit()
    return yol, park


@pytest.mark.parametrize("username", ["operator", "fen.personel", "backoffice", "saha"])
def test_other_roles_get_403(client: FlaskClient, username: str) -> None:
    login(client, username)
    for path in (
        "/reports/",
        "/reports/overdue",
        "/reports/export.xlsx",
        "/reports/tickets?figure=received",
        "/reports/stored",
    ):
        assert client.get(path).status_code == 403, path


def test_stored_reports_are_for_supervisors_and_admins(client: FlaskClient) -> None:
    login(client, "fen.mudur")
    assert client.get("/reports/stored").status_code == 403
    assert client.get("/reports/stored/1/xlsx").status_code == 403


def test_manager_sees_only_own_department(client: FlaskClient, web_db: Session) -> None:
    _two_departments(web_db)
    login(client, "fen.mudur")
    page = client.get("/reports/", query_string=_today_args())
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-received"' in html
    assert "Yol Bakım" in html and "Park Bakım" not in html
    assert "Kapsam" in html

    login(client, "yonetici")
    html = client.get("/reports/", query_string=_today_args()).get_data(as_text=True)
    assert "Yol Bakım" in html and "Park Bakım" in html
    assert 'id="chart-backlog"' in html and 'id="chart-satisfaction"' in html
    # every count links to its drill-down list
    assert re.search(r'href="/reports/tickets\?[^"]*figure=received', html)


def test_drilldown_lists_the_tickets_behind_a_figure(client: FlaskClient, web_db: Session) -> None:
    yol, park = _two_departments(web_db)
    args = {**_today_args(), "cut": "department", "figure": "received"}
    login(client, "fen.mudur")
    html = client.get("/reports/tickets", query_string={**args, "key": ""}).get_data(as_text=True)
    assert yol.number in html and park.number not in html
    html = client.get("/reports/tickets", query_string={**args, "key": "PARK.BAKIM"}).get_data(
        as_text=True
    )
    assert park.number not in html

    login(client, "yonetici")
    html = client.get("/reports/tickets", query_string={**args, "key": "PARK.BAKIM"}).get_data(
        as_text=True
    )
    assert park.number in html and yol.number not in html
    html = client.get("/reports/tickets", query_string={**args, "key": ""}).get_data(as_text=True)
    assert park.number in html and yol.number in html


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        ({"period": "year"}, "period", "Geçersiz dönem türü"),
        ({"period": "month", "month": "13"}, "month", "Ay 1 ile 12"),
        ({"period": "month", "year": "abc"}, "year", "Yıl 2000 ile 2100"),
        ({"period": "custom", "from": "2026-10-10", "to": "2026-10-01"}, "to", "başlangıçtan"),
        ({"period": "custom", "from": "10/10/2026", "to": "2026-10-11"}, "from", "tarih"),
        ({"period": "custom", "from": "2025-01-01", "to": "2026-10-11"}, "to", "366"),
        ({"cut": "galaxy"}, "cut", "Geçersiz kırılım"),
    ],
)
def test_bad_parameters_are_422_next_to_the_field(
    client: FlaskClient, args: dict[str, str], field: str, message: str
) -> None:
    login(client, "yonetici")
    for path in ("/reports/", "/reports/export.csv"):
        response = client.get(path, query_string=args)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, path
        match = re.search(rf'<p class="error" id="e-{field}">([^<]*)</p>', html)
        assert match and message in match.group(1), html[-1500:]


def test_unknown_figure_is_422(client: FlaskClient) -> None:
    login(client, "yonetici")
    response = client.get("/reports/tickets", query_string={"figure": "everything"})
    assert response.status_code == 422
    assert "Geçersiz gösterge" in response.get_data(as_text=True)


def test_exports_download_scoped(client: FlaskClient, web_db: Session) -> None:
    _two_departments(web_db)
    login(client, "fen.mudur")
    response = client.get("/reports/export.csv", query_string=_today_args())
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "himcrm-rapor-" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Birim"
    codes = {row[1] for row in rows[1:-2]}
    assert "FEN.YOL" in codes and "PARK.BAKIM" not in codes

    response = client.get("/reports/export.xlsx", query_string={**_today_args(), "cut": "topic"})
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:2] == ["Özet", "Konu kodu"] and len(book.sheetnames) == 6

    response = client.get("/reports/export.pdf", query_string=_today_args())
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert client.get("/reports/export.doc").status_code == 404


def test_overdue_list_per_department(client: FlaskClient, web_db: Session) -> None:
    long_ago = utcnow() - timedelta(days=40)
    yol = factories.ticket(web_db, topic_code="FEN.YOL.01", now=long_ago)
    park = factories.ticket(web_db, topic_code="FEN.AYD.02", now=long_ago)
    web_db.commit()
    login(client, "fen.mudur")
    html = client.get("/reports/overdue").get_data(as_text=True)
    assert yol.number in html and park.number not in html
    login(client, "yonetici")
    html = client.get("/reports/overdue").get_data(as_text=True)
    assert yol.number in html and park.number in html
    assert "Park Bakım Şube Müdürlüğü" in html


def test_stored_reports_list_and_download(client: FlaskClient, web_db: Session) -> None:
    period = Period.last_complete_month(utcnow())
    stored = generate_stored_report(web_db, "monthly", period, now=utcnow(), recipients=[])
    web_db.commit()
    login(client, "yonetici")
    html = client.get("/reports/stored").get_data(as_text=True)
    assert period.label in html and f"/reports/stored/{stored.id}/xlsx" in html
    response = client.get(f"/reports/stored/{stored.id}/xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=himcrm-monthly-rapor-{period.label}.xlsx"
    )
    assert response.data == stored.xlsx
    assert client.get(f"/reports/stored/{stored.id}/pdf").data.startswith(b"%PDF")
    assert client.get(f"/reports/stored/{stored.id}/exe").status_code == 404
    assert client.get(f"/reports/stored/{stored.id + 1000}/xlsx").status_code == 404
