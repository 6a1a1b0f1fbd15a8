"""Reading GeoReport v2 parameters: text, lists, W3C datetimes and ``attribute[...]``.

Every parser raises :class:`ValidationError` naming the parameter as the client
sent it (``lat``, ``attribute[district]``), so garbage is a 400 in the spec's
error format, never a 500. Inputs are plain mappings, not Flask request objects.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from himcrm.errors import ValidationError

# Control characters other than tab, newline and carriage return: never valid
# input (PostgreSQL refuses NUL in text; XML cannot carry the rest).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ATTRIBUTE_KEY = re.compile(r"^attribute\[([A-Za-z0-9_.\-]{1,64})\](\[\])?$")
_W3C_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_W3C_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"
)
MAX_LIST_ITEMS = 1000


def text(value: str | None, field: str, *, max_length: int, multiline: bool = False) -> str:
    """A stripped string, refused with a message naming ``field`` when it is garbage."""
    cleaned = (value or "").strip()
    if not multiline and ("\n" in cleaned or "\r" in cleaned):
        raise ValidationError(_l("Satır sonu içeremez."), field=field)
    if _CONTROL.search(cleaned):
        raise ValidationError(_l("Geçersiz karakter içeriyor."), field=field)
    if len(cleaned) > max_length:
        raise ValidationError(_l("En fazla %(n)s karakter olabilir.", n=max_length), field=field)
    return cleaned


def comma_list(value: str | None, field: str, *, max_length: int = 64) -> list[str]:
    """``a,b, c`` as ``["a", "b", "c"]`` (empty items dropped, order kept, no repeats)."""
    raw = text(value, field, max_length=MAX_LIST_ITEMS * (max_length + 1))
    items: list[str] = []
    for item in raw.split(","):
        item = item.strip()
        if not item or item in items:
            continue
        if len(item) > max_length:
            raise ValidationError(_l("Listede çok uzun bir değer var."), field=field)
        items.append(item)
    if len(items) > MAX_LIST_ITEMS:
        raise ValidationError(
            _l("En fazla %(n)s değer verilebilir.", n=MAX_LIST_ITEMS), field=field
        )
    return items


def coordinate(value: str | None, field: str, *, limit: float) -> float | None:
    """A WGS84 latitude (``limit`` 90) or longitude (180); None when not given."""
    raw = text(value, field, max_length=32)
    if not raw:
        return None
    try:
        number = float(raw)
    except ValueError:
        raise ValidationError(_l("Sayı olmalı."), field=field) from None
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise ValidationError(
            _l("%(low)s ile %(high)s arasında olmalı.", low=-int(limit), high=int(limit)),
            field=field,
        )
    return number


def w3c_datetime(value: str | None, field: str, *, timezone: str) -> datetime | None:
    """A W3C datetime (``2010-01-01T00:00:00Z``); a bare date is midnight in ``timezone``.

    The spec requires the offset on datetimes, so ``2010-01-01T00:00:00`` is refused
    rather than guessed.
    """
    raw = text(value, field, max_length=40)
    if not raw:
        return None
    try:
        if _W3C_DATE.match(raw):
            day = date.fromisoformat(raw)
            return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone))
        if _W3C_DATETIME.match(raw):
            return datetime.fromisoformat(raw)
    except ValueError:
        pass  # e.g. month 13: the same answer as a malformed value
    raise ValidationError(
        _l("W3C biçiminde, saat dilimiyle bir tarih olmalı (ör. 2026-11-17T10:00:00+03:00)."),
        field=field,
    )


@dataclass(frozen=True, slots=True)
class AttributeValue:
    values: tuple[str, ...]
    multiple: bool  # sent as attribute[CODE][]=...


def attributes(items: Iterable[tuple[str, str]]) -> dict[str, AttributeValue]:
    """``attribute[CODE]=v`` and ``attribute[CODE][]=v1&attribute[CODE][]=v2`` by code."""
    collected: dict[str, list[str]] = {}
    multiple: dict[str, bool] = {}
    for key, value in items:
        if not key.startswith("attribute"):
            continue
        match = _ATTRIBUTE_KEY.match(key)
        if match is None:
            raise ValidationError(_l("Geçersiz öznitelik adı."), field=key[:80])
        code, is_list = match.group(1), bool(match.group(2))
        if code in multiple and multiple[code] != is_list:
            raise ValidationError(_l("Öznitelik hem tek hem çok değerli gönderilmiş."), field=key)
        multiple[code] = is_list
        collected.setdefault(code, []).append(text(value, key, max_length=500))
        if len(collected[code]) > 100 or len(collected) > 100:
            raise ValidationError(_l("Çok fazla öznitelik değeri."), field=key)
    return {
        code: AttributeValue(tuple(values), multiple[code]) for code, values in collected.items()
    }


def first(values: Mapping[str, str], name: str, *, max_length: int, multiline: bool = False) -> str:
    """One named parameter as clean text ("" when absent)."""
    return text(values.get(name), name, max_length=max_length, multiline=multiline)
