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


_FOLD = str.maketrans("çğıöşüâîû", "cgiosuaiu")
_TR_ORDER = {ch: i for i, ch in enumerate("abcçdefgğhıijklmnoöprsştuüvyz")}


def search_key(text: str) -> str:
    """Lower-case by Turkish rules, then fold to ASCII: ``"ÇÖP Işık"`` → ``"cop isik"``.

    What people type without Turkish letters ("cop", "isik") then matches.
    """
    return tr_lower(text).translate(_FOLD)


def tr_sort_key(text: str) -> tuple[int, ...]:
    """Turkish alphabetical order (Ç after C, İ after I, Ö after O ...)."""
    return tuple(_TR_ORDER.get(ch, 100 + ord(ch)) for ch in tr_lower(text))
