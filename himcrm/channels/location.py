"""Reading a position typed or sent by a browser: one parser for every channel form."""

from __future__ import annotations

import math
from typing import Any

from flask_babel import lazy_gettext as _l


def parse_decimal(text: str) -> float | None:
    """A finite number; a decimal comma is accepted (Turkish keyboards type one)."""
    if len(text) > 32:
        return None
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def in_range(lat: float | None, lon: float | None) -> bool:
    return lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180


def parse_position(
    lat_text: str, lon_text: str, errors: dict[str, Any]
) -> tuple[float | None, float | None]:
    """Both parts parsed and range-checked; a wrong part adds its message to ``errors``
    under ``latitude`` / ``longitude`` and comes back as None."""
    lat, lon = parse_decimal(lat_text), parse_decimal(lon_text)
    if lat is None or not -90 <= lat <= 90:
        errors["latitude"] = _l("Enlem -90 ile 90 arasında bir sayı olmalı.")
        lat = None
    if lon is None or not -180 <= lon <= 180:
        errors["longitude"] = _l("Boylam -180 ile 180 arasında bir sayı olmalı.")
        lon = None
    return lat, lon
