"""Turkish-aware text normalisation (İ/i and I/ı are different letters)."""

from __future__ import annotations

import unicodedata

_LOWER_MAP = str.maketrans({"I": "ı", "İ": "i"})
_UPPER_MAP = str.maketrans({"i": "İ", "ı": "I"})


def tr_lower(text: str) -> str:
    return text.translate(_LOWER_MAP).lower()


def tr_upper(text: str) -> str:
    return text.translate(_UPPER_MAP).upper()


def normalise_name(text: str) -> str:
    """Collapse whitespace and NFC-normalise a person's name as typed."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def same_name(a: str, b: str) -> bool:
    return tr_lower(normalise_name(a)) == tr_lower(normalise_name(b))
