"""Route tests: the Flask test client against the session database, rolled back per test."""

from __future__ import annotations

import itertools
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from himcrm.extensions import db
from himcrm.models import User
from tests.conftest import DEMO_PASSWORD
from tests.totp import fresh_code, secret_of

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


_addresses = itertools.count(1)


def new_client(app: Flask) -> FlaskClient:
    """A test client with an address of its own.

    The login rate limit counts per address in memory for the whole test
    session; giving every client its own address keeps tests independent of each
    other's logins while the limit itself stays on, as in production.
    """
    client = app.test_client()
    n = next(_addresses)
    client.environ_base["REMOTE_ADDR"] = f"10.{n // 62500 % 250}.{n // 250 % 250}.{n % 250 + 1}"
    return client


@pytest.fixture
def client(app: Flask, web_db: Session) -> FlaskClient:
    return new_client(app)


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path, follow_redirects=True)
    match = CSRF_META.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


TOTP_KEY = re.compile(r'<code id="totp-key"[^>]*>([^<]+)</code>')


def login(client: FlaskClient, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in, completing two-factor login as a person would where it applies.

    Users with two-factor login on type the current code (computed from their
    stored secret); admins and supervisors who have not enrolled enrol on the
    page (reading the key shown there) before anything else opens.
    """
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    location = response.headers["Location"]
    if location.endswith("/login/code"):
        with client.application.app_context():
            user = db.session.scalar(sa.select(User).where(User.username == username))
            assert user is not None
            secret = secret_of(user, client.application.config["SECRET_KEY"])
            last_step = user.totp_last_step
        code = fresh_code(secret, last_step)
        answer = client.post(
            "/login/code", data={"code": code, "csrf_token": csrf_token(client, "/login/code")}
        )
        assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    elif location.endswith("/account/two-factor"):
        enrol(client)


def enrol(client: FlaskClient) -> list[str]:
    """Enrol the logged-in user on the setup page; return the recovery codes shown."""
    page = client.get("/account/two-factor").get_data(as_text=True)
    match = TOTP_KEY.search(page)
    assert match, page[:500]
    secret = match.group(1).replace(" ", "")
    token = CSRF_META.search(page)
    assert token
    done = client.post(
        "/account/two-factor", data={"code": fresh_code(secret), "csrf_token": token.group(1)}
    )
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and 'id="recovery-codes"' in html, html[:500]
    return re.findall(r"<li>([A-Z0-9]{5}-[A-Z0-9]{5})</li>", html)


def post(client: FlaskClient, path: str, data: dict | None = None, **kw: object):  # type: ignore[no-untyped-def]
    """POST with the CSRF token of the current session."""
    token = csrf_token(client, "/")
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kw)
