"""Routing: the most specific rule wins; holding times come from the events."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from himcrm.errors import ValidationError
from himcrm.models import DepartmentKind, EventKind, Role
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor
from himcrm.tickets.routing import department_holding_times, resolve_department
from tests import factories as f


@pytest.fixture
def tree(session: Session) -> dict:
    park = f.department(session, "TPRK")
    konak = f.department(session, "TKONAK", kind=DepartmentKind.DISTRICT_MUNICIPALITY)
    bornova = f.department(session, "TBORNOVA", kind=DepartmentKind.DISTRICT_MUNICIPALITY)
    special = f.department(session, "TSPECIAL")
    group = f.topic(session, "TPR", park, first_response_hours=None, resolution_hours=None)
    sub = f.topic(session, "TPR.AGAC", None, first_response_hours=None, resolution_hours=None)
    leaf = f.topic(session, "TPR.AGAC.01", None)  # department inherited from the group
    other = f.topic(session, "TPR.OYUN", park)
    return dict(
        park=park,
        konak=konak,
        bornova=bornova,
        special=special,
        group=group,
        sub=sub,
        leaf=leaf,
        other=other,
    )


def district_id(session: Session, code: str) -> int:
    return f.district_of(session, code).id


def test_without_rules_the_topic_or_its_nearest_ancestor_decides(
    session: Session, tree: dict
) -> None:
    assert resolve_department(session, tree["leaf"], None).code == "TPRK"
    assert resolve_department(session, tree["other"], district_id(session, "KONAK")).code == "TPRK"


def test_a_district_rule_on_a_group_overrides_the_leaf_default(
    session: Session, tree: dict
) -> None:
    f.rule(session, tree["group"], "KONAK", tree["konak"])
    assert (
        resolve_department(session, tree["other"], district_id(session, "KONAK")).code == "TKONAK"
    )
    assert (
        resolve_department(session, tree["other"], district_id(session, "BORNOVA")).code == "TPRK"
    )
    assert resolve_department(session, tree["other"], None).code == "TPRK"


def test_among_district_rules_the_deeper_topic_wins(session: Session, tree: dict) -> None:
    f.rule(session, tree["group"], "KONAK", tree["konak"])
    f.rule(session, tree["sub"], "KONAK", tree["special"])
    assert (
        resolve_department(session, tree["leaf"], district_id(session, "KONAK")).code == "TSPECIAL"
    )
    assert (
        resolve_department(session, tree["other"], district_id(session, "KONAK")).code == "TKONAK"
    )


def test_a_district_rule_beats_a_deeper_any_district_rule(session: Session, tree: dict) -> None:
    f.rule(session, tree["leaf"], None, tree["special"])
    f.rule(session, tree["group"], "BORNOVA", tree["bornova"])
    assert (
        resolve_department(session, tree["leaf"], district_id(session, "BORNOVA")).code
        == "TBORNOVA"
    )
    assert (
        resolve_department(session, tree["leaf"], district_id(session, "KONAK")).code == "TSPECIAL"
    )


def test_inactive_rules_and_inactive_departments(session: Session, tree: dict) -> None:
    rule = f.rule(session, tree["group"], "KONAK", tree["konak"])
    rule.is_active = False
    assert resolve_department(session, tree["other"], district_id(session, "KONAK")).code == "TPRK"
    rule.is_active = True
    tree["konak"].is_active = False
    with pytest.raises(ValidationError) as excinfo:
        resolve_department(session, tree["other"], district_id(session, "KONAK"))
    assert excinfo.value.field == "topic_code"


def test_a_topic_nobody_owns_is_a_clear_error(session: Session) -> None:
    orphan = f.topic(session, "TORPHAN", None)
    with pytest.raises(ValidationError) as excinfo:
        resolve_department(session, orphan, None)
    assert excinfo.value.field == "topic_code"


def test_intake_routes_through_the_rules(session: Session, tree: dict, now: datetime) -> None:
    f.rule(session, tree["group"], "KONAK", tree["konak"])
    ticket = f.ticket(session, topic_code="TPR.OYUN", now=now, district="KONAK")
    assert ticket.department_id == tree["konak"].id


def test_transfer_and_the_time_each_department_held_the_ticket(
    session: Session, tree: dict, now: datetime
) -> None:
    ticket = f.ticket(session, topic_code="TPR.OYUN", now=now, district="BORNOVA")
    staff = f.staff(session, Role.DEPT_STAFF, tree["park"])
    lifecycle.start(ticket, Actor(staff), now=now + timedelta(hours=1))
    lifecycle.transfer(
        ticket,
        tree["bornova"],
        Actor(staff),
        reason="İlçe belediyesinin görevi",
        now=now + timedelta(hours=3),
    )
    lifecycle.transfer(
        ticket,
        tree["park"],
        Actor(label="system"),
        reason="Geri gönderildi",
        now=now + timedelta(hours=8),
    )
    assert ticket.status.value == "routed"
    transfers = [e for e in ticket.events if e.kind == EventKind.TRANSFERRED]
    assert [e.data for e in transfers] == [
        {"from": "TPRK", "to": "TBORNOVA"},
        {"from": "TBORNOVA", "to": "TPRK"},
    ]
    assert transfers[0].reason == "İlçe belediyesinin görevi"
    held = department_holding_times(ticket.events, until=now + timedelta(hours=10))
    assert held == {tree["park"].id: timedelta(hours=3 + 2), tree["bornova"].id: timedelta(hours=5)}
    with pytest.raises(ValidationError):
        lifecycle.transfer(ticket, tree["park"], Actor(staff), reason="aynı birim")
