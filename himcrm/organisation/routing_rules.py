"""Routing rules: send a topic (or a whole group) in one district, or anywhere, to a
department other than the topic's own."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from himcrm.errors import ValidationError
from himcrm.models import Department, District, RoutingRule, TopicCode
from himcrm.organisation import inputs
from himcrm.tickets.routing import resolve_department


@dataclass(frozen=True, slots=True)
class RuleInput:
    topic_code: str
    department_code: str
    district_code: str = ""  # empty: any district
    note: str = ""


@dataclass(frozen=True, slots=True)
class RouteTrial:
    """The answer of the "test routing" box."""

    topic: TopicCode
    district: District | None
    department: Department
    rules: list[RoutingRule]  # the active rules that competed


def list_rules(session: Session) -> list[RoutingRule]:
    stmt = sa.select(RoutingRule).options(
        selectinload(RoutingRule.topic_code),
        selectinload(RoutingRule.district),
        selectinload(RoutingRule.department),
    )
    rows = session.scalars(stmt).all()
    return sorted(
        rows,
        key=lambda r: (r.topic_code.code.split("."), r.district.name if r.district else ""),
    )


def create_rule(session: Session, data: RuleInput) -> RoutingRule:
    topic = inputs.by_code(
        session, TopicCode, data.topic_code, "topic_code", _l("Bilinmeyen konu kodu.")
    )
    if topic is None:
        raise ValidationError(_l("Konu kodu girin."), field="topic_code")
    district = inputs.by_code(
        session, District, data.district_code, "district", _l("Bilinmeyen ilçe.")
    )
    department = inputs.by_code(
        session, Department, data.department_code, "department", _l("Bilinmeyen birim.")
    )
    if department is None:
        raise ValidationError(_l("Birim seçin."), field="department")
    if not department.is_active:
        raise ValidationError(_l("Pasif bir birim seçilemez."), field="department")
    note = inputs.text(data.note, "note", max_len=500)
    clash = session.scalar(
        sa.select(RoutingRule.id).where(
            RoutingRule.topic_code_id == topic.id,
            RoutingRule.district_id == district.id
            if district is not None
            else RoutingRule.district_id.is_(None),
        )
    )
    if clash is not None:
        raise ValidationError(
            _l("Bu konu ve ilçe için zaten bir kural var; onu düzenleyin ya da silin."),
            field="district",
        )
    rule = RoutingRule(topic_code=topic, district=district, department=department, note=note)
    session.add(rule)
    session.flush()
    return rule


def set_rule_active(session: Session, rule: RoutingRule, active: bool) -> None:
    if active and not rule.department.is_active:
        raise ValidationError(_l("Kuralın birimi pasif."), field="department")
    rule.is_active = active
    session.flush()


def delete_rule(session: Session, rule: RoutingRule) -> None:
    session.delete(rule)
    session.flush()


def try_route(session: Session, topic_code: str, district_code: str = "") -> RouteTrial:
    """Which department a ticket on ``topic_code`` in ``district_code`` would go to."""
    topic = inputs.by_code(
        session, TopicCode, topic_code, "topic_code", _l("Bilinmeyen konu kodu.")
    )
    if topic is None:
        raise ValidationError(_l("Konu kodu girin."), field="topic_code")
    district = inputs.by_code(session, District, district_code, "district", _l("Bilinmeyen ilçe."))
    department = resolve_department(session, topic, district.id if district else None)
    chain = [t.id for t in topic.ancestors_and_self()]
    rules = [
        r
        for r in list_rules(session)
        if r.is_active
        and r.topic_code_id in chain
        and (r.district_id is None or (district is not None and r.district_id == district.id))
    ]
    return RouteTrial(topic, district, department, rules)
