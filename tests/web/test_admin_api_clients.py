"""Admin: registering and revoking API clients; the key is shown once and works."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from himcrm.models import ApiClient
from tests.web.conftest import login, new_client, post

KEY = re.compile(r'id="api-key"[^>]*value="([0-9a-f]{8}\.[A-Za-z0-9_-]+)"')


def _clients(db: Session) -> list[ApiClient]:
    db.expire_all()
    return list(db.scalars(sa.select(ApiClient).order_by(ApiClient.id)))


def test_admin_registers_a_rest_client_and_sees_the_key_once(
    app: Flask, client: FlaskClient, web_db: Session
) -> None:
    login(client, "admin")
    assert client.get("/admin/api-clients/new").status_code == 200
    before = len(_clients(web_db))
    response = post(
        client,
        "/admin/api-clients/new",
        {
            "name": "Mobil uygulama",
            "contact": "mobil@example.org",
            "scopes": "api",
            "user": "operator",
        },
    )
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    key = KEY.search(response.get_data(as_text=True))
    assert key, response.get_data(as_text=True)[:2000]
    created = _clients(web_db)[-1]
    assert len(_clients(web_db)) == before + 1
    assert created.user is not None and created.user.username == "operator"
    assert created.scopes == ["api"]
    assert key.group(1) not in created.key_hash

    # the key works against the API, and the list never shows it again
    api = new_client(app)
    headers = {"Authorization": f"Bearer {key.group(1)}"}
    assert api.get("/api/v1/districts", headers=headers).status_code == 200
    listing = client.get("/admin/api-clients").get_data(as_text=True)
    assert "Mobil uygulama" in listing and created.key_prefix in listing
    assert key.group(1) not in listing

    # revoked: the key stops working at once
    revoked = post(client, "/admin/api-clients/revoke", {"client_id": str(created.id)})
    assert revoked.status_code == 302
    assert not _clients(web_db)[-1].active
    assert api.get("/api/v1/districts", headers=headers).status_code == 401


def test_refused_forms_name_the_field_and_create_nothing(
    client: FlaskClient, web_db: Session
) -> None:
    login(client, "admin")
    before = len(_clients(web_db))
    cases = [
        ({"name": "", "scopes": "open311"}, "name"),
        ({"name": "X"}, "scopes"),
        ({"name": "X", "scopes": "root"}, "scopes"),
        ({"name": "X", "scopes": "api"}, "user"),  # the REST API acts as a user
        ({"name": "X", "scopes": "api", "user": "nobody"}, "user"),
    ]
    for data, field in cases:
        response = post(client, "/admin/api-clients/new", data)
        assert response.status_code == 422, (data, response.status_code)
        html = response.get_data(as_text=True)
        assert f'id="e-{field}"' in html, (field, html[:3000])
        assert 'id="api-key"' not in html
    assert len(_clients(web_db)) == before
    # an Open311 client needs no user
    assert (
        post(client, "/admin/api-clients/new", {"name": "Komşu", "scopes": "open311"}).status_code
        == 201
    )
    assert post(client, "/admin/api-clients/revoke", {"client_id": "999999"}).status_code == 404


def test_only_admins_and_only_with_csrf(client: FlaskClient, web_db: Session) -> None:
    login(client, "backoffice")
    assert client.get("/admin/api-clients").status_code == 403
    assert (
        post(client, "/admin/api-clients/new", {"name": "X", "scopes": "open311"}).status_code
        == 403
    )
    other = client
    login(other, "admin")
    refused = other.post("/admin/api-clients/new", data={"name": "X", "scopes": "open311"})
    assert refused.status_code == 400  # no CSRF token
    assert "X" not in [c.name for c in _clients(web_db)]
    assert "API" in other.get("/admin/").get_data(as_text=True)
