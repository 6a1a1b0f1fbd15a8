"""The OpenAPI 3 document, generated from the operation table and its schemas.

Texts are in the request's language (Turkish or English), so the document is
built per locale and kept.
"""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from himcrm.api import inputs, outputs
from himcrm.api.errors import HTTP_ERRORS
from himcrm.api.routes import COMMON_ERRORS, OPERATIONS, Operation

OPENAPI_VERSION = "3.0.3"
API_VERSION = "1.0.0"
_RULE_ARGUMENT = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")
_cache: dict[str, dict[str, Any]] = {}


def openapi_path(rule: str) -> str:
    """A Flask rule under /api as an OpenAPI path (``<number>`` → ``{number}``)."""
    return "/api" + _RULE_ARGUMENT.sub(r"{\1}", rule)


def document() -> dict[str, Any]:
    locale = str(get_locale() or "tr")
    if locale not in _cache:
        _cache[locale] = build()
    return _cache[locale]


#: Response descriptions that say more than the error's default message.
_DESCRIPTIONS = {400: _l("Geçersiz istek: fields, hatalı alanları adlandırır.")}


def _error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": str(_DESCRIPTIONS.get(status, HTTP_ERRORS[status][1])),
        "content": {"application/json": {"schema": "ErrorOut"}},
    }
    if status == 429:
        response["headers"] = {
            "Retry-After": {
                "description": str(_l("Kaç saniye sonra yeniden denenebilir.")),
                "schema": {"type": "integer"},
            }
        }
    return response


def _operation(op: Operation) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = []
    if "<number>" in op.rule:
        parameters.append(
            {
                "in": "path",
                "name": "number",
                "required": True,
                "description": str(_l("Başvuru numarası, ör. 2026-000123")),
                "schema": {"type": "string", "pattern": inputs.TICKET_NUMBER.pattern},
            }
        )
    for name, description in op.headers:
        parameters.append(
            {
                "in": "header",
                "name": name,
                "required": False,
                "description": str(description),
                "schema": {"type": "string", "maxLength": 100},
            }
        )
    if op.query is not None:
        parameters.append({"in": "query", "schema": op.query})
    success = {
        "description": str(op.summary),
        "content": {"application/json": {"schema": op.response}},
    }
    responses: dict[str, Any] = {str(op.status): success}
    for status in op.other_statuses:
        replay = str(_l("Aynı istek daha önce işlenmiş: ilk başvuru döner."))
        responses[str(status)] = {**success, "description": replay}
    for status in sorted({*op.errors, *COMMON_ERRORS}):
        responses[str(status)] = _error_response(status)
    operation: dict[str, Any] = {
        "operationId": op.endpoint,
        "summary": str(op.summary),
        "tags": [op.tag],
        "parameters": parameters,
        "responses": responses,
    }
    if op.description:
        operation["description"] = str(op.description)
    if op.body is not None:
        operation["requestBody"] = {
            "required": op.body is not inputs.EmptyIn,
            "content": {"application/json": {"schema": op.body}},
        }
    return operation


def build() -> dict[str, Any]:
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="HİM-CRM REST API",
        version=API_VERSION,
        openapi_version=OPENAPI_VERSION,
        plugins=[plugin],
        info={
            "description": str(
                _l(
                    "Başvurular, yaşam döngüsü işlemleri ve başvuru kodları. Her istek "
                    "Authorization: Bearer <anahtar> başlığı ister; istemci, anahtarın bağlı "
                    "olduğu kullanıcının rolü ve birimiyle çalışır."
                )
            )
        },
    )
    plugin.map_to_openapi_type(inputs.When, "string", None)
    spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "API key"}
    )
    spec.components.schema("ErrorOut", schema=outputs.ErrorOut)
    by_path: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        by_path.setdefault(openapi_path(op.rule), {})[op.method.lower()] = _operation(op)
    for path, operations in by_path.items():
        spec.path(path=path, operations=operations)
    _public_paths(spec)
    document = _plain(spec.to_dict())
    document["security"] = [{"bearerAuth": []}]
    return document


def _plain(value: Any) -> Any:
    """Lazy translations in the schemas' metadata, rendered now in the current locale."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, LazyString):
        return str(value)
    return value


def _public_paths(spec: APISpec) -> None:
    """The document itself and its page: no key needed."""
    spec.path(
        path="/api/openapi.json",
        operations={
            "get": {
                "operationId": "openapi",
                "summary": str(_l("Bu OpenAPI belgesi")),
                "tags": ["meta"],
                "security": [],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "429": _error_response(429),
                },
            }
        },
    )
    spec.path(
        path="/api/docs",
        operations={
            "get": {
                "operationId": "docs",
                "summary": str(_l("API belgelerinin okunur sayfası")),
                "tags": ["meta"],
                "security": [],
                "responses": {
                    "200": {
                        "description": "HTML",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    },
                    "429": _error_response(429),
                },
            }
        },
    )
