"""Replies to citizens: versioned drafts, submission, the manager's decision, the answer.

A reply is a chain of versions (:class:`Reply` rows); saving again writes a new
version and supersedes the previous draft, so what was approved or returned
stays readable. Submitting either queues the reply for a manager (topics that
need approval) or answers the citizen at once. The answer goes out through the
outbox in the same transaction, keyed per ticket and version, so a retried
request cannot send it twice (DESIGN.md §5).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from himcrm.citizens.identity import is_mobile
from himcrm.errors import ConcurrentUpdate, IllegalTransition, NotFound, ValidationError
from himcrm.models import (
    Citizen,
    EventKind,
    NotificationChannel,
    Reply,
    ReplyChannel,
    ReplyStatus,
    ReplyTemplate,
    Ticket,
    TicketStatus,
    User,
)
from himcrm.notify.outbox import queue_message
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor
from himcrm.tickets.queries import visible_tickets

MAX_BODY = 5_000
SURVEY_DELAY = timedelta(days=1)
ANSWER_TEMPLATE = "ticket_answered"
#: Where a reply may still be written: the ticket is with the department and not in approval.
DRAFTABLE = frozenset({TicketStatus.ROUTED, TicketStatus.IN_PROGRESS, TicketStatus.ON_HOLD})


# --------------------------------------------------------------------------- reading


def versions(session: Session, ticket: Ticket) -> list[Reply]:
    """Every version of the ticket's reply, newest first, authors loaded."""
    stmt = (
        sa.select(Reply)
        .where(Reply.ticket_id == ticket.id)
        .options(selectinload(Reply.author), selectinload(Reply.decided_by))
        .order_by(Reply.version.desc())
    )
    return list(session.scalars(stmt))


def latest(session: Session, ticket: Ticket) -> Reply | None:
    return session.scalar(
        sa.select(Reply).where(Reply.ticket_id == ticket.id).order_by(Reply.version.desc()).limit(1)
    )


def templates_for(session: Session, ticket: Ticket) -> list[ReplyTemplate]:
    """Active templates of the ticket's topic, of its ancestors, and global ones.

    The most specific come first (the topic's own, then its parent's, ...), then
    global templates; by name within each group.
    """
    chain = ticket.topic_code.ancestors_and_self() if ticket.topic_code is not None else []
    rank = {topic.id: position for position, topic in enumerate(chain)}
    stmt = sa.select(ReplyTemplate).where(
        ReplyTemplate.is_active.is_(True),
        sa.or_(
            ReplyTemplate.topic_code_id.is_(None),
            ReplyTemplate.topic_code_id.in_(list(rank)),
        ),
    )
    rows = session.scalars(stmt).all()
    return sorted(
        rows,
        key=lambda row: (
            rank.get(row.topic_code_id, len(rank)) if row.topic_code_id is not None else len(rank),
            row.name,
        ),
    )


def fill_template(template: ReplyTemplate, ticket: Ticket) -> str:
    """The template's text with ``{number}`` replaced by the ticket number.

    Plain replacement, not ``str.format``: templates are written by admins, and
    format strings can reach attributes (``{0.__class__}``) or fail on a stray brace.
    """
    return template.body.replace("{number}", ticket.number)


def get_visible_reply(session: Session, user: User, reply_id: int) -> Reply:
    """A reply by id, through a ticket the user may see; otherwise not found."""
    stmt = (
        visible_tickets(session, user)
        .join(Reply, Reply.ticket_id == Ticket.id)
        .where(Reply.id == reply_id)
        .with_only_columns(Reply)
    )
    reply = session.scalar(stmt)
    if reply is None:
        raise NotFound(_l("Yanıt bulunamadı."), field="reply")
    return reply


# --------------------------------------------------------------------------- writing


def save_draft(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    body: str,
    *,
    now: datetime,
    template: ReplyTemplate | None = None,
) -> Reply:
    """Write a new version of the reply; the previous draft becomes superseded."""
    text = (body or "").strip()
    if not text:
        raise ValidationError(_l("Yanıt metni boş olamaz."), field="body")
    if len(text) > MAX_BODY:
        raise ValidationError(
            _l("Yanıt en fazla %(n)s karakter olabilir.", n=MAX_BODY), field="body"
        )
    if ticket.status not in DRAFTABLE:
        raise IllegalTransition(
            _l("Bu başvuru şu anki durumunda yanıt taslağına izin vermiyor."),
            field="status",
            status=ticket.status,
        )
    previous = latest(session, ticket)
    if previous is not None and previous.status == ReplyStatus.DRAFT:
        previous.status = ReplyStatus.SUPERSEDED
    version = previous.version + 1 if previous is not None else 1
    reply = Reply(
        ticket_id=ticket.id,
        version=version,
        body=text,
        channel=ticket.citizen.preferred_channel if ticket.citizen else ReplyChannel.SMS,
        status=ReplyStatus.DRAFT,
        template_id=template.id if template is not None else None,
        author_id=actor.user.id if actor.user is not None else None,
        created_at=now,
        decision_reason="",
    )
    session.add(reply)
    lifecycle.record_event(
        ticket,
        EventKind.NOTE,
        actor,
        now=now,
        reason=str(_l("Yanıt taslağı kaydedildi (sürüm %(n)s).", n=version)),
        data={"reply_version": version},
    )
    # Two people saving at once would both compute the same version number: the
    # unique (ticket_id, version) turns the loser into a "reload" message.
    savepoint = session.begin_nested()
    try:
        session.flush()
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        raise ConcurrentUpdate(
            _l("Yanıt bu arada başka biri tarafından değiştirildi; sayfayı yenileyin."),
            field="body",
        ) from None
    return reply


