"""Looking up the codes channels and screens speak in: topic codes and districts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.errors import ValidationError
from himcrm.models import District, TopicCode
from himcrm.organisation import reference_cache


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
    reference = reference_cache.current(session)
    topic = reference.topics_by_code.get(code)
    if topic is None or not topic.is_active:
        raise ValidationError(_l("Bilinmeyen konu kodu."), field=field, code=code)
    if topic.id not in reference.leaf_ids:
        raise ValidationError(
            _l("Konu kodu bir grup; alt konulardan birini seçin."), field=field, code=code
        )
    return reference_cache.attach(session, topic)


def find_district(
    session: Session, raw_code: str | None, *, field: str = "district_code"
) -> District | None:
    """The district with this code; None for an empty code."""
    code = (raw_code or "").strip().upper()
    if not code:
        return None
    district = reference_cache.current(session).districts_by_code.get(code)
    if district is None:
        raise ValidationError(_l("Bilinmeyen ilçe."), field=field)
    return reference_cache.attach(session, district)
