"""API tests: the Flask test client with client keys, against the rolled-back test database."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from himcrm.api_keys import create_client
from himcrm.models import SCOPE_API, ApiClient
from tests.web.conftest import new_client
from tests.web.inbox_helpers import by_username


class Api:
    """A test client that sends one key on every call."""

    def __init__(self, client: FlaskClient, key: str | None) -> None:
        self.client = client
        self.key = key

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        sent = dict(headers or {})
        if self.key is not None:
            sent.setdefault("Authorization", f"Bearer {self.key}")
        return sent

    def get(self, path: str, headers: dict[str, str] | None = None, **kw: Any) -> TestResponse:
        return self.client.get(path, headers=self._headers(headers), **kw)

    def post(
        self, path: str, json: Any = None, headers: dict[str, str] | None = None, **kw: Any
    ) -> TestResponse:
        return self.client.post(path, json=json, headers=self._headers(headers), **kw)

    def open(self, path: str, method: str, **kw: Any) -> TestResponse:
        headers = self._headers(kw.pop("headers", None))
        return self.client.open(path, method=method, headers=headers, **kw)


def register(
    db: Session, username: str | None, scopes: tuple[str, ...] = (SCOPE_API,)
) -> tuple[ApiClient, str]:
    user = by_username(db, username) if username else None
    client, key = create_client(db, name=f"test {username}", scopes=list(scopes), user=user)
    db.commit()
    return client, key


@pytest.fixture
def api_as(app: Flask, web_db: Session):  # type: ignore[no-untyped-def]
    """``api_as("backoffice")``: a client whose key acts as that demo user."""

    def make(username: str) -> Api:
        _client, key = register(web_db, username)
        return Api(new_client(app), key)

    return make


def assert_error(response: TestResponse, status: int, code: str, field: str | None = None) -> dict:
    """The one error shape: error code, a message, and the field when there is one."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "message", "fields"}, body
    assert body["error"] == code, body
    assert body["message"]
    if field is not None:
        assert field in body["fields"], body
        assert body["fields"][field][0]
    return body
