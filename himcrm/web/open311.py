"""Open311 GeoReport v2 at ``/open311/v2/``: thin views over :mod:`himcrm.channels.open311`.

Public by design (reads need no key; POST proves itself with ``api_key``), so
CSRF-exempt. Every answer, errors included, is in the format the URL's suffix
asks for (``.xml`` or ``.json``); see the channel package's docstring for the
decisions on output, idempotency and personal data.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from himcrm.channels.open311 import catalogue, public, submit
from himcrm.channels.open311.render import FORMATS, render
from himcrm.config import Settings
from himcrm.errors import DomainError, NotFound, PermissionDenied
from himcrm.extensions import csrf, db, limiter
from himcrm.models import utcnow

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
# Client applications cannot hold our CSRF token; POST is authenticated by api_key.
csrf.exempt(bp)

FMT = "<any(xml, json):fmt>"
READ_LIMIT = "120 per minute"
WRITE_LIMIT_PER_ADDRESS = "60 per minute"
WRITE_LIMIT_PER_KEY = "60 per minute"
LOOKUP_LIMIT = "30 per minute"  # tokens are unguessable; this only slows a scan further


def _settings() -> Settings:
    return current_app.config["HIMCRM_SETTINGS"]


def _locale() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "tr"


def _key_prefix() -> str:
    """Rate-limit bucket of the client key (its public prefix; the secret never is a key)."""
    key = request.values.get("api_key", "")
    return "open311-key:" + key.split(".", 1)[0][:16]


def _format() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in FORMATS:
        return str(fmt)
    return "json" if request.path.endswith(".json") else "xml"


def _respond(root: str, document: Any, status: int = 200) -> Response:
    body, content_type = render(_format(), root, document)
    return Response(body, status=status, content_type=content_type)


def _errors(status: int, description: str) -> Response:
    return _respond("errors", [{"code": str(status), "description": description}], status)


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> Response:
    db.session.rollback()  # nothing recorded on an error
    if isinstance(error, PermissionDenied):
        status = 403
    elif isinstance(error, NotFound):
        status = 404
    else:
        status = 400  # the spec's code for every other refused request
    message = str(error.message)
    return _errors(status, f"{error.field}: {message}" if error.field else message)


def _http_error(error: HTTPException) -> Response:
    db.session.rollback()
    status = error.code or 400
    return _errors(status, error.description or error.name)


# By code as well as by class: Flask prefers the app's handlers for a code
# (the staff site's HTML 404/429 pages) over a blueprint's handler for a class.
bp.register_error_handler(HTTPException, _http_error)
for _code in (400, 403, 404, 405, 413, 429):
    bp.register_error_handler(_code, _http_error)


@bp.before_request
def _check_jurisdiction() -> None:
    """We serve one jurisdiction: another one is the spec's 404; none is fine."""
    given = request.values.get("jurisdiction_id", "").strip()
    if given and given != _settings().open311_jurisdiction:
        raise NotFound(_l("Bilinmeyen jurisdiction_id."), field="jurisdiction_id")


@bp.get(f"/discovery.{FMT}")
@limiter.limit(READ_LIMIT)
def discovery(fmt: str) -> Response:
    settings = _settings()
    document = catalogue.discovery(
        db.session(),
        endpoint_url=f"{settings.public_base_url}{bp.url_prefix}",
        timezone=settings.timezone,
    )
    return _respond("discovery", document)


@bp.get(f"/services.{FMT}")
@limiter.limit(READ_LIMIT)
def services(fmt: str) -> Response:
    return _respond("services", catalogue.service_list(db.session(), locale=_locale()))


@bp.get(f"/services/<code>.{FMT}")
@limiter.limit(READ_LIMIT)
def service_definition(code: str, fmt: str) -> Response:
    document = catalogue.service_definition(db.session(), code, locale=_locale())
    return _respond("service_definition", document)


@bp.post(f"/requests.{FMT}")
@limiter.limit(WRITE_LIMIT_PER_ADDRESS)
@limiter.limit(WRITE_LIMIT_PER_KEY, key_func=_key_prefix)
def create_request(fmt: str) -> Response:
    now = utcnow()
    client = submit.authenticate_client(db.session(), request.values.get("api_key"), now)
    submitted = submit.submit_request(
        db.session(),
        client,
        request.values.to_dict(flat=False),
        now=now,
        idempotency_key=request.headers.get("Idempotency-Key"),
        timezone=_settings().timezone,
    )
    document = submit.response(submitted, locale=_locale())
    db.session.commit()
    return _respond("service_requests", document)


@bp.get(f"/requests.{FMT}")
@limiter.limit(READ_LIMIT)
def list_requests(fmt: str) -> Response:
    settings = _settings()
    query = public.parse_query(request.args, now=utcnow(), timezone=settings.timezone)
    tickets = public.find_requests(db.session(), query)
    locale = _locale()
    document = [
        public.public_request(t, locale=locale, timezone=settings.timezone) for t in tickets
    ]
    return _respond("service_requests", document)


@bp.get(f"/requests/<number>.{FMT}")
@limiter.limit(READ_LIMIT)
def get_request(number: str, fmt: str) -> Response:
    ticket = public.find_request(db.session(), number)
    document = [public.public_request(ticket, locale=_locale(), timezone=_settings().timezone)]
    return _respond("service_requests", document)


@bp.get(f"/tokens/<token>.{FMT}")
@limiter.limit(LOOKUP_LIMIT)
def token(token: str, fmt: str) -> Response:
    number = public.number_for_token(db.session(), token)
    return _respond("service_requests", [{"service_request_id": number, "token": token}])


ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@bp.route("/", methods=ANY_METHOD)
@bp.route("/<path:rest>", methods=ANY_METHOD)
@limiter.limit(READ_LIMIT)
def unknown(rest: str = "") -> Response:
    """Anything else under the prefix, in the spec's format, not the staff site's HTML page.

    Werkzeug tries this rule after a known path refused the method, so a PUT on
    ``requests.json`` lands here too and is answered 405.
    """
    if request.method not in ("GET", "HEAD", "POST"):
        return _errors(405, str(_l("Bu yöntem desteklenmiyor.")))
    return _errors(404, str(_l("Böyle bir Open311 kaynağı yok.")))
