"""Topic codes (konu kodu): the tree, each leaf's department and SLA.

A node is a *group* when it has children or carries no SLA; groups only organise
the tree (a group's department, if set, is the fallback owner of the leaves below
it). A leaf carries its department, first-response and resolution times. Leaves
that already have tickets keep their identity: they can be deactivated, but not
turned into a group or deleted, so reports and timelines stay readable.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.errors import ValidationError, parse_choice
from himcrm.models import Department, Priority, ReplyTemplate, RoutingRule, Ticket, TopicCode
from himcrm.organisation import inputs
from himcrm.seed.data import LEGAL_CEILING_BUSINESS_HOURS, LEGAL_CEILING_CALENDAR_HOURS
from himcrm.sla.due import SlaUnit
from himcrm.text import search_key, tr_lower

#: Law 3071 (Dilekçe Hakkı): 30 days, as business or as wall-clock hours.
LEGAL_CEILING_HOURS = {
    SlaUnit.BUSINESS: LEGAL_CEILING_BUSINESS_HOURS,
    SlaUnit.CALENDAR: LEGAL_CEILING_CALENDAR_HOURS,
}


@dataclass(frozen=True, slots=True)
class TopicInput:
    """A topic node as entered on the admin form; hours as typed ("4,5")."""

    code: str
    name_tr: str
    name_en: str = ""
    parent_code: str = ""
    is_group: bool = False
    department_code: str = ""
    first_response_hours: str | float | None = None
    resolution_hours: str | float | None = None
    sla_unit: str = SlaUnit.BUSINESS.value
    priority: str = Priority.NORMAL.value
    needs_approval: bool = True
    requires_location: bool = False
    is_public: bool = True
    keywords: str = ""
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class TopicRow:
    """One line of the admin tree."""

    topic: TopicCode
    depth: int
    is_group: bool
    tickets: int


def is_group(topic: TopicCode) -> bool:
    return bool(topic.children) or (
        topic.first_response_minutes is None and topic.resolution_minutes is None
    )


def ticket_count(session: Session, topic: TopicCode) -> int:
    return (
        session.scalar(sa.select(sa.func.count(Ticket.id)).where(Ticket.topic_code_id == topic.id))
        or 0
    )


def topic_tree(session: Session, query: str = "") -> list[TopicRow]:
    """The tree in code order; a filter keeps the matches and their ancestors."""
    topics = session.scalars(sa.select(TopicCode)).all()
    counts = dict(
        session.execute(
            sa.select(Ticket.topic_code_id, sa.func.count(Ticket.id))
            .where(Ticket.topic_code_id.is_not(None))
            .group_by(Ticket.topic_code_id)
        )
        .tuples()
        .all()
    )
    parents_with_children = {t.parent_id for t in topics if t.parent_id is not None}
    by_code = {t.code: t for t in topics}
    wanted = search_key(query.strip())
    keep: set[str] | None = None
    if wanted:
        keep = set()
        for t in topics:
            haystack = search_key(f"{t.code} {t.name_tr} {t.name_en} {t.keywords}")
            if wanted in haystack:
                parts = t.code.split(".")
                keep.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    rows = []
    for code in sorted(by_code, key=lambda c: c.split(".")):
        if keep is not None and code not in keep:
            continue
        t = by_code[code]
        group = t.id in parents_with_children or (
            t.first_response_minutes is None and t.resolution_minutes is None
        )
        rows.append(TopicRow(t, t.depth - 1, group, counts.get(t.id, 0)))
    return rows


def _minutes(hours: float | None) -> int | None:
    return None if hours is None else round(hours * 60)


def _check_code_and_parent(
    session: Session, data: TopicInput, existing: TopicCode | None
) -> tuple[str, TopicCode | None]:
    code = inputs.code(data.code)
    clash = session.scalar(sa.select(TopicCode).where(TopicCode.code == code))
    if clash is not None and clash is not existing:
        raise ValidationError(_l("Bu kodla bir konu zaten var."), field="code")
    parent = inputs.by_code(
        session, TopicCode, data.parent_code, "parent", _l("Bilinmeyen üst konu.")
    )
    if parent is None and "." in code:
        raise ValidationError(
            _l("Noktalı bir kod için üst konu seçilmeli (ör. FEN.YOL için FEN)."), field="parent"
        )
    if parent is not None and code.rpartition(".")[0] != parent.code:
        raise ValidationError(
            _l("Kod, üst konunun koduyla başlamalı: %(prefix)s.…", prefix=parent.code),
            field="code",
        )
    if parent is not None and existing is not None and parent is existing:
        raise ValidationError(_l("Bir konu kendi altına taşınamaz."), field="parent")
    if parent is not None and not is_group(parent):
        raise ValidationError(
            _l("Üst konu bir yaprak (SLA süreleri var); önce onu gruba çevirin."),
            field="parent",
        )
    if (
        existing is not None
        and existing.children
        and (code != existing.code or parent is not existing.parent)
    ):
        raise ValidationError(
            _l("Alt konuları olan bir konunun kodu ve üst konusu değiştirilemez."), field="code"
        )
    return code, parent


def _check_sla(
    data: TopicInput, unit: SlaUnit, department: Department | None
) -> tuple[float | None, float | None]:
    first = inputs.hours(data.first_response_hours, "first_response_hours")
    resolution = inputs.hours(data.resolution_hours, "resolution_hours")
    if data.is_group:
        if first is not None or resolution is not None:
            raise ValidationError(
                _l("Grup konularında SLA süresi olmaz; süreleri boş bırakın."),
                field="first_response_hours" if first is not None else "resolution_hours",
            )
        return None, None
    if department is None:
        raise ValidationError(_l("Yaprak konu için sorumlu birim seçilmeli."), field="department")
    if first is None:
        raise ValidationError(_l("İlk yanıt süresi gerekli."), field="first_response_hours")
    if resolution is None:
        raise ValidationError(_l("Çözüm süresi gerekli."), field="resolution_hours")
    ceiling = LEGAL_CEILING_HOURS[unit]
    if resolution > ceiling:
        message = (
            _l("Çözüm süresi yasal üst sınırı (30 gün = %(n)s iş saati) aşamaz.", n=int(ceiling))
            if unit is SlaUnit.BUSINESS
            else _l("Çözüm süresi yasal üst sınırı (30 gün = %(n)s saat) aşamaz.", n=int(ceiling))
        )
        raise ValidationError(message, field="resolution_hours")
    if first > resolution:
        raise ValidationError(
            _l("İlk yanıt süresi çözüm süresinden uzun olamaz."), field="first_response_hours"
        )
    return first, resolution


def _save(session: Session, data: TopicInput, existing: TopicCode | None) -> TopicCode:
    code, parent = _check_code_and_parent(session, data, existing)
    name_tr = inputs.text(data.name_tr, "name_tr", max_len=200, required=_l("Türkçe ad gerekli."))
    name_en = inputs.text(data.name_en, "name_en", max_len=200)
    department = inputs.by_code(
        session, Department, data.department_code, "department", _l("Bilinmeyen birim.")
    )
    if department is not None and not department.is_active:
        raise ValidationError(_l("Pasif bir birim seçilemez."), field="department")
    unit = parse_choice(SlaUnit, data.sla_unit, field="sla_unit", message=_l("SLA birimi seçin."))
    priority = parse_choice(Priority, data.priority, field="priority", message=_l("Öncelik seçin."))
    first, resolution = _check_sla(data, unit, department)
    if existing is not None:
        if data.is_group and not is_group(existing) and ticket_count(session, existing):
            raise ValidationError(
                _l("Bu konuda başvurular var; gruba çevrilemez. Pasifleştirin."),
                field="is_group",
            )
        if not data.is_group and existing.children:
            raise ValidationError(
                _l("Alt konuları olan bir konu yaprak yapılamaz."), field="is_group"
            )
    keywords = " ".join(tr_lower(data.keywords or "").split())
    topic = existing or TopicCode(code=code, name_tr=name_tr)
    topic.code, topic.parent, topic.department = code, parent, department
    topic.name_tr, topic.name_en, topic.keywords = name_tr, name_en, keywords
    topic.first_response_minutes = _minutes(first)
    topic.resolution_minutes = _minutes(resolution)
    topic.sla_unit, topic.priority = unit, priority
    topic.needs_approval = data.needs_approval
    topic.requires_location = data.requires_location
    topic.is_public = data.is_public
    topic.is_active = data.is_active
    session.add(topic)
    session.flush()
    return topic


def create_topic(session: Session, data: TopicInput) -> TopicCode:
    return _save(session, data, None)


def update_topic(session: Session, topic: TopicCode, data: TopicInput) -> TopicCode:
    """Edit a node. SLA changes apply to tickets routed from now on."""
    return _save(session, data, topic)


def delete_topic(session: Session, topic: TopicCode) -> None:
    """Remove a node that nothing refers to; otherwise the admin deactivates it."""
    if topic.children:
        raise ValidationError(_l("Alt konuları olan bir konu silinemez."), field="delete")
    if ticket_count(session, topic):
        raise ValidationError(
            _l("Bu konuda başvurular var; silinemez. Pasifleştirin."), field="delete"
        )
    template = session.scalar(
        sa.select(ReplyTemplate.id).where(ReplyTemplate.topic_code_id == topic.id)
    )
    if template is not None:
        raise ValidationError(
            _l("Bu konuya bağlı yanıt şablonları var; silinemez. Pasifleştirin."), field="delete"
        )
    rules = session.scalars(sa.select(RoutingRule).where(RoutingRule.topic_code_id == topic.id))
    for rule in rules.all():
        session.delete(rule)
    session.delete(topic)
    session.flush()
