"""The satisfaction survey: once per answered ticket; low scores and reopen requests reopen it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.errors import ValidationError
from himcrm.models import EventKind, Role, Ticket, TicketEvent, TicketStatus
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor
from himcrm.tickets.survey import asks_to_reopen, can_be_rated, record_survey
from tests import factories as f
from tests.conftest import user

NO_APPROVAL = "FEN.YOL.01"  # seed: answered directly by the department


def answered(session: Session, now: datetime, *, close: bool = False) -> Ticket:
    ticket = f.ticket(session, topic_code=NO_APPROVAL, now=now)
    staff = Actor(user(session, Role.DEPT_STAFF, "FEN.YOL"))
    lifecycle.start(ticket, staff, now=now + timedelta(hours=1))
    lifecycle.answer(ticket, staff, now=now + timedelta(hours=2))
    if close:
        lifecycle.close(ticket, Actor.system(), now=now + timedelta(days=3))
    assert ticket.status == (TicketStatus.CLOSED if close else TicketStatus.ANSWERED)
    return ticket


def events(session: Session, ticket: Ticket, kind: EventKind) -> list[TicketEvent]:
    return list(
        session.scalars(
            sa.select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == kind)
            .order_by(TicketEvent.id)
        )
    )


@pytest.mark.parametrize("close", [False, True])
def test_a_good_score_is_stored_with_its_event_and_keeps_the_ticket_concluded(
    session: Session, now: datetime, close: bool
) -> None:
    ticket = answered(session, now, close=close)
    status = ticket.status
    later = now + timedelta(days=4)
    result = record_survey(
        session, ticket, score=4, comment="  Teşekkürler, hızlı döndünüz.  ", via="sms", now=later
    )
    assert result.reopened is False and result.reopen_event is None
    session.expire_all()
    assert ticket.satisfaction == 4 and ticket.status == status
    [event] = events(session, ticket, EventKind.SURVEY)
    assert event.id == result.event.id
    assert event.data == {"score": 4, "via": "sms"}
    assert event.reason == "Teşekkürler, hızlı döndünüz."
    assert event.actor_label == "citizen" and event.actor_id is None
    assert event.created_at == later
    assert not can_be_rated(ticket)


@pytest.mark.parametrize("score", [1, 2])
def test_a_low_score_reopens_the_ticket_to_triage(
    session: Session, now: datetime, score: int
) -> None:
    ticket = answered(session, now)
    later = now + timedelta(days=1)
    result = record_survey(session, ticket, score=score, comment="", via="web", now=later)
    assert result.reopened is True and result.reopen_event is not None
    session.expire_all()
    assert ticket.status == TicketStatus.NEW  # the back office's triage queue
    assert ticket.satisfaction == score  # the verdict on the first answer is kept
    assert ticket.answered_at is None and ticket.resolution_due_at is not None
    assert ticket.resolution_due_at > later  # a fresh resolution SLA
    [reopen] = events(session, ticket, EventKind.REOPENED)
    assert reopen.actor_label == "citizen"
    assert reopen.from_status == TicketStatus.ANSWERED and reopen.to_status == TicketStatus.NEW
    assert f"{score}/5" in reopen.reason
    kinds = [e.kind for e in ticket.events]
    assert kinds[-2:] == [EventKind.SURVEY, EventKind.REOPENED]


@pytest.mark.parametrize(
    "comment",
    [
        "Lütfen başvurumu TEKRAR AÇIN",
        "tekrar acin, cukur yerinde duruyor",
        "Yeniden açılmasını istiyorum",
        "Sorun çözülmedi.",
        "SORUN HALA DEVAM EDİYOR",
        "halledilmedi bence",
        "Çukur hâlâ aynı",
        "Please reopen this",
    ],
)
def test_a_comment_asking_to_reopen_reopens_even_with_a_good_score(
    session: Session, now: datetime, comment: str
) -> None:
    ticket = answered(session, now, close=True)
    result = record_survey(session, ticket, score=4, comment=comment, via="web", now=now)
    assert result.reopened is True
    assert ticket.status == TicketStatus.NEW and ticket.closed_at is None
    assert events(session, ticket, EventKind.REOPENED)[0].reason == comment.strip()


@pytest.mark.parametrize(
    "comment",
    [
        "",
        "Çok teşekkürler, sorun çözüldü.",
        "Tekrar açmayın, her şey yolunda.",
        "Acil olarak ilgilendiniz, sağ olun",
        "Sorunsuz halledildi",
    ],
)
def test_a_satisfied_comment_does_not_reopen(comment: str) -> None:
    assert asks_to_reopen(comment) is False


def test_a_second_rating_is_refused_and_changes_nothing(session: Session, now: datetime) -> None:
    ticket = answered(session, now)
    record_survey(session, ticket, score=5, comment="", via="sms", now=now)
    with pytest.raises(ValidationError) as caught:
        record_survey(session, ticket, score=1, comment="tekrar açın", via="web", now=now)
    assert caught.value.field == "score" and "zaten" in str(caught.value.message)
    session.expire_all()
    assert ticket.satisfaction == 5 and ticket.status == TicketStatus.ANSWERED
    assert len(events(session, ticket, EventKind.SURVEY)) == 1


def test_a_reopened_ticket_answered_again_cannot_be_rated_twice(
    session: Session, now: datetime
) -> None:
    ticket = answered(session, now)
    record_survey(session, ticket, score=1, comment="", via="sms", now=now)
    with pytest.raises(ValidationError) as caught:  # reopened, not answered yet
        record_survey(session, ticket, score=5, comment="", via="web", now=now)
    assert caught.value.field == "score"
    assert not can_be_rated(ticket)


@pytest.mark.parametrize(
    "status_steps", [[], ["start"], ["start", "hold"]], ids=["routed", "in_progress", "on_hold"]
)
def test_an_open_ticket_cannot_be_rated(
    session: Session, now: datetime, status_steps: list[str]
) -> None:
    ticket = f.ticket(session, topic_code=NO_APPROVAL, now=now)
    staff = Actor(user(session, Role.DEPT_STAFF, "FEN.YOL"))
    for step in status_steps:
        if step == "hold":
            lifecycle.hold(ticket, staff, reason="Vatandaştan bilgi bekleniyor", now=now)
        else:
            lifecycle.start(ticket, staff, now=now)
    assert can_be_rated(ticket) is False
    with pytest.raises(ValidationError) as caught:
        record_survey(session, ticket, score=5, comment="", via="web", now=now)
    assert caught.value.field == "score" and "yanıtlanmış" in str(caught.value.message)
    assert ticket.satisfaction is None
    assert events(session, ticket, EventKind.SURVEY) == []


@pytest.mark.parametrize("score", [None, 0, 6, -1, True])
def test_a_score_outside_one_to_five_is_refused(
    session: Session, now: datetime, score: int | None
) -> None:
    ticket = answered(session, now)
    with pytest.raises(ValidationError) as caught:
        record_survey(session, ticket, score=score, comment="", via="web", now=now)
    assert caught.value.field == "score"
    assert ticket.satisfaction is None and ticket.status == TicketStatus.ANSWERED
    assert events(session, ticket, EventKind.SURVEY) == []


def test_a_long_comment_is_refused_before_anything_is_written(
    session: Session, now: datetime
) -> None:
    ticket = answered(session, now)
    with pytest.raises(ValidationError) as caught:
        record_survey(session, ticket, score=1, comment="ç" * 1001, via="web", now=now)
    assert caught.value.field == "comment"
    assert ticket.satisfaction is None and ticket.status == TicketStatus.ANSWERED
    # Exactly the limit is fine (after trimming).
    result = record_survey(
        session, ticket, score=3, comment=" " + "ç" * 1000 + " ", via="web", now=now
    )
    assert len(result.event.reason) == 1000


def test_an_unknown_via_is_refused(session: Session, now: datetime) -> None:
    ticket = answered(session, now)
    with pytest.raises(ValidationError) as caught:
        record_survey(session, ticket, score=3, comment="", via="fax", now=now)
    assert caught.value.field == "via"
    assert ticket.satisfaction is None
