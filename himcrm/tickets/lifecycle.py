"""The ticket life cycle: the one state machine (DESIGN.md §3).

``new → routed → in_progress → pending_approval → answered → closed``, with
``on_hold`` (the SLA clock pauses), transfers (an event: back to ``routed`` in
the new department), returns (a manager sends a draft back to ``in_progress``),
reopening (an unsatisfied citizen: back to the triage queue), ``merged`` and
``out_of_scope``. Every action writes one :class:`TicketEvent`; an action the
current state does not allow raises :class:`IllegalTransition`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.exc import StaleDataError

from himcrm.errors import ConcurrentUpdate, IllegalTransition, PermissionDenied, ValidationError
from himcrm.models import (
    OPEN_STATUSES,
    Department,
    EventKind,
    Role,
    Ticket,
    TicketEvent,
    TicketHoldSegment,
    TicketStatus,
    TopicCode,
    User,
    utcnow,
)
from himcrm.sla.clock import (
    pause_clock,
    record_first_response,
    record_resolution,
    resume_clock,
    start_clock,
    stop_clock,
)

S = TicketStatus
_OPEN_WORK = frozenset({S.NEW, S.ROUTED, S.IN_PROGRESS, S.ON_HOLD})
APPROVER_ROLES = frozenset({Role.DEPT_MANAGER, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Transition:
    sources: frozenset[TicketStatus]
    target: TicketStatus
    event: EventKind
    needs_reason: bool = False


TRANSITIONS: dict[str, Transition] = {
    "route": Transition(frozenset({S.NEW, S.ROUTED}), S.ROUTED, EventKind.ROUTED),
    "transfer": Transition(
        frozenset({S.ROUTED, S.IN_PROGRESS}), S.ROUTED, EventKind.TRANSFERRED, True
    ),
    "start": Transition(frozenset({S.ROUTED}), S.IN_PROGRESS, EventKind.STATUS_CHANGED),
    "hold": Transition(frozenset({S.ROUTED, S.IN_PROGRESS}), S.ON_HOLD, EventKind.ON_HOLD, True),
    "resume": Transition(frozenset({S.ON_HOLD}), S.IN_PROGRESS, EventKind.RESUMED),
    "submit_for_approval": Transition(
        frozenset({S.IN_PROGRESS}), S.PENDING_APPROVAL, EventKind.STATUS_CHANGED
    ),
    "approve": Transition(frozenset({S.PENDING_APPROVAL}), S.ANSWERED, EventKind.APPROVED),
    "return": Transition(frozenset({S.PENDING_APPROVAL}), S.IN_PROGRESS, EventKind.RETURNED, True),
    "answer": Transition(
        frozenset({S.NEW, S.ROUTED, S.IN_PROGRESS}), S.ANSWERED, EventKind.ANSWERED
    ),
    "close": Transition(frozenset({S.ANSWERED}), S.CLOSED, EventKind.CLOSED),
    "reopen": Transition(frozenset({S.ANSWERED, S.CLOSED}), S.NEW, EventKind.REOPENED, True),
    "merge": Transition(_OPEN_WORK, S.MERGED, EventKind.MERGED),
    "out_of_scope": Transition(
        frozenset({S.NEW, S.ROUTED, S.IN_PROGRESS}), S.OUT_OF_SCOPE, EventKind.OUT_OF_SCOPE, True
    ),
}


def allowed_actions(ticket: Ticket) -> list[str]:
    """Actions the ticket's state allows (roles and guards are checked on use)."""
    return [name for name, t in TRANSITIONS.items() if ticket.status in t.sources]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a staff user, or a labelled non-user (``system``, ``citizen``)."""

    user: User | None = None
    label: str = ""

    @classmethod
    def system(cls) -> Actor:
        return cls(label="system")

    @property
    def role(self) -> Role | None:
        return self.user.role if self.user is not None else None


def _session(ticket: Ticket) -> Session:
    session = object_session(ticket)
    if session is None:
        raise RuntimeError("ticket is not attached to a session")
    return session


def record_event(
    ticket: Ticket,
    kind: EventKind,
    actor: Actor,
    *,
    now: datetime,
    from_status: TicketStatus | None = None,
    to_status: TicketStatus | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    """Append one entry to the ticket's history (the only writer of TicketEvent)."""
    event = TicketEvent(
        ticket=ticket,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        department_id=ticket.department_id,
        actor_id=actor.user.id if actor.user is not None else None,
        actor_label=actor.label or ("" if actor.user else "system"),
        reason=reason,
        data=data or {},
        created_at=now,
    )
    _session(ticket).add(event)
    if to_status is not None:
        _track_holding(ticket, to_status, now)
    return event


