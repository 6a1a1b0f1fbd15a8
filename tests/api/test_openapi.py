"""The OpenAPI document: valid, complete, rendered as a page, and fuzzed with schemathesis."""

from __future__ import annotations

import re

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from himcrm.models import utcnow
from tests import factories as f
from tests.api.conftest import Api, register
from tests.web.conftest import new_client
from tests.web.inbox_helpers import fen_ticket


def _document(app: Flask, language: str = "tr") -> dict:
    response = new_client(app).get("/api/openapi.json", headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi_3(app: Flask, web_db: Session) -> None:
    document = _document(app)
    assert document["openapi"].startswith("3.")
    validate(document)
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_document_lists_every_route_of_the_blueprint(app: Flask, web_db: Session) -> None:
    documented = {
        (method.upper(), path) for path, item in _document(app)["paths"].items() for method in item
    }
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.unknown":
            path = re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            routed |= {(m, path) for m in rule.methods or () if m not in {"HEAD", "OPTIONS"}}
    assert routed == documented
    assert ("POST", "/api/v1/tickets/{number}/hold") in routed


def test_the_document_and_its_page_follow_the_callers_language(app: Flask, web_db: Session) -> None:
    assert _document(app, "tr")["paths"]["/api/v1/tickets"]["post"]["summary"] == (
        "Başvuru oluştur"
    )
    for language, column in (("tr", "<th>Tür</th>"), ("en", "<th>Type</th>")):
        page = new_client(app).get("/api/docs", headers={"Accept-Language": language})
        html = page.get_data(as_text=True)
        assert f'<html lang="{language}">' in html
        assert column in html


def test_the_docs_page_renders_every_operation(app: Flask, web_db: Session) -> None:
    page = new_client(app).get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for path in ("/api/v1/tickets", "/api/v1/tickets/{number}/transfer", "/api/v1/districts"):
        assert path in html
    assert "citizen.phone" in html  # nested body fields are spelled out
    assert "<script>" not in html  # no inline script (CSP)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)  # nothing from a CDN


# --------------------------------------------------------------------------- fuzzing


@pytest.fixture
def fuzz_key(app: Flask, web_db: Session, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(app.config, "HIMCRM_API_RATE_LIMIT", "100000 per minute")
    # the fuzzer also sends wrong keys on purpose: let it see the 401s, not 429s
    monkeypatch.setitem(app.config, "HIMCRM_API_FAILED_AUTH_LIMIT", "100000 per minute")
    _client, key = register(web_db, "admin")
    return key


#: Examples per operation, mode and target ticket: the whole run stays well under a minute.
FUZZ_EXAMPLES = 15


def test_fuzz_every_operation_without_a_server_error(
    app: Flask, web_db: Session, fuzz_key: str
) -> None:
    """schemathesis, valid and invalid data for every operation: never a 5xx, and every
    answer is one the document declares, in the declared shape. Operations on one
    ticket run against random numbers and against real tickets (routed, unrouted)."""
    routed = fen_ticket(web_db)
    unrouted = f.ticket(web_db, topic_code=None, now=utcnow(), phone="+905321112201")
    web_db.commit()
    targets = [None, {"number": routed.number}, {"number": unrouted.number}]
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    headers = {"Authorization": f"Bearer {fuzz_key}"}
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    runs = [
        (operation, mode, path)
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        for path in (targets if "{number}" in operation.path else [None])
        if path is None or mode is GenerationMode.POSITIVE
    ]
    for operation, mode, path in runs:

        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path))
        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=checks)

        try:
            fuzz()
        except Unsatisfiable:
            # Nothing to make invalid (no parameters, no body): nothing to test.
            assert mode is GenerationMode.NEGATIVE, operation.label


def test_a_client_sees_documented_errors_only(app: Flask, web_db: Session) -> None:
    """A smoke check outside the fuzzer: an unknown ticket is a documented 404."""
    _client, key = register(web_db, "admin")
    response = Api(new_client(app), key).get("/api/v1/tickets/2099-000001")
    assert response.status_code == 404
    documented = _document(app)["paths"]["/api/v1/tickets/{number}"]["get"]["responses"]
    assert "404" in documented
