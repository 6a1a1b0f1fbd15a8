"""Looking up the codes channels and screens speak in: topic codes and districts."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.errors import ValidationError
from himcrm.models import District, TopicCode


def normalise_code(raw: str | None) -> str:
    """A code as typed or picked from a suggestion list ("FEN.YOL.01 Yol çukuru").

    Codes are ASCII, so plain ``str.upper`` is right here (``tr_upper`` would turn
    ``i`` into ``İ``).
    """
    text = (raw or "").strip()
    return text.split()[0].upper() if text else ""


def find_leaf_topic(
    session: Session, raw_code: str | None, *, field: str = "topic_code"
) -> TopicCode:
    """The active leaf topic with this code, or a ValidationError naming ``field``."""
    code = normalise_code(raw_code)
    if not code:
        raise ValidationError(_l("Konu kodu girin."), field=field)
    topic = session.scalar(sa.select(TopicCode).where(TopicCode.code == code))
    if topic is None or not topic.is_active:
        raise ValidationError(_l("Bilinmeyen konu kodu."), field=field, code=code)
    if not topic.is_leaf:
        raise ValidationError(
            _l("Konu kodu bir grup; alt konulardan birini seçin."), field=field, code=code
        )
    return topic


def find_district(
    session: Session, raw_code: str | None, *, field: str = "district_code"
) -> District | None:
    """The district with this code; None for an empty code."""
    code = (raw_code or "").strip().upper()
    if not code:
        return None
    district = session.scalar(sa.select(District).where(District.code == code))
    if district is None:
        raise ValidationError(_l("Bilinmeyen ilçe."), field=field)
    return district