def _track_holding(ticket: Ticket, status: TicketStatus, when: datetime) -> None:
    """Keep the ticket's holding segments (reports' held hours) in step with its history.

    The department holding an open ticket after a status change either goes on
    holding it (nothing to write) or the running stretch ends here and, if the
    ticket is open in a department, a new one starts. Plain statements on the
    session's connection: no autoflush of the ticket before its version check.
    """
    session = _session(ticket)
    holder = ticket.department_id if status in OPEN_STATUSES else None
    if ticket.id is None:  # a new ticket: no running stretch yet, nothing to flush for
        if holder is not None:
            session.add(TicketHoldSegment(ticket=ticket, department_id=holder, since=when))
        return
    segment = TicketHoldSegment
    conn = session.connection()
    running = conn.execute(
        sa.select(segment.id, segment.department_id, segment.since).where(
            segment.ticket_id == ticket.id, segment.until.is_(None)
        )
    ).first()
    if running is not None and running.department_id == holder:
        return
    if running is not None:
        until = max(when, running.since)  # never a negative stretch
        conn.execute(sa.update(segment).where(segment.id == running.id).values(until=until))
    if holder is not None:
        conn.execute(
            sa.insert(segment).values(ticket_id=ticket.id, department_id=holder, since=when)
        )


def _flush(ticket: Ticket) -> None:
    """Write the change now, so a lost optimistic-lock race is a ConcurrentUpdate here.

    A ticket not yet inserted cannot race: intake opens and routes it in memory
    and writes it with one flush (issue 9).
    """
    if sa.inspect(ticket).pending:
        return
    number = ticket.number  # read now: after a failed flush the session refuses to load
    try:
        _session(ticket).flush()
    except StaleDataError:
        raise ConcurrentUpdate(
            _l("Başvuru bu arada başka biri tarafından değiştirildi; sayfayı yenileyin."),
            number=number,
        ) from None


def _guard(ticket: Ticket, action: str, reason: str = "") -> Transition:
    """Check an action before anything on the ticket is touched."""
    spec = TRANSITIONS[action]
    if ticket.status not in spec.sources:
        raise IllegalTransition(
            _l("Bu başvuru şu anki durumunda bu işleme izin vermiyor."),
            field="status",
            action=action,
            status=ticket.status,
        )
    if spec.needs_reason and not (reason or "").strip():
        raise ValidationError(_l("Gerekçe yazılmalı."), field="reason")
    return spec


def _transition(
    ticket: Ticket,
    action: str,
    actor: Actor,
    *,
    now: datetime | None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    effects: Callable[[datetime], None] | None = None,
) -> TicketEvent:
    """Check, change the status, apply the action's ``effects`` (clock, dates), record, flush.

    Everything the action changes is written by the one flush here, so the
    service leaves the session flushed whatever the caller does next.
    """
    spec = _guard(ticket, action, reason)
    reason = (reason or "").strip()
    when = now or utcnow()
    previous = ticket.status
    ticket.status = spec.target
    if spec.target in {S.IN_PROGRESS, S.ANSWERED} and ticket.first_responded_at is None:
        record_first_response(_session(ticket), ticket, when)
    if spec.target not in OPEN_STATUSES:
        stop_clock(ticket)
    if effects is not None:
        effects(when)
    event = record_event(
        ticket,
        spec.event,
        actor,
        now=when,
        from_status=previous,
        to_status=spec.target,
        reason=reason,
        data=data,
    )
    _flush(ticket)
    return event


