"""The one error shape of the API, and how each kind of failure maps onto it.

Every 4xx (and the rare 5xx) answers ``{"error": code, "message": text,
"fields": {name: [text, ...]}}``; ``fields`` names the inputs at fault (dotted
for nested ones, e.g. ``citizen.phone``) and is empty otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from himcrm.errors import (
    ConcurrentUpdate,
    DomainError,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)

#: Domain errors → (HTTP status, error code). Validation is a 400 in this API
#: (the brief of issue 6: "ValidationError → 400 naming the field").
DOMAIN_STATUS: tuple[tuple[type[DomainError], int, str], ...] = (
    (ValidationError, 400, "validation"),
    (NotFound, 404, "not_found"),
    (PermissionDenied, 403, "forbidden"),
    (IllegalTransition, 409, "illegal_transition"),
    (ConcurrentUpdate, 409, "conflict"),
)

#: HTTP status → (error code, default message) for failures that are not domain errors.
HTTP_ERRORS: dict[int, tuple[str, Any]] = {
    400: ("bad_request", _l("İstek okunamadı.")),
    401: ("unauthorized", _l("Geçerli bir API anahtarı gerekli (Authorization: Bearer ...).")),
    403: ("forbidden", _l("Bu işlem için yetkiniz yok.")),
    404: ("not_found", _l("Bulunamadı.")),
    405: ("method_not_allowed", _l("Bu adres bu HTTP yöntemini desteklemiyor.")),
    409: ("conflict", _l("İstek, kaydın şu anki durumuyla çakışıyor.")),
    413: ("payload_too_large", _l("İstek gövdesi çok büyük.")),
    415: ("unsupported_media_type", _l("İstek gövdesi application/json olmalı.")),
    429: ("rate_limited", _l("Çok fazla istek; biraz sonra yeniden deneyin.")),
    500: ("server_error", _l("Beklenmeyen bir hata oluştu.")),
    503: ("unavailable", _l("Hizmet geçici olarak kullanılamıyor; biraz sonra yeniden deneyin.")),
}

STALE = _l("Başvuru bu arada başka biri tarafından değiştirildi; sayfayı yenileyin.")
NOT_AN_OBJECT = _l("İstek gövdesi bir JSON nesnesi olmalı.")

#: marshmallow's built-in messages, in our language (validators we configure
#: carry their own translated messages).
_SCHEMA_MESSAGES: dict[str, Any] = {
    "Missing data for required field.": _l("Bu alan gerekli."),
    "Field may not be null.": _l("Bu alan boş (null) olamaz."),
    "Unknown field.": _l("Bilinmeyen alan."),
    "Not a valid string.": _l("Metin olmalı."),
    "Not a valid integer.": _l("Tam sayı olmalı."),
    "Not a valid number.": _l("Sayı olmalı."),
    "Not a valid boolean.": _l("true ya da false olmalı."),
    "Special numeric values (nan or infinity) are not permitted.": _l("Sayı olmalı."),
    "Invalid input type.": _l("Nesne (JSON object) olmalı."),
    "Invalid type.": _l("Nesne (JSON object) olmalı."),
    "Number too large.": _l("Sayı çok büyük."),
}


def body(
    code: str, message: object, fields: Mapping[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": code, "message": str(message), "fields": dict(fields or {})}


def http_error(status: int, message: object | None = None) -> dict[str, Any]:
    code, default = HTTP_ERRORS.get(status, HTTP_ERRORS[400] if status < 500 else HTTP_ERRORS[500])
    return body(code, message if message is not None else default)


def domain_error(error: DomainError) -> tuple[dict[str, Any], int]:
    """A service's refusal as (body, status)."""
    status, code = next(
        ((status, code) for cls, status, code in DOMAIN_STATUS if isinstance(error, cls)),
        (400, "validation"),
    )
    fields = {error.field: [str(error.message)]} if error.field else {}
    return body(code, error.message, fields), status


def schema_error(messages: object) -> dict[str, Any]:
    """marshmallow's nested messages as one flat ``{"a.b": [text]}`` mapping."""
    flat: dict[str, list[str]] = {}
    _flatten(messages, "", flat)
    first = next(iter(flat.items()), None)
    summary = (
        _l("%(field)s: %(message)s", field=first[0], message=first[1][0])
        if first
        else _l("Girdi geçersiz.")
    )
    return body("validation", summary, flat)


def _flatten(messages: object, prefix: str, out: dict[str, list[str]]) -> None:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = "_schema" if key == "_schema" and not prefix else str(key)
            _flatten(value, f"{prefix}.{name}" if prefix else name, out)
        return
    items = messages if isinstance(messages, list) else [messages]
    for item in items:
        if isinstance(item, (Mapping, list)):
            _flatten(item, prefix, out)
        else:
            text = str(item)
            out.setdefault(prefix or "_schema", []).append(str(_SCHEMA_MESSAGES.get(text, text)))
