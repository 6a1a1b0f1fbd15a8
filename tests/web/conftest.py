"""Route tests: the Flask test client against the session database, rolled back per test."""

from __future__ import annotations

import itertools
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import DEMO_PASSWORD

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


def login(client: FlaskClient, username: str, password: str = DEMO_PASSWORD) -> None:
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def post(client: FlaskClient, path: str, data: dict | None = None, **kw: object):  # type: ignore[no-untyped-def]
    """POST with the CSRF token of the current session."""
    token = csrf_token(client, "/")
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kw)