def route(
    ticket: Ticket,
    department: Department,
    actor: Actor,
    *,
    topic: TopicCode | None = None,
    now: datetime | None = None,
) -> TicketEvent:
    """Send a ticket to a department, optionally (re)setting its topic first.

    Setting or changing the topic restarts the SLA from the ticket's creation:
    triage time counts against the municipality, not the citizen.
    """
    _guard(ticket, "route")
    if topic is None and ticket.topic_code is None:
        raise ValidationError(_l("Yönlendirmeden önce konu kodu seçilmeli."), field="topic_code")
    session = _session(ticket)
    when = now or utcnow()
    topic_changed = topic is not None and topic.id != ticket.topic_code_id
    if topic is not None:
        ticket.topic_code = topic
        ticket.topic_code_id = topic.id
        ticket.priority = topic.priority
    assert ticket.topic_code is not None
    ticket.department = department
    ticket.department_id = department.id
    routed_topic = ticket.topic_code

    def restart_clock(when: datetime) -> None:
        if topic_changed or ticket.sla_started_at is None:
            start_clock(session, ticket, routed_topic, ticket.created_at or when)

    return _transition(
        ticket,
        "route",
        actor,
        now=when,
        data={"department": department.code, "topic": routed_topic.code},
        effects=restart_clock,
    )


def transfer(
    ticket: Ticket,
    department: Department,
    actor: Actor,
    *,
    reason: str,
    now: datetime | None = None,
) -> TicketEvent:
    """Move a wrongly routed ticket to another department (keeps the SLA)."""
    _guard(ticket, "transfer", reason)
    if department.id == ticket.department_id:
        raise ValidationError(_l("Başvuru zaten bu birimde."), field="department")
    origin = ticket.department.code if ticket.department else None
    ticket.department = department
    ticket.department_id = department.id
    ticket.assignee = None
    ticket.assignee_id = None
    return _transition(
        ticket,
        "transfer",
        actor,
        now=now,
        reason=reason,
        data={"from": origin, "to": department.code},
    )


def assign(
    ticket: Ticket, assignee: User, actor: Actor, *, now: datetime | None = None
) -> TicketEvent:
    """Give the ticket to a member of its department (no status change)."""
    if not ticket.is_open or ticket.status == S.NEW:
        raise IllegalTransition(_l("Bu başvuru atanamaz."), field="status", status=ticket.status)
    if assignee.department_id != ticket.department_id or not assignee.active:
        raise ValidationError(_l("Atanan kişi başvurunun biriminde değil."), field="assignee")
    ticket.assignee = assignee
    ticket.assignee_id = assignee.id
    event = record_event(
        ticket, EventKind.ASSIGNED, actor, now=now or utcnow(), data={"assignee": assignee.username}
    )
    _flush(ticket)
    return event


def start(ticket: Ticket, actor: Actor, *, now: datetime | None = None) -> TicketEvent:
    return _transition(ticket, "start", actor, now=now)


def hold(ticket: Ticket, actor: Actor, *, reason: str, now: datetime | None = None) -> TicketEvent:
    """Wait for the citizen or a third party; the SLA clock pauses."""
    return _transition(
        ticket,
        "hold",
        actor,
        now=now,
        reason=reason,
        effects=lambda when: pause_clock(ticket, when),
    )


def resume(ticket: Ticket, actor: Actor, *, now: datetime | None = None) -> TicketEvent:
    when = now or utcnow()
    resume_clock(_session(ticket), ticket, when)
    return _transition(ticket, "resume", actor, now=when)


