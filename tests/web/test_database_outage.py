"""The database unreachable: every kind of client gets a clear 503 with Retry-After,
never a 500 page (issue 9's PostgreSQL restart)."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from himcrm import create_app
from himcrm.config import Settings
from tests.web.conftest import login, new_client, post


def test_pages_forms_and_apis_answer_503_while_the_database_is_down(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            # Nothing listens on port 1: every connection attempt is refused at once.
            "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/himcrm",
            "SECRET_KEY": "k" * 32,
            "HIMCRM_INSTANCE_PATH": str(tmp_path),
        }
    ).with_overrides(testing=True)
    app = create_app(settings)
    client = new_client(app)
    page = client.get("/basvuru")  # the citizen form reads its topics from the database
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "geçici olarak kullanılamıyor" in page.get_data(as_text=True)
    api = client.get("/api/v1/topics", headers={"Authorization": "Bearer abcd.efgh"})
    assert api.status_code == 503 and api.get_json()["error"] == "unavailable"
    open311 = client.get("/open311/v2/services.json")
    assert open311.status_code == 503
    login = client.post("/login", data={"username": "operator", "password": "x"})
    assert login.status_code in (
        400,
        503,
    )  # no CSRF token without a session: refused before the database


def test_a_nul_byte_is_never_a_500(client: FlaskClient, web_db: Session) -> None:
    """PostgreSQL refuses NUL in text: in the URL a 400 up front, in a form a 422."""
    assert client.get("/open311/v2/services/%00.json").status_code == 400
    assert client.get("/t/abc%00def").status_code == 400
    login(client, "operator")
    response = post(
        client,
        "/console/",
        {
            "phone": "0532 111 22 33",
            "full_name": "Nul Bayt",
            "topic_code": "FEN.YOL.01",
            "district": "KONAK",
            "address": "Atatürk Cd. 1",
            "description": "Çukur\x00 var",
        },
    )
    # SQLite stores the byte; PostgreSQL refuses the value: a form message, not a 500.
    assert response.status_code in (302, 422), response.status_code