def draft_from_template(
    session: Session, ticket: Ticket, actor: Actor, template_id: int | None, *, now: datetime
) -> Reply:
    """A new draft version from one of the ticket's templates."""
    template = next((t for t in templates_for(session, ticket) if t.id == template_id), None)
    if template is None:
        raise ValidationError(_l("Bu başvuru için böyle bir şablon yok."), field="template")
    return save_draft(
        session, ticket, actor, fill_template(template, ticket), now=now, template=template
    )


def needs_approval(ticket: Ticket) -> bool:
    # A ticket without a topic is unusual here (it was routed); be conservative.
    return ticket.topic_code is None or ticket.topic_code.needs_approval


def submit(
    session: Session, ticket: Ticket, actor: Actor, *, now: datetime, body: str | None = None
) -> Reply:
    """Send the latest draft on: to the manager's queue, or straight to the citizen.

    ``body``, when given and different from the latest draft, is saved as a new
    version first (the form's "save and submit"). A ticket still only routed is
    started first: writing the answer is working on it.
    """
    reply = latest(session, ticket)
    if body is not None and body.strip():
        unchanged = (
            reply is not None and reply.status == ReplyStatus.DRAFT and reply.body == body.strip()
        )
        if not unchanged:
            reply = save_draft(session, ticket, actor, body, now=now)
    if reply is None or reply.status != ReplyStatus.DRAFT:
        message = (
            _l("Önce yanıtı düzeltip taslak olarak kaydedin.")
            if reply is not None and reply.status == ReplyStatus.RETURNED
            else _l("Gönderilecek bir yanıt taslağı yok.")
        )
        raise ValidationError(message, field="body")
    reply.submitted_at = now
    if needs_approval(ticket):
        if ticket.status == TicketStatus.ROUTED:
            lifecycle.start(ticket, actor, now=now)
        lifecycle.submit_for_approval(ticket, actor, now=now)
        reply.status = ReplyStatus.SUBMITTED
    else:
        lifecycle.answer(ticket, actor, now=now)
        _deliver(session, ticket, reply, actor, now)
    session.flush()
    return reply


def approve(session: Session, reply: Reply, actor: Actor, *, now: datetime) -> Reply:
    """The manager approves: the ticket is answered and the citizen told."""
    ticket = _awaiting_decision(reply)
    lifecycle.approve(ticket, actor, now=now)
    _deliver(session, ticket, reply, actor, now)
    session.flush()
    return reply


def return_reply(
    session: Session, reply: Reply, actor: Actor, *, reason: str, now: datetime
) -> Reply:
    """The manager sends the draft back with a reason; the ticket returns to work."""
    ticket = _awaiting_decision(reply)
    lifecycle.return_reply(ticket, actor, reason=reason, now=now)
    reply.status = ReplyStatus.RETURNED
    reply.decided_by_id = actor.user.id if actor.user is not None else None
    reply.decided_at = now
    reply.decision_reason = reason.strip()
    session.flush()
    return reply


def _awaiting_decision(reply: Reply) -> Ticket:
    if reply.status != ReplyStatus.SUBMITTED:
        raise IllegalTransition(_l("Bu yanıt onay beklemiyor."), field="status")
    return reply.ticket


def answer_target(citizen: Citizen | None) -> tuple[NotificationChannel, str] | None:
    """Where the answer goes: SMS to a mobile for those who prefer SMS, else e-mail.

    With no e-mail address a mobile still gets the SMS (better than silence); a
    landline-only citizen without e-mail is answered by the department by phone
    or post, so nothing is queued.
    """
    if citizen is None:
        return None
    mobile = citizen.phone if citizen.phone and is_mobile(citizen.phone) else None
    if mobile and citizen.preferred_channel == ReplyChannel.SMS:
        return NotificationChannel.SMS, mobile
    if citizen.email:
        return NotificationChannel.EMAIL, citizen.email
    if mobile:
        return NotificationChannel.SMS, mobile
    return None


def _deliver(session: Session, ticket: Ticket, reply: Reply, actor: Actor, now: datetime) -> None:
    reply.status = ReplyStatus.APPROVED
    reply.decided_by_id = actor.user.id if actor.user is not None else None
    reply.decided_at = now
    target = answer_target(ticket.citizen)
    if target is None:
        # A request from social media is answered privately where it was made.
        from himcrm.channels.social import reply_target

        target = reply_target(session, ticket)
    if target is None:
        return
    channel, recipient = target
    reply.channel = {
        NotificationChannel.SMS: ReplyChannel.SMS,
        NotificationChannel.EMAIL: ReplyChannel.EMAIL,
    }.get(channel, ReplyChannel.SOCIAL)
    queue_message(
        session,
        key=f"ticket:{ticket.id}:answer:{reply.version}",
        channel=channel,
        recipient=recipient,
        template=ANSWER_TEMPLATE,
        context={"number": ticket.number, "token": ticket.tracking_token, "body": reply.body},
        now=now,
        ticket_id=ticket.id,
        citizen_id=ticket.citizen_id,
        send_now=True,
    )
    if channel == NotificationChannel.SMS:
        # The satisfaction survey ("1–5" by SMS) a day after the answer, once per ticket.
        queue_message(
            session,
            key=f"ticket:{ticket.id}:survey",
            channel=channel,
            recipient=recipient,
            template="survey",
            context={"number": ticket.number, "token": ticket.tracking_token},
            now=now,
            send_after=now + SURVEY_DELAY,
            ticket_id=ticket.id,
            citizen_id=ticket.citizen_id,
        )
