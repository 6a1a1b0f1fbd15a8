"""Login, lockout, timeouts, CSRF, deny-by-default, department scoping of the ticket page."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from himcrm.models import Department, Role, User, utcnow
from himcrm.users import MAX_FAILED_LOGINS
from himcrm.web.access import IDLE_TIMEOUT
from tests import factories as f
from tests.web.conftest import csrf_token, login, post


def test_every_page_but_the_public_ones_needs_login(app: Flask, client: FlaskClient) -> None:
    public = {"auth.login", "auth.set_locale", "static", "healthz", "api.openapi", "api.docs"}
    citizen_pages = {"public", "open311"}  # public by design
    signed = {"webhooks", "phone", "social"}  # public URLs that refuse unsigned calls
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0]
        if rule.endpoint in public or blueprint in citizen_pages:
            continue
        if "GET" not in rule.methods or rule.arguments:
            continue
        response = client.get(rule.rule)
        if blueprint in signed:
            assert response.status_code in (400, 403, 405), (
                f"{rule.rule} answered {response.status_code} to an unsigned call"
            )
            continue
        assert response.status_code in (302, 401), (
            f"{rule.rule} answered {response.status_code} without login"
        )
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]


def test_login_rotates_the_session_and_lands_by_role(client: FlaskClient) -> None:
    client.get("/login")
    with client.session_transaction() as before:
        before["planted"] = "by-an-attacker"
    login(client, "operator")
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after["sid"] and after["login_at"] and after["_user_id"]
    assert client.get("/").status_code in (200, 302)


def test_wrong_password_says_so_next_to_the_field_and_keeps_the_name(client: FlaskClient) -> None:
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": "operator", "password": "yanlış", "csrf_token": token}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert 'value="operator"' in html and 'id="e-password"' in html
    assert "Kullanıcı adı veya parola hatalı" in html


def test_lockout_after_repeated_failures(client: FlaskClient, web_db: Session) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        client.post(
            "/login",
            data={
                "username": "fen.personel",
                "password": "x" * 12,
                "csrf_token": csrf_token(client),
            },
        )
    user = web_db.scalar(sa.select(User).where(User.username == "fen.personel"))
    assert user is not None and user.locked_until is not None and user.locked_until > utcnow()
    # Even the right password is refused while locked.
    response = client.post(
        "/login",
        data={
            "username": "fen.personel",
            "password": "Test-Password-2026",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 401 and "kilitlendi" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_rejected(client: FlaskClient) -> None:
    response = client.post(
        "/login", data={"username": "operator", "password": "Test-Password-2026"}
    )
    assert response.status_code == 400
    login(client, "operator")
    assert client.post("/logout").status_code == 400
    assert post(client, "/logout").status_code == 302


@pytest.mark.parametrize(
    ("key", "age"),
    [
        ("seen_at", IDLE_TIMEOUT + timedelta(minutes=1)),
        ("login_at", timedelta(hours=12, minutes=1)),
    ],
)
def test_idle_and_absolute_timeouts(client: FlaskClient, key: str, age: timedelta) -> None:
    login(client, "operator")
    with client.session_transaction() as sess:
        sess[key] = (datetime.now().astimezone() - age).timestamp()
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_open_redirects_are_refused(client: FlaskClient) -> None:
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example.com/",
        data={"username": "operator", "password": "Test-Password-2026", "csrf_token": token},
    )
    assert response.status_code == 302 and "evil" not in response.headers["Location"]


def test_ticket_page_is_scoped_to_the_department(client: FlaskClient, web_db: Session) -> None:
    now = utcnow()
    fen = web_db.scalar(sa.select(Department).where(Department.code == "FEN.YOL"))
    park = web_db.scalar(sa.select(Department).where(Department.code == "PARK.BAKIM"))
    assert fen is not None and park is not None
    f.topic(web_db, "TWEB", None, first_response_hours=None, resolution_hours=None)
    f.topic(web_db, "TWEB.YOL", fen)
    ticket = f.ticket(web_db, topic_code="TWEB.YOL", now=now, phone="+905327654321")
    web_db.commit()

    login(client, "park.personel")  # another department
    assert client.get(f"/tickets/{ticket.number}").status_code == 404
    assert client.get("/tickets/2026-999999").status_code == 404
    post(client, "/logout")

    login(client, "fen.personel")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert ticket.number in page and "+905327654321" in page  # staff who call citizens see it
    assert "Başvuru alındı" in page  # the timeline
    post(client, "/logout")

    login(client, "yonetici")  # supervisor: sees every ticket, contact details masked
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert ticket.number in page and "+905327654321" not in page and "*** ** 21" in page


def test_forbidden_roles_get_403(app: Flask, client: FlaskClient, web_db: Session) -> None:
    user = web_db.scalar(sa.select(User).where(User.role == Role.ADMIN))
    assert user is not None
    login(client, "operator")
    if "admin.index" in app.view_functions:
        assert client.get("/admin/").status_code == 403


def test_a_lost_optimistic_lock_race_is_a_409_not_a_500(
    fresh_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An autoflush can raise the ORM's StaleDataError outside the lifecycle's own check."""
    from sqlalchemy.orm.exc import StaleDataError

    from himcrm.web import access

    @fresh_app.get("/healthz/stale")
    def stale() -> str:
        raise StaleDataError("UPDATE statement on table 'tickets' expected to update 1 row(s)")

    monkeypatch.setattr(access, "PUBLIC_ENDPOINTS", access.PUBLIC_ENDPOINTS | {"stale"})
    client = fresh_app.test_client()
    response = client.get("/healthz/stale", headers={"Accept": "application/json"})
    assert response.status_code == 409
    assert response.get_json()["error"] == "conflict"
    assert client.get("/healthz/stale").status_code == 409
