"""Checking admin form input: every problem is a ValidationError naming its field."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.errors import ValidationError

#: Codes of departments and topics: ASCII upper-case segments joined by dots ("FEN.YOL.01").
CODE_PATTERN = re.compile(r"^[A-Z0-9]+(?:_[A-Z0-9]+)*(?:\.[A-Z0-9]+(?:_[A-Z0-9]+)*)*$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def text(value: str | None, field: str, *, max_len: int, required: Any = None) -> str:
    """Whitespace-collapsed text; ``required`` is the message shown when it is empty."""
    cleaned = " ".join((value or "").split())
    if required is not None and not cleaned:
        raise ValidationError(required, field=field)
    if len(cleaned) > max_len:
        raise ValidationError(_l("En fazla %(n)s karakter olabilir.", n=max_len), field=field)
    return cleaned


def code(value: str | None, field: str = "code", *, max_len: int = 64) -> str:
    """A code as typed: codes are ASCII, so plain ``str.upper`` (not ``tr_upper``)."""
    cleaned = (value or "").strip().upper()
    if not cleaned:
        raise ValidationError(_l("Kod gerekli."), field=field)
    if len(cleaned) > max_len or not CODE_PATTERN.match(cleaned):
        raise ValidationError(
            _l("Kod yalnızca büyük harf (A-Z), rakam, alt çizgi ve noktadan oluşur."), field=field
        )
    return cleaned


def email(value: str | None, field: str = "email") -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    if len(cleaned) > 254 or not EMAIL_PATTERN.match(cleaned):
        raise ValidationError(_l("Geçerli bir e-posta adresi değil."), field=field)
    return cleaned


def hours(value: str | float | None, field: str) -> float | None:
    """Hours as typed ("4", "4,5", "0.5"); None when left empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            raise ValidationError(_l("Saat sayısı girin (ör. 4 ya da 4,5)."), field=field) from None
    else:
        number = float(value)
    if not number > 0 or number != number or number == float("inf"):
        raise ValidationError(_l("Süre sıfırdan büyük olmalı."), field=field)
    return number


def by_code(
    session: Session, model: Any, raw: str | None, field: str, message: Any, *, upper: bool = True
) -> Any:
    """The row of ``model`` with this code, or None when left empty.

    Department, topic and district codes are upper case; calendar codes are not.
    """
    wanted = (raw or "").strip()
    wanted = wanted.upper() if upper else wanted
    if not wanted:
        return None
    row = session.scalar(sa.select(model).where(model.code == wanted))
    if row is None:
        raise ValidationError(message, field=field, code=wanted)
    return row
