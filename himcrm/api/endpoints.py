"""The API's endpoints: thin functions over the services, one per operation.

Each takes an :class:`ApiContext` (the session and the user the client acts as)
and the validated input, calls the one service that does the work and returns
what the response schema dumps. Scoping is the staff screens' own:
:func:`himcrm.tickets.queries.visible_tickets` for every ticket read.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload, lazyload, raiseload, selectinload

from himcrm.api.inputs import TICKET_NUMBER
from himcrm.citizens.service import CitizenInput
from himcrm.errors import ConcurrentUpdate, NotFound, PermissionDenied, ValidationError
from himcrm.models import (
    OPEN_STATUSES,
    ApiClient,
    Department,
    District,
    Role,
    Ticket,
    TicketEvent,
    TicketStatus,
    TopicCode,
    User,
)
from himcrm.tickets.intake import TicketInput, create_ticket
from himcrm.tickets.queries import get_visible_ticket, visible_tickets

#: Longest Idempotency-Key accepted; with the prefix it fits ``external_id`` (128).
MAX_IDEMPOTENCY_KEY = 100


@dataclass(frozen=True, slots=True)
class ApiContext:
    session: Session
    client: ApiClient
    user: User
    now: datetime
    timezone: str = "Europe/Istanbul"


def require_role(ctx: ApiContext, roles: tuple[Role, ...]) -> None:
    if ctx.user.role not in roles:
        raise PermissionDenied(_l("Bu işlem için yetkiniz yok."))


def _ticket_options() -> list[Any]:
    """Everything the ticket schema reads, loaded up front (no N+1); not the history."""
    return [
        joinedload(Ticket.topic_code),
        joinedload(Ticket.department),
        joinedload(Ticket.district),
        joinedload(Ticket.citizen),
        joinedload(Ticket.assignee),
        selectinload(Ticket.merged_into).lazyload(Ticket.events),
        lazyload(Ticket.events),
    ]


def find_ticket(ctx: ApiContext, number: str) -> Ticket:
    """A ticket the caller may see, by number; anything else is the same 404."""
    if not TICKET_NUMBER.match(number):
        raise NotFound(_l("Başvuru bulunamadı."), field="number")
    return get_visible_ticket(ctx.session, ctx.user, number)


def reload(ctx: ApiContext, ticket: Ticket) -> Ticket:
    """The ticket with its related rows, for the response.

    No second visibility check: after a transfer the caller may no longer see
    the ticket, but the answer to the transfer is still that ticket.
    """
    stmt = sa.select(Ticket).where(Ticket.id == ticket.id).options(*_ticket_options())
    return ctx.session.scalars(stmt).unique().one()


# --------------------------------------------------------------------------- create


def idempotency_external_id(client: ApiClient, key: str | None) -> str | None:
    """The ``external_id`` an ``Idempotency-Key`` header stands for.

    The key is the client's own, so it is namespaced by the client: two clients
    choosing the same key never see each other's tickets.
    """
    key = (key or "").strip()
    if not key:
        return None
    if len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise ValidationError(
            _l(
                "Idempotency-Key en fazla %(n)s yazdırılabilir karakter olmalı.",
                n=MAX_IDEMPOTENCY_KEY,
            ),
            field="Idempotency-Key",
        )
    return f"api:{client.id}:{key}"


def create(
    ctx: ApiContext, data: dict[str, Any], *, idempotency_key: str | None = None
) -> tuple[Ticket, bool]:
    """File a ticket through the one intake service; (ticket, created).

    ``external_id`` wins over the header when both are given (it is the business
    key of the sending system). A replay returns the first ticket; if that
    ticket is outside the caller's scope, the id is taken: a 409.
    """
    external_id = data.get("external_id") or idempotency_external_id(ctx.client, idempotency_key)
    person = data.get("citizen") or {}
    # Codes are ASCII upper case; the citizen's record takes the ticket's district.
    district = (data.get("district") or "").strip().upper() or None
    result = create_ticket(
        ctx.session,
        TicketInput(
            channel=data["channel"],
            type=data["type"],
            description=data["description"],
            topic_code=data.get("topic_code") or None,
            district_code=district,
            neighbourhood=data.get("neighbourhood") or "",
            address=data.get("address") or "",
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            external_id=external_id,
            citizen=CitizenInput(
                full_name=person.get("full_name") or "",
                phone=person.get("phone") or None,
                email=person.get("email") or None,
                kimlik_no=person.get("kimlik_no") or None,
                district_code=district,
                neighbourhood=data.get("neighbourhood") or "",
                preferred_channel=person.get("preferred_channel") or None,
                kvkk_consent=bool(person.get("kvkk_consent")),
            ),
        ),
        actor=ctx.user,
        now=ctx.now,
        timezone=ctx.timezone,
    )
    ticket = result.ticket
    if result.created:
        # Everything the response reads was just set on this object: no reload.
        return ticket, True
    visible = ctx.session.scalar(
        visible_tickets(ctx.session, ctx.user).where(Ticket.id == ticket.id)
    )
    if visible is None:
        raise ConcurrentUpdate(
            _l("Bu dış kayıt numarası başka bir başvuruda kullanılmış."), field="external_id"
        )
    return reload(ctx, ticket), False


# --------------------------------------------------------------------------- read


def encode_cursor(ticket_id: int) -> str:
    return base64.urlsafe_b64encode(str(ticket_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    invalid = ValidationError(_l("Sayfa imleci geçersiz."), field="cursor")
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid from None
    if not text.isdigit() or len(text) > 18:
        raise invalid
    return int(text)


def _code_id(session: Session, model: Any, code: str, field: str, message: Any) -> int:
    found = session.scalar(sa.select(model.id).where(model.code == code.strip().upper()))
    if found is None:
        raise ValidationError(message, field=field)
    return int(found)


def list_tickets(ctx: ApiContext, query: dict[str, Any]) -> dict[str, Any]:
    """One page, newest first, by keyset on the primary key (stable under inserts).

    Every filter is an indexed column of ``tickets``; the page is loaded with its
    related rows in a fixed number of queries whatever its size.
    """
    session = ctx.session
    stmt = visible_tickets(session, ctx.user)
    if "status" in query:
        stmt = stmt.where(Ticket.status == TicketStatus(query["status"]))
    if "department" in query:
        dept_id = _code_id(
            session, Department, query["department"], "department", _l("Bilinmeyen birim.")
        )
        stmt = stmt.where(Ticket.department_id == dept_id)
    if "district" in query:
        district_id = _code_id(
            session, District, query["district"], "district", _l("Bilinmeyen ilçe.")
        )
        stmt = stmt.where(Ticket.district_id == district_id)
    if "topic" in query:
        code = query["topic"].strip().upper()
        topic_ids = sa.select(TopicCode.id).where(
            sa.or_(TopicCode.code == code, TopicCode.code.startswith(code + ".", autoescape=True))
        )
        stmt = stmt.where(Ticket.topic_code_id.in_(topic_ids))
    if "created_from" in query:
        stmt = stmt.where(Ticket.created_at >= query["created_from"])
    if "created_to" in query:
        stmt = stmt.where(Ticket.created_at < query["created_to"])
    if query.get("overdue"):
        stmt = stmt.where(
            Ticket.status.in_(sorted(OPEN_STATUSES)),
            Ticket.resolution_due_at < ctx.now,
            Ticket.sla_paused_at.is_(None),
        )
    if "cursor" in query:
        stmt = stmt.where(Ticket.id < decode_cursor(query["cursor"]))
    limit = int(query["limit"])
    rows = list(
        session.scalars(
            stmt.options(*_ticket_options()).order_by(Ticket.id.desc()).limit(limit + 1)
        ).unique()
    )
    more = len(rows) > limit
    items = rows[:limit]
    return {"items": items, "next_cursor": encode_cursor(items[-1].id) if more else None}


def get_ticket(ctx: ApiContext, number: str) -> Ticket:
    return reload(ctx, find_ticket(ctx, number))


def ticket_events(ctx: ApiContext, number: str) -> dict[str, Any]:
    """The history, oldest first, public-safe fields only (see EventOut)."""
    ticket = find_ticket(ctx, number)
    rows = ctx.session.scalars(
        sa.select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id)
        .options(joinedload(TicketEvent.department), raiseload("*"))
        .order_by(TicketEvent.id)
    )
    return {"items": list(rows)}


# --------------------------------------------------------------------------- reference lists


def topics(ctx: ApiContext) -> dict[str, Any]:
    """Active topic codes in code order; ``leaf`` marks the ones tickets are filed under."""
    session = ctx.session
    parent = sa.orm.aliased(TopicCode)
    rows = session.execute(
        sa.select(TopicCode, parent.code, Department.code)
        .outerjoin(parent, TopicCode.parent_id == parent.id)
        .outerjoin(Department, TopicCode.department_id == Department.id)
        .where(TopicCode.is_active.is_(True))
        .options(raiseload("*"))
        .order_by(TopicCode.code)
    ).all()
    parents = set(
        session.scalars(sa.select(TopicCode.parent_id).where(TopicCode.parent_id.is_not(None)))
    )
    items = [
        {
            "code": topic.code,
            "name": topic.name_tr,
            "name_en": topic.name_en,
            "parent": parent_code,
            "department": dept_code,
            "leaf": topic.id not in parents,
            "requires_location": topic.requires_location,
            "is_public": topic.is_public,
            "priority": topic.priority.value,
        }
        for topic, parent_code, dept_code in rows
    ]
    return {"items": items}


def departments(ctx: ApiContext) -> dict[str, Any]:
    parent = sa.orm.aliased(Department)
    rows = ctx.session.execute(
        sa.select(Department.code, Department.name, Department.kind, parent.code)
        .outerjoin(parent, Department.parent_id == parent.id)
        .where(Department.is_active.is_(True))
        .order_by(Department.code)
    ).all()
    items = [
        {"code": code, "name": name, "kind": kind.value, "parent": parent_code}
        for code, name, kind, parent_code in rows
    ]
    return {"items": items}


def districts(ctx: ApiContext) -> dict[str, Any]:
    rows = ctx.session.execute(
        sa.select(District.code, District.name).order_by(District.name)
    ).all()
    return {"items": [{"code": code, "name": name} for code, name in rows]}
