"""Fuzzing Open311 GeoReport v2 (it has no OpenAPI document for schemathesis): random
parameters on every endpoint, valid key or not, must never be a server error."""

from __future__ import annotations

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from himcrm.api_keys import create_client
from himcrm.models import SCOPE_OPEN311
from tests.web.conftest import new_client

PARAMS = [
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
    "attribute[request_type]",
    "attribute[district]",
    "attribute[neighbourhood]",
    "attribute[x][]",
    "service_request_id",
    "start_date",
    "end_date",
    "status",
]
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["FEN.YOL.01", "KONAK", "38.42", "27.14", "2026-11-17T10:00:00+03:00", "open"]),
    st.from_regex(r"-?\d{1,4}(\.\d{1,8})?", fullmatch=True),
)
QUERY = st.dictionaries(st.sampled_from(PARAMS), VALUES, max_size=10)
PATHS = st.sampled_from(
    [
        "discovery.json",
        "services.xml",
        "services.json",
        "services/FEN.YOL.01.json",
        "services/%00.xml",
        "requests.json",
        "requests.xml",
        "requests/2026-000001.json",
        "requests/x.xml",
        "tokens/abc.json",
    ]
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=PATHS, query=QUERY, post=st.booleans(), use_key=st.booleans())
def test_open311_never_answers_a_server_error(
    app: Flask, web_db: Session, path: str, query: dict[str, str], post: bool, use_key: bool
) -> None:
    client = new_client(app)
    if use_key:
        _client, key = create_client(web_db, name="Fuzz", scopes=[SCOPE_OPEN311])
        web_db.commit()
        query = {**query, "api_key": key}
    url = f"/open311/v2/{path}"
    response = client.post(url, data=query) if post else client.get(url, query_string=query)
    assert response.status_code < 500, (url, query, response.get_data(as_text=True)[:300])
    assert response.status_code in (200, 201, 400, 403, 404, 405, 429)
