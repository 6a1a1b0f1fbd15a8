"""Load the reference data (and optionally demo data) into the database.

Idempotent: rows are matched by code and updated, so ``flask seed`` can run on
every deploy. Admin edits to SLA figures are overwritten only with ``--force``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.models import (
    BusinessCalendar,
    Department,
    DepartmentKind,
    District,
    Priority,
    Role,
    RoutingRule,
    TopicCode,
    User,
)
from himcrm.organisation.reference_cache import DEFAULT_CALENDAR_CODE
from himcrm.seed import data
from himcrm.sla.due import SlaUnit

WORKWEEK = {str(day): [["08:30", "17:30"]] for day in range(5)}
CALENDARS: dict[str, dict[str, Any]] = {
    DEFAULT_CALENDAR_CODE: {
        "name": "Mesai (Pzt–Cum 08:30–17:30)",
        "weekly_hours": WORKWEEK,
        "always_open": False,
        "public_holidays": True,
    },
    "24x7": {
        "name": "7/24 nöbetçi birim",
        "weekly_hours": {},
        "always_open": True,
        "public_holidays": False,
    },
}


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[kind] = target.get(kind, 0) + 1

    def summary(self) -> str:
        kinds = sorted(set(self.created) | set(self.updated))
        return ", ".join(f"{k}: +{self.created.get(k, 0)} ~{self.updated.get(k, 0)}" for k in kinds)


def _upsert(
    session: Session, model: Any, key: str, value: str, report: SeedReport, kind: str
) -> Any:
    row = session.scalar(sa.select(model).where(getattr(model, key) == value))
    created = row is None
    if created:
        row = model(**{key: value})
        session.add(row)
    report.count(kind, created)
    return row


def seed_reference(session: Session, *, force: bool = False) -> SeedReport:
    """Districts, calendars, departments, topic codes and routing rules."""
    report = SeedReport()
    districts = {}
    for d in data.DISTRICTS:
        row = _upsert(session, District, "code", d.code, report, "districts")
        row.name = d.name
        districts[d.code] = row

    calendars = {}
    for code, spec in CALENDARS.items():
        row = _upsert(session, BusinessCalendar, "code", code, report, "calendars")
        for attr, value in spec.items():
            setattr(row, attr, value)
        calendars[code] = row
    session.flush()

    departments: dict[str, Department] = {}
    for dept in data.DEPARTMENTS:
        row = _upsert(session, Department, "code", dept.code, report, "departments")
        row.name = dept.name
        row.kind = DepartmentKind(dept.kind)
        row.email = dept.email
        row.calendar = calendars[dept.calendar] if dept.calendar != DEFAULT_CALENDAR_CODE else None
        row.district = districts[dept.district] if dept.district else None
        departments[dept.code] = row
    for dept in data.DEPARTMENTS:
        departments[dept.code].parent = departments[dept.parent] if dept.parent else None
    session.flush()

    topics: dict[str, TopicCode] = {}
    for topic in sorted(data.TOPICS, key=lambda t: t.code.count(".")):
        row = session.scalar(sa.select(TopicCode).where(TopicCode.code == topic.code))
        created = row is None
        if row is None:
            row = TopicCode(code=topic.code)
            session.add(row)
        report.count("topics", created)
        row.name_tr, row.name_en, row.keywords = topic.name_tr, topic.name_en, topic.keywords
        parent_code = topic.code.rpartition(".")[0]
        row.parent = topics[parent_code] if parent_code else None
        row.is_public = topic.is_public
        row.requires_location = topic.requires_location
        if created or force:
            row.department = departments[topic.department] if topic.department else None
            row.first_response_minutes = _minutes(topic.first_response_hours)
            row.resolution_minutes = _minutes(topic.resolution_hours)
            row.sla_unit = SlaUnit(topic.unit)
            row.priority = Priority(topic.priority)
            row.needs_approval = topic.needs_approval
        topics[topic.code] = row
    session.flush()

    for rule in data.ROUTING_RULES:
        topic_row, district_row = topics[rule.topic], districts[rule.district]
        existing = session.scalar(
            sa.select(RoutingRule).where(
                RoutingRule.topic_code_id == topic_row.id,
                RoutingRule.district_id == district_row.id,
            )
        )
        report.count("routing_rules", existing is None)
        if existing is None:
            existing = RoutingRule(topic_code=topic_row, district=district_row)
            session.add(existing)
        if existing.department_id is None or force:
            existing.department = departments[rule.department]
        existing.note = rule.note
    session.flush()
    return report


def _minutes(hours: float | None) -> int | None:
    return None if hours is None else round(hours * 60)


def seed_demo_users(session: Session, *, password: str) -> SeedReport:
    """One account per role (see the README for the names); the password is shared."""
    report = SeedReport()
    for seed in data.DEMO_USERS:
        user = session.scalar(sa.select(User).where(User.username == seed.username))
        report.count("users", user is None)
        if user is None:
            user = User(username=seed.username)
            user.set_password(password)
            # Only on creation: call takers move desks (/calls/extension) and keep it.
            user.phone_extension = seed.phone_extension
            session.add(user)
        user.full_name, user.email, user.phone = seed.full_name, seed.email, seed.phone
        user.role = Role(seed.role)
        user.is_department_head = seed.is_department_head
        user.department_id = (
            session.scalar(sa.select(Department.id).where(Department.code == seed.department))
            if seed.department
            else None
        )
    session.flush()
    return report
