"""The state machine: every transition writes an event; illegal ones change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from himcrm.errors import ConcurrentUpdate, IllegalTransition, PermissionDenied, ValidationError
from himcrm.extensions import db
from himcrm.models import EventKind, Role, Ticket, TicketEvent, TicketStatus
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import TRANSITIONS, Actor
from tests import factories as f

S = TicketStatus


@pytest.fixture
def setup(session: Session) -> dict:
    fen = f.department(session, "TFEN")
    park = f.department(session, "TPARK")
    f.topic(session, "TST", None, first_response_hours=None, resolution_hours=None)
    f.topic(session, "TST.YOL", fen, needs_approval=True)
    f.topic(
        session, "TST.BILGI", fen, needs_approval=False, first_response_hours=2, resolution_hours=9
    )
    return {
        "fen": fen,
        "park": park,
        "staff": f.staff(session, Role.DEPT_STAFF, fen),
        "manager": f.staff(session, Role.DEPT_MANAGER, fen),
        "operator": f.staff(session, Role.OPERATOR, None),
    }


def kinds(ticket: Ticket) -> list[EventKind]:
    return [e.kind for e in ticket.events]


def test_happy_path_with_manager_approval(session: Session, setup: dict, now: datetime) -> None:
    ticket = f.ticket(session, topic_code="TST.YOL", now=now, actor=setup["operator"])
    assert ticket.status == S.ROUTED and ticket.department_id == setup["fen"].id
    staff, manager = Actor(setup["staff"]), Actor(setup["manager"])

    lifecycle.start(ticket, staff, now=now + timedelta(hours=1))
    lifecycle.submit_for_approval(ticket, staff, now=now + timedelta(hours=2))
    lifecycle.approve(ticket, manager, now=now + timedelta(hours=3))
    lifecycle.close(ticket, Actor.system(), now=now + timedelta(days=2))

    session.expire_all()
    assert ticket.status == S.CLOSED
    assert ticket.first_responded_at == now + timedelta(hours=1)
    assert ticket.answered_at == now + timedelta(hours=3)
    assert kinds(ticket) == [
        EventKind.CREATED,
        EventKind.ROUTED,
        EventKind.STATUS_CHANGED,
        EventKind.STATUS_CHANGED,
        EventKind.APPROVED,
        EventKind.CLOSED,
    ]
    pairs = [(e.from_status, e.to_status) for e in ticket.events]
    assert pairs == [
        (None, S.NEW),
        (S.NEW, S.ROUTED),
        (S.ROUTED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.PENDING_APPROVAL),
        (S.PENDING_APPROVAL, S.ANSWERED),
        (S.ANSWERED, S.CLOSED),
    ]
    assert ticket.events[0].actor_id == setup["operator"].id
    assert ticket.events[4].actor_id == setup["manager"].id
    assert ticket.events[5].actor_label == "system"
    assert [e.created_at for e in ticket.events] == sorted(e.created_at for e in ticket.events)


def _call(action: str, ticket: Ticket, setup: dict, original: Ticket) -> None:
    manager = Actor(setup["manager"])
    calls = {
        "route": lambda: lifecycle.route(ticket, setup["fen"], manager),
        "transfer": lambda: lifecycle.transfer(
            ticket, setup["park"], manager, reason="Yanlış birim"
        ),
        "start": lambda: lifecycle.start(ticket, manager),
        "hold": lambda: lifecycle.hold(ticket, manager, reason="Vatandaş aranacak"),
        "resume": lambda: lifecycle.resume(ticket, manager),
        "submit_for_approval": lambda: lifecycle.submit_for_approval(ticket, manager),
        "approve": lambda: lifecycle.approve(ticket, manager),
        "return": lambda: lifecycle.return_reply(ticket, manager, reason="Eksik"),
        "answer": lambda: lifecycle.answer(ticket, manager),
        "close": lambda: lifecycle.close(ticket, manager),
        "reopen": lambda: lifecycle.reopen(ticket, manager, reason="Sorun sürüyor"),
        "merge": lambda: lifecycle.merge(ticket, original, manager),
        "out_of_scope": lambda: lifecycle.mark_out_of_scope(ticket, manager, reason="Karayolları"),
    }
    assert set(calls) == set(TRANSITIONS), "every action of the machine is exercised"
    calls[action]()


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_action_in_every_state(
    session: Session, setup: dict, now: datetime, status: S, action: str
) -> None:
    """The table is the truth: allowed pairs move to the target; others raise and change nothing."""
    original = f.ticket(session, topic_code="TST.YOL", now=now, phone="+905321112244")
    ticket = f.ticket(session, topic_code="TST.YOL", now=now)
    # Put the ticket in the state under test without the machine (the fixture's shortcut).
    ticket.status = status
    if status == S.ON_HOLD:
        ticket.sla_paused_at = now
    session.flush()
    before = len(ticket.events)
    spec = TRANSITIONS[action]
    if status in spec.sources:
        _call(action, ticket, setup, original)
        assert ticket.status == spec.target
        assert len(ticket.events) >= before + 1
        last = next(e for e in reversed(ticket.events) if e.kind == spec.event)
        assert (last.from_status, last.to_status) == (status, spec.target)
    else:
        with pytest.raises(IllegalTransition) as excinfo:
            _call(action, ticket, setup, original)
        assert excinfo.value.field == "status"
        session.expire(ticket)
        assert ticket.status == status
        assert len(ticket.events) == before
        assert ticket.department_id == setup["fen"].id


def test_reasons_are_required(session: Session, setup: dict, now: datetime) -> None:
    ticket = f.ticket(session, topic_code="TST.YOL", now=now)
    for action in (
        lambda: lifecycle.hold(ticket, Actor(setup["staff"]), reason="  "),
        lambda: lifecycle.transfer(ticket, setup["park"], Actor(setup["staff"]), reason=""),
        lambda: lifecycle.mark_out_of_scope(ticket, Actor(setup["staff"]), reason=""),
    ):
        with pytest.raises(ValidationError) as excinfo:
            action()
        assert excinfo.value.field == "reason"
    assert ticket.status == S.ROUTED and ticket.department_id == setup["fen"].id


def test_only_managers_approve_and_return(session: Session, setup: dict, now: datetime) -> None:
    ticket = f.ticket(session, topic_code="TST.YOL", now=now)
    lifecycle.start(ticket, Actor(setup["staff"]))
    lifecycle.submit_for_approval(ticket, Actor(setup["staff"]))
    with pytest.raises(PermissionDenied):
        lifecycle.approve(ticket, Actor(setup["staff"]))
    with pytest.raises(PermissionDenied):
        lifecycle.return_reply(ticket, Actor(setup["staff"]), reason="x")
    lifecycle.return_reply(ticket, Actor(setup["manager"]), reason="Yanıt eksik, ölçüleri ekleyin.")
    assert ticket.status == S.IN_PROGRESS
    assert ticket.events[-1].kind == EventKind.RETURNED
    assert ticket.events[-1].reason == "Yanıt eksik, ölçüleri ekleyin."


def test_staff_cannot_skip_approval_but_can_answer_information(
    session: Session, setup: dict, now: datetime
) -> None:
    needs = f.ticket(session, topic_code="TST.YOL", now=now)
    lifecycle.start(needs, Actor(setup["staff"]))
    with pytest.raises(IllegalTransition):
        lifecycle.answer(needs, Actor(setup["staff"]))
    info = f.ticket(session, topic_code="TST.BILGI", now=now, phone="+905321119999")
    lifecycle.answer(info, Actor(setup["staff"]), now=now + timedelta(minutes=5))
    assert info.status == S.ANSWERED and info.answered_at == now + timedelta(minutes=5)


def test_hold_pauses_and_resume_extends_the_due_time(
    session: Session, setup: dict, now: datetime
) -> None:
    ticket = f.ticket(session, topic_code="TST.YOL", now=now)  # Tue 10:00, 45 business hours
    due = ticket.resolution_due_at
    assert due is not None and due > now
    lifecycle.start(ticket, Actor(setup["staff"]), now=now)
    held = now + timedelta(hours=1)  # Tue 11:00
    lifecycle.hold(
        ticket, Actor(setup["staff"]), reason="Vatandaştan fotoğraf bekleniyor", now=held
    )
    assert ticket.sla_paused_at == held
    lifecycle.resume(ticket, Actor(setup["staff"]), now=held + timedelta(days=1))  # Wed 11:00
    assert ticket.sla_paused_at is None
    # One full working day (9 h) was spent on hold, so the due time moves by one working day.
    assert ticket.resolution_due_at is not None and ticket.resolution_due_at > due
    assert [e.kind for e in ticket.events][-2:] == [EventKind.ON_HOLD, EventKind.RESUMED]
    assert ticket.paused_business_minutes == 9 * 60  # Tue 11:00 → Wed 11:00 is one working day
    assert ticket.first_response_business_minutes == 0  # started at once
    lifecycle.submit_for_approval(
        ticket, Actor(setup["staff"]), now=held + timedelta(days=1, hours=1)
    )
    lifecycle.approve(ticket, Actor(setup["manager"]), now=held + timedelta(days=1, hours=2))
    # Tue 10:00 → Wed 13:00 is 12 working hours, 9 of them on hold.
    assert ticket.resolution_business_minutes == 3 * 60


def test_reopen_returns_to_triage_with_a_fresh_sla(
    session: Session, setup: dict, now: datetime
) -> None:
    ticket = f.ticket(session, topic_code="TST.BILGI", now=now)
    lifecycle.answer(ticket, Actor(setup["staff"]), now=now)
    later = now + timedelta(days=7)
    lifecycle.reopen(ticket, Actor(label="citizen"), reason="Sorun çözülmedi", now=later)
    assert ticket.status == S.NEW and ticket.answered_at is None
    assert ticket.sla_started_at == later
    assert ticket.resolution_due_at is not None and ticket.resolution_due_at > later
    assert (
        ticket.events[-1].kind == EventKind.REOPENED and ticket.events[-1].actor_label == "citizen"
    )


def test_merge_keeps_the_duplicate_and_its_history(
    session: Session, setup: dict, now: datetime
) -> None:
    original = f.ticket(session, topic_code="TST.YOL", now=now)
    duplicate = f.ticket(session, topic_code="TST.YOL", now=now, phone="+905321110000")
    history = len(duplicate.events)
    lifecycle.merge(duplicate, original, Actor(setup["staff"]))
    assert duplicate.status == S.MERGED and duplicate.merged_into_id == original.id
    assert len(duplicate.events) == history + 1
    assert original.events[-1].data == {"merged_from": duplicate.number}
    with pytest.raises(ValidationError):
        lifecycle.merge(original, original, Actor(setup["staff"]))
    third = f.ticket(session, topic_code="TST.YOL", now=now, phone="+905321110001")
    with pytest.raises(ValidationError) as excinfo:
        lifecycle.merge(third, duplicate, Actor(setup["staff"]))
    assert excinfo.value.field == "merged_into"
    assert third.status == S.ROUTED and third.merged_into_id is None


def test_assign_only_within_the_department(session: Session, setup: dict, now: datetime) -> None:
    ticket = f.ticket(session, topic_code="TST.YOL", now=now)
    outsider = f.staff(session, Role.DEPT_STAFF, setup["park"])
    with pytest.raises(ValidationError) as excinfo:
        lifecycle.assign(ticket, outsider, Actor(setup["manager"]))
    assert excinfo.value.field == "assignee"
    lifecycle.assign(ticket, setup["staff"], Actor(setup["manager"]))
    assert ticket.assignee_id == setup["staff"].id
    assert ticket.events[-1].kind == EventKind.ASSIGNED


def test_a_stale_copy_cannot_overwrite_a_newer_change(fresh_app: Flask, now: datetime) -> None:
    """Optimistic locking: the second of two people acting on one ticket gets a conflict."""
    with fresh_app.app_context():
        with Session(db.engine, expire_on_commit=False) as setup_session:
            dept = f.department(setup_session, "TCONC")
            f.topic(setup_session, "TCC", None, first_response_hours=None, resolution_hours=None)
            f.topic(setup_session, "TCC.X", dept)
            staff = f.staff(setup_session, Role.DEPT_STAFF, dept)
            ticket_id = f.ticket(setup_session, topic_code="TCC.X", now=now).id
            setup_session.commit()

        first = Session(db.engine, expire_on_commit=False)
        stale = first.get(Ticket, ticket_id)
        assert stale is not None
        _ = stale.events, stale.topic_code, stale.department
        first.commit()  # the page was rendered; the transaction ended

        with Session(db.engine) as second:
            fresh = second.get(Ticket, ticket_id)
            assert fresh is not None
            lifecycle.start(fresh, Actor(second.get(type(staff), staff.id)))
            second.commit()

        with pytest.raises(ConcurrentUpdate):
            lifecycle.hold(stale, Actor(first.get(type(staff), staff.id)), reason="Bekleniyor")
        first.rollback()
        first.close()

        with Session(db.engine) as check:
            row = check.get(Ticket, ticket_id)
            assert row is not None and row.status == S.IN_PROGRESS
            events = check.scalars(
                sa.select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket_id)
            ).all()
            assert EventKind.ON_HOLD not in events
