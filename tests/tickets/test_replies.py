"""Replies: versions, templates, submission, the manager's decision, the answer in the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.citizens.service import CitizenInput
from himcrm.errors import IllegalTransition, NotFound, PermissionDenied, ValidationError
from himcrm.models import (
    Citizen,
    EventKind,
    Notification,
    NotificationChannel,
    Reply,
    ReplyChannel,
    ReplyStatus,
    ReplyTemplate,
    Role,
    Ticket,
    TicketStatus,
)
from himcrm.tickets import inbox_queries, replies
from himcrm.tickets.intake import TicketInput, create_ticket
from himcrm.tickets.lifecycle import Actor
from tests import factories as f
from tests.conftest import topic, user

NEEDS_APPROVAL = "FEN.YOL.02"  # seed: FEN.YOL, reply needs the manager
NO_APPROVAL = "FEN.YOL.01"  # seed: FEN.YOL, answered directly


@pytest.fixture
def staff(session: Session) -> Actor:
    return Actor(user(session, Role.DEPT_STAFF, "FEN.YOL"))


@pytest.fixture
def manager(session: Session) -> Actor:
    return Actor(user(session, Role.DEPT_MANAGER, "FEN.YOL"))


def _ticket(session: Session, now: datetime, code: str = NEEDS_APPROVAL, **kw: object) -> Ticket:
    ticket = f.ticket(session, topic_code=code, now=now, **kw)  # type: ignore[arg-type]
    assert ticket.department is not None and ticket.department.code == "FEN.YOL"
    assert ticket.status == TicketStatus.ROUTED
    return ticket


def _answers(session: Session, ticket: Ticket) -> list[Notification]:
    return list(
        session.scalars(
            sa.select(Notification)
            .where(Notification.ticket_id == ticket.id, Notification.template == "ticket_answered")
            .order_by(Notification.id)
        )
    )


def test_saving_again_makes_a_new_version_and_supersedes_the_draft(
    session: Session, now: datetime, staff: Actor
) -> None:
    ticket = _ticket(session, now)
    first = replies.save_draft(session, ticket, staff, "  İlk taslak.  ", now=now)
    second = replies.save_draft(
        session, ticket, staff, "Düzeltilmiş taslak.", now=now + timedelta(minutes=5)
    )
    assert (first.version, second.version) == (1, 2)
    assert first.status == ReplyStatus.SUPERSEDED and second.status == ReplyStatus.DRAFT
    assert first.body == "İlk taslak." and second.author_id == staff.user.id  # type: ignore[union-attr]
    assert [r.version for r in replies.versions(session, ticket)] == [2, 1]
    notes = [e for e in ticket.events if e.kind == EventKind.NOTE]
    assert [e.data["reply_version"] for e in notes] == [1, 2]
    assert "sürüm 2" in notes[-1].reason


def test_empty_or_untimely_drafts_are_refused(
    session: Session, now: datetime, staff: Actor, manager: Actor
) -> None:
    ticket = _ticket(session, now)
    with pytest.raises(ValidationError) as empty:
        replies.save_draft(session, ticket, staff, "   ", now=now)
    assert empty.value.field == "body"
    with pytest.raises(ValidationError):
        replies.save_draft(session, ticket, staff, "x" * (replies.MAX_BODY + 1), now=now)
    replies.save_draft(session, ticket, staff, "Yanıt.", now=now)
    replies.submit(session, ticket, staff, now=now)
    with pytest.raises(IllegalTransition):  # waiting for the manager: not editable
        replies.save_draft(session, ticket, staff, "Bir değişiklik.", now=now)
    assert session.scalar(sa.select(sa.func.count()).where(Reply.ticket_id == ticket.id)) == 1


def test_templates_follow_the_topic_tree_and_fill_the_number(
    session: Session, now: datetime, staff: Actor
) -> None:
    ticket = _ticket(session, now)
    leaf, group = topic(session, NEEDS_APPROVAL), topic(session, "FEN.YOL")
    rows = [
        ReplyTemplate(name="Z genel", body="Başvurunuz ({number}) incelendi."),
        ReplyTemplate(name="A grup", body="Yol başvurunuz {number} ele alındı.", topic_code=group),
        ReplyTemplate(
            name="B konu", body="Asfalt talebiniz {number}: programa alındı.", topic_code=leaf
        ),
        ReplyTemplate(name="Park", body="Park {number}", topic_code=topic(session, "PARK.BAKIM")),
        ReplyTemplate(name="Pasif", body="Eski {number}", is_active=False),
    ]
    session.add_all(rows)
    session.flush()
    offered = replies.templates_for(session, ticket)
    assert [t.name for t in offered[:3]] == ["B konu", "A grup", "Z genel"]
    assert {"Park", "Pasif"}.isdisjoint(t.name for t in offered)

    reply = replies.draft_from_template(session, ticket, staff, rows[1].id, now=now)
    assert reply.body == f"Yol başvurunuz {ticket.number} ele alındı."
    assert reply.template_id == rows[1].id and reply.version == 1
    with pytest.raises(ValidationError) as wrong:  # another topic's template
        replies.draft_from_template(session, ticket, staff, rows[3].id, now=now)
    assert wrong.value.field == "template"


def test_placeholders_are_not_format_strings(session: Session, now: datetime) -> None:
    ticket = _ticket(session, now)
    template = ReplyTemplate(name="t", body="{number} {0.__class__} {unknown} }")
    assert (
        replies.fill_template(template, ticket) == f"{ticket.number} {{0.__class__}} {{unknown}} }}"
    )


def test_submit_then_approve_answers_the_citizen_through_the_outbox(
    session: Session, now: datetime, staff: Actor, manager: Actor
) -> None:
    ticket = _ticket(session, now, phone="+905321234567")
    replies.save_draft(session, ticket, staff, "Yolunuz önümüzdeki hafta asfaltlanacak.", now=now)
    submitted = replies.submit(session, ticket, staff, now=now + timedelta(minutes=1))
    assert submitted.status == ReplyStatus.SUBMITTED and submitted.submitted_at is not None
    assert ticket.status == TicketStatus.PENDING_APPROVAL  # started on the way
    assert _answers(session, ticket) == []  # nothing goes out before the approval

    later = now + timedelta(hours=2)
    replies.approve(session, submitted, manager, now=later)
    assert ticket.status == TicketStatus.ANSWERED and ticket.answered_at == later
    assert submitted.status == ReplyStatus.APPROVED
    assert submitted.decided_by_id == manager.user.id and submitted.decided_at == later  # type: ignore[union-attr]
    [message] = _answers(session, ticket)
    assert message.idempotency_key == f"ticket:{ticket.id}:answer:1"
    assert message.channel == NotificationChannel.SMS and message.recipient == "+905321234567"
    assert message.context == {
        "number": ticket.number,
        "token": ticket.tracking_token,
        "body": "Yolunuz önümüzdeki hafta asfaltlanacak.",
    }
    kinds = [e.kind for e in ticket.events]
    assert kinds[-3:] == [EventKind.STATUS_CHANGED, EventKind.STATUS_CHANGED, EventKind.APPROVED]
    survey = session.scalar(
        sa.select(Notification).where(Notification.idempotency_key == f"ticket:{ticket.id}:survey")
    )
    assert survey is not None and survey.template == "survey"
    assert survey.send_after == later + timedelta(days=1)  # a day after the answer


def test_return_needs_a_reason_and_the_revision_is_a_new_version(
    session: Session, now: datetime, staff: Actor, manager: Actor
) -> None:
    ticket = _ticket(session, now)
    replies.save_draft(session, ticket, staff, "Taslak.", now=now)
    first = replies.submit(session, ticket, staff, now=now)
    with pytest.raises(ValidationError) as no_reason:
        replies.return_reply(session, first, manager, reason="  ", now=now)
    assert no_reason.value.field == "reason" and first.status == ReplyStatus.SUBMITTED

    replies.return_reply(session, first, manager, reason="Tarih bilgisi ekleyin.", now=now)
    assert (
        first.status == ReplyStatus.RETURNED and first.decision_reason == "Tarih bilgisi ekleyin."
    )
    assert ticket.status == TicketStatus.IN_PROGRESS
    assert ticket.events[-1].kind == EventKind.RETURNED
    assert ticket.events[-1].reason == "Tarih bilgisi ekleyin."
    with pytest.raises(ValidationError):  # the returned text cannot go back unchanged
        replies.submit(session, ticket, staff, now=now)

    second = replies.submit(session, ticket, staff, now=now, body="Taslak; 20 Kasım'da.")
    assert second.version == 2 and second.status == ReplyStatus.SUBMITTED
    with pytest.raises(IllegalTransition):  # the old version is not the one waiting
        replies.approve(session, first, manager, now=now)
    replies.approve(session, second, manager, now=now)
    [message] = _answers(session, ticket)
    assert message.idempotency_key == f"ticket:{ticket.id}:answer:2"


def test_only_approvers_decide(session: Session, now: datetime, staff: Actor) -> None:
    ticket = _ticket(session, now)
    replies.save_draft(session, ticket, staff, "Taslak.", now=now)
    reply = replies.submit(session, ticket, staff, now=now)
    with pytest.raises(PermissionDenied):
        replies.approve(session, reply, staff, now=now)
    with pytest.raises(PermissionDenied):
        replies.return_reply(session, reply, staff, reason="kendi kendime", now=now)
    assert reply.status == ReplyStatus.SUBMITTED and ticket.status == TicketStatus.PENDING_APPROVAL


def test_topic_without_approval_is_answered_at_once(
    session: Session, now: datetime, staff: Actor
) -> None:
    ticket = _ticket(session, now, code=NO_APPROVAL)
    reply = replies.submit(session, ticket, staff, now=now, body="Çukur kapatıldı.")
    assert reply.status == ReplyStatus.APPROVED and reply.decided_by_id == staff.user.id  # type: ignore[union-attr]
    assert ticket.status == TicketStatus.ANSWERED
    assert ticket.events[-1].kind == EventKind.ANSWERED
    [message] = _answers(session, ticket)
    assert message.idempotency_key == f"ticket:{ticket.id}:answer:1"
    assert message.recipient == "+905321112233"


def test_the_answer_goes_by_email_to_those_who_prefer_it(
    session: Session, now: datetime, staff: Actor
) -> None:
    result = create_ticket(
        session,
        TicketInput(
            channel="web",
            description="Köy yolunda çamur birikti.",
            topic_code=NO_APPROVAL,
            district_code="KONAK",
            address="Merkez",
            citizen=CitizenInput(
                full_name="Ali Veli",
                phone="+905329998877",
                email="Ali@Example.org",
                preferred_channel="email",
            ),
        ),
        now=now,
    )
    replies.submit(session, result.ticket, staff, now=now, body="Greyder gönderildi.")
    [message] = _answers(session, result.ticket)
    assert message.channel == NotificationChannel.EMAIL and message.recipient == "ali@example.org"
    assert replies.latest(session, result.ticket).channel == ReplyChannel.EMAIL  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("phone", "email", "preferred", "expected"),
    [
        ("+905321234567", None, ReplyChannel.SMS, (NotificationChannel.SMS, "+905321234567")),
        ("+905321234567", "a@b.org", ReplyChannel.EMAIL, (NotificationChannel.EMAIL, "a@b.org")),
        ("+905321234567", "a@b.org", ReplyChannel.PHONE, (NotificationChannel.EMAIL, "a@b.org")),
        ("+905321234567", None, ReplyChannel.POST, (NotificationChannel.SMS, "+905321234567")),
        ("+902324561234", "a@b.org", ReplyChannel.SMS, (NotificationChannel.EMAIL, "a@b.org")),
        ("+902324561234", None, ReplyChannel.SMS, None),  # a landline cannot take an SMS
    ],
)
def test_answer_target(
    phone: str, email: str | None, preferred: ReplyChannel, expected: object
) -> None:
    citizen = Citizen(phone=phone, email=email, preferred_channel=preferred)
    assert replies.answer_target(citizen) == expected
    assert replies.answer_target(None) is None


def test_anonymous_ticket_is_answered_without_a_message(
    session: Session, now: datetime, staff: Actor
) -> None:
    ticket = _ticket(session, now, code=NO_APPROVAL, phone=None)
    replies.submit(session, ticket, staff, now=now, body="Giderildi.")
    assert ticket.status == TicketStatus.ANSWERED and _answers(session, ticket) == []


def test_queue_and_lookup_are_scoped_to_the_department(
    session: Session, now: datetime, staff: Actor, manager: Actor
) -> None:
    ticket = _ticket(session, now)
    replies.save_draft(session, ticket, staff, "Taslak.", now=now)
    reply = replies.submit(session, ticket, staff, now=now)
    head = user(session, Role.DEPT_MANAGER, "FEN")  # the directorate above FEN.YOL
    park_manager = f.staff(session, Role.DEPT_MANAGER, f.department(session, "PARK.TEST"))
    later = now + timedelta(days=3, hours=1)

    for approver in (manager.user, head):
        waiting = inbox_queries.approval_queue(session, approver, now=later)  # type: ignore[arg-type]
        assert [w.reply.id for w in waiting if w.ticket.id == ticket.id] == [reply.id]
        assert replies.get_visible_reply(session, approver, reply.id).id == reply.id  # type: ignore[arg-type]
    mine = next(
        w
        for w in inbox_queries.approval_queue(session, manager.user, now=later)  # type: ignore[arg-type]
        if w.reply.id == reply.id
    )
    assert mine.waited == timedelta(days=3, hours=1) and mine.reply.author is not None

    assert inbox_queries.approval_queue(session, park_manager, now=later) == []
    with pytest.raises(NotFound):
        replies.get_visible_reply(session, park_manager, reply.id)
