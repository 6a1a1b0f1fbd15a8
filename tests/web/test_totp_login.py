"""Two-factor login in the browser flow: the code step, enrolment required for admins and
supervisors (the gate), voluntary enrolment, rate limit and lockout, expiry, admin reset."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from himcrm.models import User
from himcrm.users import MAX_FAILED_LOGINS
from tests.conftest import DEMO_PASSWORD
from tests.totp import fresh_code, secret_of
from tests.web.conftest import csrf_token, enrol, login, new_client, post


def password_step(client: FlaskClient, username: str, path: str = "/login") -> str:
    response = client.post(
        path,
        data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers["Location"]


def code_step(client: FlaskClient, code: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/login/code")
    return client.post("/login/code", data={"code": code, "csrf_token": token})


def reload(db: Session, username: str) -> User:
    db.expire_all()
    user = db.scalar(sa.select(User).where(User.username == username))
    assert user is not None
    return user


def test_supervisor_must_enrol_before_any_other_page(client: FlaskClient, web_db: Session) -> None:
    assert password_step(client, "yonetici").endswith("/account/two-factor")
    for path in ("/", "/reports/", "/search/", "/account"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith("/account/two-factor"), path
    refused = client.get("/reports/", headers={"Accept": "application/json"})
    assert refused.status_code == 403 and refused.get_json()["error"] == "two_factor_required"
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page and 'id="totp-key"' in page
    # A wrong code keeps the page (same key) and says so next to the field.
    key = page.split('id="totp-key"', 1)[1].split("</code>", 1)[0]
    wrong = client.post(
        "/account/two-factor", data={"code": "12345", "csrf_token": csrf_token(client, "/")}
    )
    assert wrong.status_code == 422 and 'id="e-code"' in wrong.get_data(as_text=True)
    assert key in wrong.get_data(as_text=True)
    codes = enrol(client)
    assert len(codes) == 10
    assert client.get("/").status_code in (200, 302)
    assert client.get("/reports/").status_code == 200
    user = reload(web_db, "yonetici")
    assert user.totp_enabled and key.replace(" ", "") not in (user.totp_secret or "")
    # The recovery codes were shown once: the account page does not repeat them.
    account = client.get("/account").get_data(as_text=True)
    assert "10" in account and codes[0] not in account


def test_the_code_step_logs_in_only_with_a_valid_unused_code(
    app: Flask, client: FlaskClient, web_db: Session
) -> None:
    login(client, "admin")  # enrols on the way
    post(client, "/logout")
    location = password_step(client, "admin", "/login?next=/admin/users")
    assert location.endswith("/login/code")
    # Half logged in: not authenticated for Flask-Login, every page still closed.
    with client.session_transaction() as state:
        assert "_user_id" not in state and state["second_step"]["next"] == "/admin/users"
    assert client.get("/admin/users").headers["Location"].startswith("/login")
    assert code_step(client, "").status_code == 401
    user = reload(web_db, "admin")
    secret = secret_of(user, app.config["SECRET_KEY"])
    code = fresh_code(secret, user.totp_last_step)
    answer = code_step(client, code)
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/users"
    assert client.get("/admin/users").status_code == 200
    # The same code cannot log in a second browser (replay).
    other = new_client(app)
    password_step(other, "admin")
    replayed = code_step(other, code)
    assert replayed.status_code == 401 and 'id="e-code"' in replayed.get_data(as_text=True)


def test_recovery_code_logs_in_once(app: Flask, client: FlaskClient, web_db: Session) -> None:
    login(client, "admin")
    codes = enrol_other(app, "fen.mudur")
    first = new_client(app)
    password_step(first, "fen.mudur")
    assert code_step(first, codes[0]).status_code == 302
    second = new_client(app)
    password_step(second, "fen.mudur")
    assert code_step(second, codes[0]).status_code == 401


def enrol_other(app: Flask, username: str) -> list[str]:
    """A user enrols voluntarily from the account page in their own browser."""
    other = new_client(app)
    login(other, username)
    account = other.get("/account").get_data(as_text=True)
    assert 'href="/account/two-factor"' in account
    return enrol(other)


def test_wrong_codes_lock_the_account_and_the_step_is_rate_limited(
    app: Flask, client: FlaskClient, web_db: Session
) -> None:
    enrol_other(app, "operator")
    password_step(client, "operator")
    for _ in range(MAX_FAILED_LOGINS - 1):
        wrong = code_step(client, "000000")
        assert wrong.status_code == 401
    locked = code_step(client, "000000")
    assert locked.status_code == 302 and locked.headers["Location"].endswith("/login")
    assert reload(web_db, "operator").locked_until is not None
    # The password alone does not get past a lock either.
    again = client.post(
        "/login",
        data={"username": "operator", "password": DEMO_PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert again.status_code == 401 and "kilitlendi" in again.get_data(as_text=True)
    statuses = [code_step(client, "000000").status_code for _ in range(6)]
    assert statuses[-1] == 429, statuses  # 10 code attempts a minute per address


def test_the_half_login_expires_after_five_minutes(
    app: Flask, client: FlaskClient, web_db: Session
) -> None:
    enrol_other(app, "backoffice")
    password_step(client, "backoffice")
    with client.session_transaction() as state:
        state["second_step"] = {**state["second_step"], "at": state["second_step"]["at"] - 301}
    user = reload(web_db, "backoffice")
    secret = secret_of(user, app.config["SECRET_KEY"])
    expired = client.post(
        "/login/code",
        data={
            "code": fresh_code(secret, user.totp_last_step),
            "csrf_token": csrf_token(client, "/"),
        },
    )
    assert expired.status_code == 302 and expired.headers["Location"].endswith("/login")
    assert client.get("/").headers["Location"].startswith("/login")
    assert "Doğrulama süresi doldu" in client.get("/login").get_data(as_text=True)


def test_a_session_without_the_second_factor_is_ended(
    app: Flask, client: FlaskClient, web_db: Session
) -> None:
    login(client, "admin")
    assert client.get("/admin/users").status_code == 200
    with client.session_transaction() as state:
        state["two_factor"] = False
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_resets_two_factor_and_the_user_enrols_again(
    app: Flask, client: FlaskClient, web_db: Session
) -> None:
    supervisor = new_client(app)
    login(supervisor, "yonetici")
    login(client, "admin")
    target = reload(web_db, "yonetici")
    admin = reload(web_db, "admin")
    page = client.get(f"/admin/users/{target.id}").get_data(as_text=True)
    assert 'id="totp-reset"' in page
    assert 'id="totp-reset"' not in client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    response = post(client, f"/admin/users/{target.id}/two-factor/reset")
    assert response.status_code == 302
    assert not reload(web_db, "yonetici").totp_enabled
    # The supervisor's open session is sent to enrolment before anything else.
    assert supervisor.get("/").headers["Location"].endswith("/account/two-factor")
    # An admin cannot reset their own (a stolen session must not re-enrol).
    post(client, f"/admin/users/{admin.id}/two-factor/reset")
    assert reload(web_db, "admin").totp_enabled
    # Other roles cannot reset anyone's.
    operator = new_client(app)
    login(operator, "operator")
    assert post(operator, f"/admin/users/{admin.id}/two-factor/reset").status_code == 403
