"""Open-data downloads: roles, formats, bad parameters."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.privacy.test_open_data import NAME, make
from tests.web.conftest import login


def test_download_is_for_supervisors_and_admins(client: FlaskClient, web_db: Session) -> None:
    now = datetime.now().astimezone() - timedelta(minutes=5)
    for _ in range(5):
        make(web_db, now, "KONAK", "Alsancak")
    web_db.commit()
    login(client, "fen.mudur")
    assert client.get("/reports/open-data.csv?period=month").status_code == 403
    client.get("/logout")
    login(client, "yonetici")
    response = client.get("/reports/open-data.csv?period=month")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("topic_code,") and "alsancak" in body and NAME not in body
    assert client.get("/reports/open-data.json?period=month").get_json()["metadata"]
    bad = client.get("/reports/open-data.csv?period=month&month=13")
    assert bad.status_code == 422 and bad.get_json()["field"] == "month"
    assert client.get("/reports/open-data/dictionary.json").get_json()["columns"]
