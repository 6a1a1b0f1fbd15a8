"""Deny by default: no key, a wrong key, a revoked key or a key of another scope is a 401."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from himcrm.api_keys import revoke
from himcrm.models import SCOPE_OPEN311
from tests.api.conftest import Api, assert_error, register
from tests.conftest import make_app
from tests.web.conftest import new_client


@pytest.mark.parametrize(
    "path", ["/api/v1/tickets", "/api/v1/tickets/2026-000001", "/api/v1/topics"]
)
def test_no_key_is_a_json_401(app: Flask, web_db: Session, path: str) -> None:
    response = Api(new_client(app), None).get(path)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_key_and_a_malformed_header_are_401(app: Flask, web_db: Session) -> None:
    client, key = register(web_db, "backoffice")
    api = new_client(app)
    for header in (
        f"Bearer {key}x",
        f"Bearer {client.key_prefix}.wrong",
        f"Basic {key}",
        "Bearer",
        "Bearer " + "a" * 5000,
        "Bearer \x7fabc.def",
        "Bearer çok.gizli",
    ):
        assert_error(
            api.get("/api/v1/topics", headers={"Authorization": header}), 401, "unauthorized"
        )
    assert Api(api, key).get("/api/v1/topics").status_code == 200


def test_a_revoked_key_and_an_open311_key_are_refused(app: Flask, web_db: Session) -> None:
    client, key = register(web_db, "backoffice")
    api = Api(new_client(app), key)
    assert api.get("/api/v1/topics").status_code == 200
    revoke(web_db.get(type(client), client.id))
    web_db.commit()
    assert_error(api.get("/api/v1/topics"), 401, "unauthorized")

    _other, open311_key = register(web_db, None, scopes=(SCOPE_OPEN311,))
    assert_error(Api(new_client(app), open311_key).get("/api/v1/topics"), 401, "unauthorized")


def test_an_inactive_user_locks_its_key(app: Flask, web_db: Session) -> None:
    client, key = register(web_db, "operator")
    web_db.get(type(client), client.id).user.active = False
    web_db.commit()
    assert_error(Api(new_client(app), key).get("/api/v1/topics"), 401, "unauthorized")


def test_the_role_of_the_keys_user_limits_what_it_may_do(api_as) -> None:  # type: ignore[no-untyped-def]
    staff = api_as("fen.personel")
    refused = staff.post("/api/v1/tickets", json={"description": "Çukur var."})
    assert_error(refused, 403, "forbidden")
    assert staff.get("/api/v1/tickets").status_code == 200


def test_rate_limit_per_client_key(app: Flask, api_as, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "HIMCRM_API_RATE_LIMIT", "3 per minute")
    first, second = api_as("backoffice"), api_as("backoffice")
    for _ in range(3):
        assert first.get("/api/v1/districts").status_code == 200
    limited = first.get("/api/v1/districts")
    assert_error(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) >= 1
    # another key (even from the same user) has its own budget
    assert second.get("/api/v1/districts").status_code == 200


def test_guessing_keys_is_rate_limited_per_address(app: Flask, web_db: Session) -> None:
    api = Api(new_client(app), "deadbeef.guess")
    statuses = [api.get("/api/v1/topics").status_code for _ in range(31)]
    assert statuses[:30] == [401] * 30
    assert_error(api.get("/api/v1/topics"), 429, "rate_limited")


def test_spec_docs_and_unknown_paths_need_no_key(app: Flask, web_db: Session) -> None:
    anonymous = Api(new_client(app), None)
    assert anonymous.get("/api/openapi.json").status_code == 200
    assert anonymous.get("/api/docs").status_code == 200
    assert_error(anonymous.get("/api/v2/nothing"), 404, "not_found")
    not_allowed = anonymous.open("/api/v1/tickets", "DELETE")
    assert_error(not_allowed, 405, "method_not_allowed")
    assert set(not_allowed.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_a_database_outage_is_a_clear_503_not_a_500(tmp_path: Path) -> None:
    """Issue 9's fault test in small: the database cannot be reached at all."""
    app = make_app(f"sqlite:///{tmp_path}/missing/dir/himcrm.sqlite3", tmp_path / "instance")
    response = app.test_client().get(
        "/api/v1/topics", headers={"Authorization": "Bearer abcdef12.secret"}
    )
    assert_error(response, 503, "unavailable")
    assert response.headers["Retry-After"] == "5"
