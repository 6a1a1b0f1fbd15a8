"""Triage service: topic + district → department through the routing rules, overrides,
merging duplicates and forwarding out-of-scope matters; refused input writes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from himcrm.errors import IllegalTransition, ValidationError
from himcrm.models import EventKind, Role, TicketStatus
from himcrm.tickets import lifecycle, triage
from himcrm.tickets.lifecycle import Actor
from tests import factories as f
from tests.conftest import topic, user


@pytest.fixture
def backoffice(session: Session) -> Actor:
    return Actor(user(session, Role.BACK_OFFICE))


def web_ticket(session: Session, now: datetime, district: str | None = "KONAK"):  # type: ignore[no-untyped-def]
    return f.ticket(session, topic_code=None, now=now, channel="web", district=district)


def test_a_seed_rule_sends_household_waste_to_the_district_municipality(
    session: Session, now: datetime, backoffice: Actor
) -> None:
    ticket = web_ticket(session, now)
    assert ticket.status is TicketStatus.NEW and ticket.topic_code is None

    plan = triage.triage_ticket(session, ticket, "atik.cop.01", backoffice, now=now)

    assert plan.target.code == "ILCE.KONAK" and not plan.overridden
    assert ticket.status is TicketStatus.ROUTED
    assert ticket.topic_code is not None and ticket.topic_code.code == "ATIK.COP.01"
    assert ticket.department is not None and ticket.department.code == "ILCE.KONAK"
    assert ticket.resolution_due_at is not None  # the SLA clock started
    routed = ticket.events[-1]
    assert routed.kind is EventKind.ROUTED and routed.actor_id == backoffice.user.id  # type: ignore[union-attr]


def test_the_same_topic_elsewhere_or_without_a_rule_goes_to_the_topic_owner(
    session: Session, now: datetime, backoffice: Actor
) -> None:
    ticket = web_ticket(session, now, district=None)
    plan = triage.triage_ticket(session, ticket, "SU.ABONE.01 Abonelik", backoffice, now=now)
    assert plan.target.code == topic(session, "SU.ABONE.01").department.code  # type: ignore[union-attr]


def test_a_district_given_at_triage_is_stored_and_used_for_routing(
    session: Session, now: datetime, backoffice: Actor
) -> None:
    ticket = web_ticket(session, now, district=None)
    with pytest.raises(ValidationError) as excinfo:
        triage.triage_ticket(session, ticket, "ATIK.COP.01", backoffice, now=now)
    assert excinfo.value.field == "district_code"
    assert ticket.status is TicketStatus.NEW and ticket.topic_code_id is None

    plan = triage.triage_ticket(
        session, ticket, "ATIK.COP.01", backoffice, district_code="bornova", now=now
    )
    assert plan.target.code == "ILCE.BORNOVA"
    assert ticket.district is not None and ticket.district.code == "BORNOVA"


@pytest.mark.parametrize(
    ("code", "field"),
    [("", "topic_code"), ("YOK.BOYLE.01", "topic_code"), ("ATIK.COP", "topic_code")],
)
def test_unknown_empty_or_group_topics_are_refused(
    session: Session, now: datetime, backoffice: Actor, code: str, field: str
) -> None:
    ticket = web_ticket(session, now)
    events = len(ticket.events)
    with pytest.raises(ValidationError) as excinfo:
        triage.triage_ticket(session, ticket, code, backoffice, now=now)
    assert excinfo.value.field == field
    assert ticket.status is TicketStatus.NEW and len(ticket.events) == events


def test_an_inactive_topic_is_refused(session: Session, now: datetime, backoffice: Actor) -> None:
    leaf = topic(session, "FEN.YOL.01")
    leaf.is_active = False
    session.flush()
    with pytest.raises(ValidationError):
        triage.triage_ticket(session, web_ticket(session, now), "FEN.YOL.01", backoffice)


def test_a_manual_override_needs_a_reason_and_leaves_a_note(
    session: Session, now: datetime, backoffice: Actor
) -> None:
    ticket = web_ticket(session, now)
    with pytest.raises(ValidationError) as excinfo:
        triage.triage_ticket(
            session, ticket, "ATIK.COP.01", backoffice, department_code="ATIK.TEMIZLIK", now=now
        )
    assert excinfo.value.field == "override_reason"
    assert ticket.status is TicketStatus.NEW and ticket.department_id is None

    with pytest.raises(ValidationError) as excinfo:
        triage.triage_ticket(
            session, ticket, "ATIK.COP.01", backoffice, department_code="NOPE", override_reason="x"
        )
    assert excinfo.value.field == "department"

    plan = triage.triage_ticket(
        session,
        ticket,
        "ATIK.COP.01",
        backoffice,
        department_code="ATIK.TEMIZLIK",
        override_reason="Ana arter üzerinde; Büyükşehir ekipleri topluyor.",
        now=now,
    )
    assert plan.overridden and plan.resolved.code == "ILCE.KONAK"
    assert ticket.department is not None and ticket.department.code == "ATIK.TEMIZLIK"
    routed, note = ticket.events[-2:]
    assert routed.kind is EventKind.ROUTED
    assert note.kind is EventKind.NOTE and "Ana arter" in note.reason
    assert note.data == {"route_override": {"resolved": "ILCE.KONAK", "chosen": "ATIK.TEMIZLIK"}}


def test_choosing_the_resolved_department_is_not_an_override(
    session: Session, now: datetime, backoffice: Actor
) -> None:
    ticket = web_ticket(session, now)
    plan = triage.triage_ticket(
        session, ticket, "ATIK.COP.01", backoffice, department_code="ILCE.KONAK", now=now
    )
    assert not plan.overridden and ticket.events[-1].kind is EventKind.ROUTED


def test_plan_route_writes_nothing(session: Session, now: datetime) -> None:
    ticket = web_ticket(session, now)
    version = ticket.version
    plan = triage.plan_route(session, ticket, "ATIK.COP.01")
    session.flush()
    assert plan.resolved.code == "ILCE.KONAK"
    assert ticket.status is TicketStatus.NEW and ticket.topic_code_id is None
    assert ticket.version == version


def test_a_merged_ticket_cannot_be_routed(
    session: Session, now: datetime, backoffice: Actor
) -> None:
    original = web_ticket(session, now)
    duplicate = web_ticket(session, now)
    triage.merge_duplicate(session, duplicate, original.number, backoffice, now=now)
    with pytest.raises(IllegalTransition):
        triage.triage_ticket(session, duplicate, "ATIK.COP.01", backoffice)


def test_merge_keeps_the_duplicate_with_its_history_and_a_pointer(
    session: Session, now: datetime, backoffice: Actor
) -> None:
    original = web_ticket(session, now)
    duplicate = web_ticket(session, now + timedelta(minutes=5))

    result = triage.merge_duplicate(session, duplicate, f" {original.number} ", backoffice, now=now)

    assert result is original
    assert duplicate.status is TicketStatus.MERGED and duplicate.merged_into_id == original.id
    assert [e.kind for e in duplicate.events] == [EventKind.CREATED, EventKind.MERGED]
    assert duplicate.events[-1].data == {"into": original.number}
    assert original.events[-1].data == {"merged_from": duplicate.number}
    assert original.status is TicketStatus.NEW


@pytest.mark.parametrize("number", ["", "2099-999999", "self"])
def test_merge_refuses_missing_or_self_originals(
    session: Session, now: datetime, backoffice: Actor, number: str
) -> None:
    ticket = web_ticket(session, now)
    with pytest.raises(ValidationError) as excinfo:
        triage.merge_duplicate(
            session, ticket, ticket.number if number == "self" else number, backoffice
        )
    assert excinfo.value.field == "merged_into"
    assert ticket.status is TicketStatus.NEW and ticket.merged_into_id is None


def test_merge_looks_the_original_up_within_what_the_actor_may_see(
    session: Session, now: datetime
) -> None:
    park_staff = Actor(user(session, Role.DEPT_STAFF, "PARK.BAKIM"))
    elsewhere = f.ticket(session, topic_code="FEN.YOL.01", now=now)
    mine = f.ticket(session, topic_code="PARK.BAKIM.01", now=now)
    with pytest.raises(ValidationError) as excinfo:
        triage.merge_duplicate(session, mine, elsewhere.number, park_staff)
    assert excinfo.value.field == "merged_into"


def test_out_of_scope_names_the_institution_and_needs_a_reason(
    session: Session, now: datetime, backoffice: Actor
) -> None:
    ticket = web_ticket(session, now)
    with pytest.raises(ValidationError) as excinfo:
        triage.forward_out_of_scope(ticket, backoffice, reason="  ", institution="Karayolları")
    assert excinfo.value.field == "reason" and ticket.status is TicketStatus.NEW

    event = triage.forward_out_of_scope(
        ticket,
        backoffice,
        reason="Devlet yolu; bakım Karayolları'nda.",
        institution="Karayolları 2. Bölge Müdürlüğü",
        now=now,
    )
    assert ticket.status is TicketStatus.OUT_OF_SCOPE and event.kind is EventKind.OUT_OF_SCOPE
    assert event.reason == "Karayolları 2. Bölge Müdürlüğü: Devlet yolu; bakım Karayolları'nda."


def test_the_queue_holds_new_tickets_oldest_first_and_marks_reopened_ones(
    session: Session, now: datetime, backoffice: Actor
) -> None:
    supervisor = Actor(user(session, Role.SUPERVISOR))
    later = web_ticket(session, now)
    earlier = web_ticket(session, now - timedelta(days=2))
    routed = f.ticket(session, topic_code="FEN.YOL.01", now=now - timedelta(days=3))
    reopened = f.ticket(session, topic_code="FEN.YOL.01", now=now - timedelta(days=1))
    lifecycle.answer(reopened, supervisor, now=now)
    lifecycle.reopen(reopened, supervisor, reason="Çukur hâlâ orada.", now=now)

    queue, total = triage.triage_queue(session, backoffice.user)  # type: ignore[arg-type]

    numbers = [t.number for t in queue]
    assert routed.number not in numbers
    mine = [n for n in numbers if n in {later.number, earlier.number, reopened.number}]
    assert mine == [earlier.number, reopened.number, later.number]
    assert total >= 3
    assert triage.reopened_ids(session, [t.id for t in queue]) & {
        later.id,
        earlier.id,
        reopened.id,
    } == {reopened.id}
