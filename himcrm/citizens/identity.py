"""Turkish phone numbers and T.C. kimlik numbers."""

from __future__ import annotations

import phonenumbers
from flask_babel import lazy_gettext as _l

from himcrm.errors import ValidationError

_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def normalise_phone(raw: str, *, field: str = "phone") -> str:
    """Return the number in E.164 (``+905321234567``).

    Accepts what operators and citizens type: ``0532 123 45 67``,
    ``(532) 123-4567``, ``+90 532 123 45 67``, ``0090...``. Numbers without a
    country code are read as Turkish.
    """
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_l("Telefon numarası gerekli."), field=field)
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, "TR")
    except phonenumbers.NumberParseException:
        raise ValidationError(_l("Telefon numarası okunamadı."), field=field) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_l("Geçerli bir telefon numarası değil."), field=field)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    """Whether an SMS can reach this number (Turkish landlines cannot take SMS)."""
    parsed = phonenumbers.parse(e164, None)
    return phonenumbers.number_type(parsed) in _MOBILE_TYPES


def kimlik_no_is_valid(value: str) -> bool:
    """The T.C. kimlik no checksum: 11 digits, no leading zero, two check digits."""
    if len(value) != 11 or not value.isdigit() or value[0] == "0":
        return False
    d = [int(c) for c in value]
    tenth = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    eleventh = sum(d[:10]) % 10
    return d[9] == tenth and d[10] == eleventh


def validate_kimlik_no(raw: str, *, field: str = "kimlik_no") -> str:
    value = "".join((raw or "").split())
    if not kimlik_no_is_valid(value):
        raise ValidationError(_l("T.C. kimlik numarası geçersiz."), field=field)
    return value


def mask_phone(e164: str | None) -> str:
    """``+905321234567`` → ``+90 532 *** ** 67``: enough to confirm, not to call."""
    if not e164:
        return ""
    if len(e164) < 7:
        return "*" * len(e164)
    return f"{e164[:3]} {e164[3:6]} *** ** {e164[-2:]}"


def mask_kimlik_no(value: str | None) -> str:
    if not value:
        return ""
    return f"{value[:2]}*******{value[-2:]}"