def submit_for_approval(
    ticket: Ticket, actor: Actor, *, now: datetime | None = None
) -> TicketEvent:
    return _transition(ticket, "submit_for_approval", actor, now=now)


def _resolved(ticket: Ticket) -> Callable[[datetime], None]:
    """The effect of concluding: the time to resolution, fixed in business minutes."""
    return lambda when: record_resolution(_session(ticket), ticket, when)


def _require_approver(actor: Actor) -> None:
    if actor.role not in APPROVER_ROLES:
        raise PermissionDenied(_l("Yanıtı yalnızca birim yöneticisi onaylayabilir."), field="actor")


def approve(ticket: Ticket, actor: Actor, *, now: datetime | None = None) -> TicketEvent:
    _require_approver(actor)
    return _transition(ticket, "approve", actor, now=now, effects=_resolved(ticket))


def return_reply(
    ticket: Ticket, actor: Actor, *, reason: str, now: datetime | None = None
) -> TicketEvent:
    _require_approver(actor)
    return _transition(ticket, "return", actor, now=now, reason=reason)


def answer(ticket: Ticket, actor: Actor, *, now: datetime | None = None) -> TicketEvent:
    """Conclude without the approval step: topics that need none, or a manager acting."""
    topic = ticket.topic_code
    if topic is not None and topic.needs_approval and actor.role not in APPROVER_ROLES:
        raise IllegalTransition(
            _l("Bu konuda yanıt yönetici onayından geçmeli."), field="status", action="answer"
        )
    return _transition(ticket, "answer", actor, now=now, effects=_resolved(ticket))


def close(ticket: Ticket, actor: Actor, *, now: datetime | None = None) -> TicketEvent:
    def closed(when: datetime) -> None:
        ticket.closed_at = when

    return _transition(ticket, "close", actor, now=now, effects=closed)


def reopen(
    ticket: Ticket, actor: Actor, *, reason: str, now: datetime | None = None
) -> TicketEvent:
    """An unsatisfied citizen: back to the triage queue with a fresh resolution SLA."""

    def reopened(when: datetime) -> None:
        ticket.answered_at = None
        ticket.resolution_business_minutes = None
        ticket.closed_at = None
        ticket.assignee_id = None
        if ticket.topic_code is not None:
            start_clock(_session(ticket), ticket, ticket.topic_code, when)

    return _transition(ticket, "reopen", actor, now=now, reason=reason, effects=reopened)


def merge(
    ticket: Ticket, original: Ticket, actor: Actor, *, now: datetime | None = None
) -> TicketEvent:
    """Fold a duplicate into its original; the duplicate keeps its history and a pointer."""
    _guard(ticket, "merge")
    if original.id == ticket.id:
        raise ValidationError(_l("Bir başvuru kendisiyle birleştirilemez."), field="merged_into")
    if original.status == S.MERGED:
        raise ValidationError(
            _l("Asıl başvuru da birleştirilmiş; onun aslını seçin."), field="merged_into"
        )
    ticket.merged_into = original
    ticket.merged_into_id = original.id
    event = _transition(ticket, "merge", actor, now=now, data={"into": original.number})
    record_event(
        original, EventKind.NOTE, actor, now=event.created_at, data={"merged_from": ticket.number}
    )
    return event


def mark_out_of_scope(
    ticket: Ticket, actor: Actor, *, reason: str, now: datetime | None = None
) -> TicketEvent:
    """Outside the municipality's remit: forwarded to another institution (final)."""
    return _transition(ticket, "out_of_scope", actor, now=now, reason=reason)


def add_note(
    ticket: Ticket, actor: Actor, text: str, *, now: datetime | None = None
) -> TicketEvent:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_l("Not boş olamaz."), field="note")
    event = record_event(ticket, EventKind.NOTE, actor, now=now or utcnow(), reason=text)
    _flush(ticket)
    return event
