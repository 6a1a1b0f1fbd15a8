"""Client keys of the public APIs: created once, stored hashed, scoped."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from himcrm.api_keys import authenticate, create_client, revoke
from himcrm.errors import ValidationError
from himcrm.models import SCOPE_API, SCOPE_OPEN311, Role
from tests.conftest import user


def test_key_is_stored_hashed_and_authenticates_only_its_scope(
    session: Session, now: datetime
) -> None:
    client, key = create_client(session, name=" Mahalle App ", scopes=[SCOPE_OPEN311])
    assert client.name == "Mahalle App"
    assert key.startswith(client.key_prefix + ".")
    assert key not in (client.key_hash, client.key_prefix)
    assert authenticate(session, key, SCOPE_OPEN311, now) is client
    assert client.last_used_at == now
    assert authenticate(session, key, SCOPE_API, now) is None
    assert authenticate(session, key + "x", SCOPE_OPEN311, now) is None
    assert authenticate(session, client.key_prefix + ".wrong", SCOPE_OPEN311, now) is None
    assert authenticate(session, "", SCOPE_OPEN311, now) is None
    assert authenticate(session, None, SCOPE_OPEN311, now) is None
    # last_used_at is not rewritten on every call
    assert authenticate(session, key, SCOPE_OPEN311, now + timedelta(minutes=1)) is client
    assert client.last_used_at == now
    revoke(client)
    assert authenticate(session, key, SCOPE_OPEN311, now) is None


def test_rest_api_key_needs_an_active_user(session: Session, now: datetime) -> None:
    with pytest.raises(ValidationError) as refused:
        create_client(session, name="Entegrasyon", scopes=[SCOPE_API])
    assert refused.value.field == "user"
    with pytest.raises(ValidationError) as refused:
        create_client(session, name="x", scopes=["admin"])
    assert refused.value.field == "scopes"
    with pytest.raises(ValidationError) as refused:
        create_client(session, name="  ", scopes=[SCOPE_OPEN311])
    assert refused.value.field == "name"
    staff = user(session, Role.BACK_OFFICE)
    client, key = create_client(session, name="Entegrasyon", scopes=[SCOPE_API], user=staff)
    assert authenticate(session, key, SCOPE_API, now) is client
    staff.active = False
    assert authenticate(session, key, SCOPE_API, now) is None


def test_cli_prints_the_key_once(fresh_app: Flask) -> None:
    result = fresh_app.test_cli_runner().invoke(
        args=["api-client", "Komşu Belediye", "--scope", "open311"]
    )
    assert result.exit_code == 0, result.output
    key = result.output.split("key: ")[1].strip()
    with fresh_app.app_context():
        from himcrm.extensions import db

        assert (
            authenticate(db.session(), key, SCOPE_OPEN311, datetime.now().astimezone()) is not None
        )
    refused = fresh_app.test_cli_runner().invoke(args=["api-client", "X", "--scope", "api"])
    assert refused.exit_code != 0 and "(user)" in refused.output
