"""The REST API's HTTP boundary: key authentication, rate limits, bodies, errors.

The access gate of the staff screens lets ``api`` through (no cookies here); so
this blueprint's own ``before_request`` denies by default: every endpoint needs
``Authorization: Bearer <key>`` of an active client with the ``api`` scope,
except the ones in :data:`OPEN_ENDPOINTS` (the OpenAPI document, its page and
the JSON 404/405 answers). The client acts as its user: that user's role and
department scoping apply to every call. The operations themselves are data in
:mod:`himcrm.api.routes`; each becomes one route here. Every failure answers in
the one JSON shape of :mod:`himcrm.api.errors`, never an HTML page.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, g, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from limits import parse as parse_limit
from marshmallow import Schema
from marshmallow import ValidationError as SchemaError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from himcrm.api import errors, openapi, outputs
from himcrm.api.docs_page import sections
from himcrm.api.endpoints import ApiContext, require_role
from himcrm.api.inputs import EmptyIn
from himcrm.api.routes import OPERATIONS, Operation
from himcrm.api_keys import authenticate
from himcrm.errors import DomainError
from himcrm.extensions import csrf, db, limiter
from himcrm.models import SCOPE_API, ApiClient, utcnow

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api")
# Key-authenticated, no cookies: there is no session for a CSRF token to protect.
csrf.exempt(bp)

OPEN_ENDPOINTS = frozenset({"api.openapi", "api.docs", "api.unknown"})
#: API bodies are small JSON documents; anything bigger is refused unread.
MAX_BODY = 64 * 1024
#: Per client key; override with HIMCRM_API_RATE_LIMIT in ``Settings.extra``.
DEFAULT_RATE_LIMIT = "1800 per minute"
#: Per address, counting only refused keys: guessing keys is slow
#: (override with HIMCRM_API_FAILED_AUTH_LIMIT in ``Settings.extra``).
FAILED_AUTH_LIMIT = "30 per minute"
PUBLIC_PAGE_LIMIT = "300 per minute"
#: Headings of the docs page per OpenAPI tag.
TAG_LABELS = {
    "tickets": _l("Başvurular"),
    "reference": _l("Başvuru kodları ve listeler"),
    "meta": _l("Belgenin kendisi"),
}
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class ApiAbort(Exception):
    """Stop the request with this status and error body."""

    def __init__(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(payload.get("error"))
        self.status = status
        self.payload = payload
        self.headers = headers or {}


def _answer(
    status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
) -> ResponseReturnValue:
    response = jsonify(payload)
    response.status_code = status
    response.headers.update(headers or {})
    return response


# --------------------------------------------------------------------------- the gate


def _bearer_key() -> str | None:
    """The key of ``Authorization: Bearer <key>``; None for anything else.

    Keys are printable ASCII; anything else never reaches the database (a NUL
    would make PostgreSQL fail the lookup instead of refusing the key).
    """
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key or not (key.isascii() and key.isprintable()):
        return None
    return key


def _within_limit(rate: str, scope: str, identity: str) -> int | None:
    """Count one hit; None while within ``rate``, else seconds until it resets."""
    if not limiter.enabled:
        return None
    item = parse_limit(rate)
    if limiter.limiter.hit(item, "himcrm-api", scope, identity):
        return None
    reset, _remaining = limiter.limiter.get_window_stats(item, "himcrm-api", scope, identity)
    return max(1, int(reset - time.time()))


def _rate_limited(retry_after: int) -> ApiAbort:
    return ApiAbort(429, errors.http_error(429), {"Retry-After": str(retry_after)})


@bp.before_request
def gate() -> None:
    request.max_content_length = MAX_BODY
    if request.endpoint in OPEN_ENDPOINTS:
        return
    session = db.session()
    client = authenticate(session, _bearer_key(), SCOPE_API, utcnow())
    if client is None or client.user is None:
        refused = current_app.config.get("HIMCRM_API_FAILED_AUTH_LIMIT", FAILED_AUTH_LIMIT)
        wait = _within_limit(refused, "auth-failed", get_remote_address() or "-")
        if wait is not None:
            raise _rate_limited(wait)
        raise ApiAbort(401, errors.http_error(401), {"WWW-Authenticate": 'Bearer realm="api"'})
    if client in session.dirty:
        session.commit()  # last_used_at, written at most every few minutes
    rate = current_app.config.get("HIMCRM_API_RATE_LIMIT", DEFAULT_RATE_LIMIT)
    wait = _within_limit(rate, "client", client.key_prefix)
    if wait is not None:
        raise _rate_limited(wait)
    g.api_client = client


# --------------------------------------------------------------------------- operations


def _json_body(schema: type[Schema]) -> dict[str, Any]:
    raw = request.get_data(cache=True)  # 413 past MAX_BODY, before anything is parsed
    if schema is EmptyIn and not raw.strip():
        return {}
    if request.mimetype != "application/json":
        raise ApiAbort(415, errors.http_error(415))
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiAbort(400, errors.body("bad_request", errors.HTTP_ERRORS[400][1])) from None
    if not isinstance(payload, dict):
        raise ApiAbort(400, errors.body("validation", errors.NOT_AN_OBJECT))
    loaded: dict[str, Any] = outputs.shared(schema).load(payload)
    return loaded


def _input(op: Operation) -> dict[str, Any]:
    if op.query is not None:
        loaded: dict[str, Any] = outputs.shared(op.query).load(request.args)
        return loaded
    if op.body is not None:
        return _json_body(op.body)
    return {}


def _view(op: Operation) -> Callable[..., ResponseReturnValue]:
    def view(**path: str) -> ResponseReturnValue:
        client: ApiClient = g.api_client
        assert client.user is not None  # the gate refused clients without one
        settings = current_app.config["HIMCRM_SETTINGS"]
        ctx = ApiContext(db.session(), client, client.user, utcnow(), settings.timezone)
        require_role(ctx, op.roles)  # a 403 says so before the body is even read
        data = _input(op)
        headers = {name: request.headers[name] for name, _ in op.headers if name in request.headers}
        result, status = op.handler(ctx, data, path, headers)
        payload = outputs.dump(op.response, result)  # before the commit expires the rows
        if op.writes:
            db.session.commit()
        response = jsonify(payload)
        response.status_code = status
        if status == 201 and isinstance(payload, dict) and "number" in payload:
            response.headers["Location"] = url_for("api.get_ticket", number=payload["number"])
        return response

    view.__name__ = op.endpoint
    return view


for _op in OPERATIONS:
    bp.add_url_rule(_op.rule, endpoint=_op.endpoint, view_func=_view(_op), methods=[_op.method])


# --------------------------------------------------------------------------- open endpoints


@bp.get("/openapi.json", endpoint="openapi")
@limiter.limit(PUBLIC_PAGE_LIMIT)
def openapi_document() -> ResponseReturnValue:
    return jsonify(openapi.document())


@bp.get("/docs")
@limiter.limit(PUBLIC_PAGE_LIMIT)
def docs() -> ResponseReturnValue:
    document = openapi.document()
    return render_template(
        "api/docs.html", document=document, sections=sections(document), tags=TAG_LABELS
    )


def _known_routes() -> Map:
    rules = [Rule("/api" + op.rule, methods=[op.method]) for op in OPERATIONS]
    rules += [Rule("/api/openapi.json", methods=["GET"]), Rule("/api/docs", methods=["GET"])]
    return Map(rules)


_KNOWN = _known_routes()


@bp.route("/", defaults={"rest": ""}, methods=_ALL_METHODS, endpoint="unknown")
@bp.route("/<path:rest>", methods=_ALL_METHODS, endpoint="unknown")
def unknown(rest: str) -> ResponseReturnValue:
    """Whatever no operation matched: a JSON 405 (with Allow) or 404, not an HTML page."""
    try:
        _KNOWN.bind("localhost").match(request.path, method=request.method)
    except MethodNotAllowed as error:
        allowed = ", ".join(sorted(error.valid_methods or []))
        return _answer(405, errors.http_error(405), {"Allow": allowed})
    except NotFound:
        pass
    return _answer(404, errors.http_error(404))


# --------------------------------------------------------------------------- errors


@bp.errorhandler(ApiAbort)
def _abort(error: ApiAbort) -> ResponseReturnValue:
    return _answer(error.status, error.payload, error.headers)


@bp.errorhandler(SchemaError)
def _schema_error(error: SchemaError) -> ResponseReturnValue:
    return _answer(400, errors.schema_error(error.messages))


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> ResponseReturnValue:
    db.session.rollback()  # nothing half-written
    payload, status = errors.domain_error(error)
    return _answer(status, payload)


@bp.errorhandler(StaleDataError)
def _stale(_error: StaleDataError) -> ResponseReturnValue:
    """Optimistic lock lost in an autoflush the life cycle did not wrap: still a 409."""
    db.session.rollback()
    return _answer(409, errors.body("conflict", errors.STALE))


@bp.errorhandler(DBAPIError)
def _database_error(error: DBAPIError) -> ResponseReturnValue:
    """The database is down or restarting: a clear, retryable 503 (issue 9).

    Any other database error is a bug: logged, and a 500 in the API's shape.
    """
    db.session.rollback()
    if isinstance(error, OperationalError) or error.connection_invalidated:
        log.warning("API: database unavailable (%s)", type(error.orig).__name__)
        return _answer(503, errors.http_error(503), {"Retry-After": "5"})
    log.error("API: database error %s on %s", type(error.orig).__name__, request.endpoint)
    return _answer(500, errors.http_error(500))


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    headers = {}
    if status == 429:
        headers["Retry-After"] = str(60)
    return _answer(status, errors.http_error(status), headers)
