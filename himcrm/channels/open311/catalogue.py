"""Services (public leaf topic codes) and their service definitions (attributes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, aliased, joinedload

from himcrm.channels.open311.render import CONTENT_TYPES, w3c_datetime
from himcrm.errors import NotFound, ValidationError
from himcrm.models import District, TicketType, TopicCode

# Attribute codes of every service definition (see the package docstring).
ATTR_TYPE = "request_type"
ATTR_DISTRICT = "district"
ATTR_NEIGHBOURHOOD = "neighbourhood"

TYPE_NAMES = {
    TicketType.REQUEST: _l("İstek"),
    TicketType.COMPLAINT: _l("Şikâyet"),
    TicketType.SUGGESTION: _l("Öneri"),
    TicketType.INFORMATION: _l("Bilgi edinme"),
    TicketType.THANKS: _l("Teşekkür"),
}


def topic_name(topic: TopicCode, locale: str) -> str:
    """The topic's name in ``locale`` (English when it has one, Turkish otherwise)."""
    if locale == "en" and topic.name_en:
        return topic.name_en
    return topic.name_tr


def _public_leaves() -> sa.Select[tuple[TopicCode]]:
    child = aliased(TopicCode)
    return (
        sa.select(TopicCode)
        .where(
            TopicCode.is_public.is_(True),
            TopicCode.is_active.is_(True),
            ~sa.exists().where(child.parent_id == TopicCode.id),
        )
        .options(joinedload(TopicCode.parent))
    )


def public_service(session: Session, code: str) -> TopicCode | None:
    """The public active leaf topic with this exact code, or None."""
    return session.scalar(_public_leaves().where(TopicCode.code == code))


def service_list(session: Session, *, locale: str) -> list[dict[str, Any]]:
    """GET services: every public active leaf topic, in code order (one query)."""
    topics = session.scalars(_public_leaves().order_by(TopicCode.code)).all()
    return [
        {
            "service_code": topic.code,
            "service_name": topic_name(topic, locale),
            "description": topic_name(topic, locale),
            "metadata": True,
            "type": "realtime",
            "keywords": ", ".join(topic.keywords.split()),
            "group": topic_name(topic.parent, locale) if topic.parent else "",
        }
        for topic in topics
    ]


@dataclass(frozen=True, slots=True)
class Attribute:
    code: str
    datatype: str
    required: bool
    description: str
    values: tuple[tuple[str, str], ...] = ()  # (key, name)


def attributes_for(session: Session, topic: TopicCode) -> list[Attribute]:
    """The attributes a request for ``topic`` takes; messages in the current locale."""
    districts = session.execute(sa.select(District.code, District.name).order_by(District.name))
    return [
        Attribute(
            ATTR_TYPE,
            "singlevaluelist",
            False,
            str(_l("Başvuru türü (verilmezse istek).")),
            tuple((t.value, str(name)) for t, name in TYPE_NAMES.items()),
        ),
        Attribute(
            ATTR_DISTRICT,
            "singlevaluelist",
            topic.requires_location,
            str(_l("Sorunun bulunduğu ilçe.")),
            tuple((code, name) for code, name in districts),
        ),
        Attribute(
            ATTR_NEIGHBOURHOOD,
            "string",
            False,
            str(_l("Mahalle adı.")),
        ),
    ]


def service_definition(session: Session, code: str, *, locale: str) -> dict[str, Any]:
    """GET services/{code}: the definition of one public service, or NotFound."""
    topic = public_service(session, code)
    if topic is None:
        raise NotFound(_l("Bilinmeyen hizmet kodu."), field="service_code")
    with force_locale(locale):
        attributes = attributes_for(session, topic)
    return {
        "service_code": topic.code,
        "attributes": [
            {
                "variable": True,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": None,
                "order": order,
                "description": attribute.description,
                "values": [{"key": key, "name": name} for key, name in attribute.values],
            }
            for order, attribute in enumerate(attributes, start=1)
        ],
    }


def check_attribute_codes(codes: set[str]) -> None:
    """Refuse attribute codes no service defines."""
    known = {ATTR_TYPE, ATTR_DISTRICT, ATTR_NEIGHBOURHOOD}
    for code in sorted(codes - known):
        raise ValidationError(_l("Bilinmeyen öznitelik."), field=f"attribute[{code}]")


SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def discovery(session: Session, *, endpoint_url: str, timezone: str) -> dict[str, Any]:
    """The service discovery document; ``changeset`` moves when a topic code changes."""
    changed = session.scalar(sa.select(sa.func.max(TopicCode.updated_at)))
    changeset = w3c_datetime(changed, timezone) or ""
    return {
        "changeset": changeset,
        "contact": str(_l("İzmir Büyükşehir Belediyesi Hemşehri İletişim Merkezi (HİM).")),
        "key_service": str(
            _l("API anahtarı için HİM yöneticilerine başvurun; anahtarı onlar oluşturur.")
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": endpoint_url,
                "changeset": changeset,
                "type": "production",
                "formats": [
                    CONTENT_TYPES["xml"].split(";")[0],
                    CONTENT_TYPES["json"].split(";")[0],
                ],
            }
        ],
    }
