"""Life-cycle actions over the API, each a thin call into the one state machine.

The table says which roles may take each action (the same roles as the staff
screen that offers it) and which schema its body has; the life cycle itself
refuses what the ticket's state does not allow (409).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from marshmallow import Schema

from himcrm.api import inputs
from himcrm.api.endpoints import ApiContext, find_ticket, require_role
from himcrm.errors import ValidationError
from himcrm.models import Department, Role, Ticket, User
from himcrm.tickets import lifecycle, triage
from himcrm.tickets.lifecycle import Actor
from himcrm.web.access import BACK_OFFICE, DEPARTMENT

Runner = Callable[[ApiContext, Ticket, Actor, dict[str, Any]], object]


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    summary: Any  # a lazy translation
    body: type[Schema]
    roles: tuple[Role, ...]
    run: Runner


def _assign(ctx: ApiContext, ticket: Ticket, actor: Actor, data: dict[str, Any]) -> object:
    username = data["assignee"].strip()
    assignee = ctx.session.scalar(sa.select(User).where(User.username == username))
    if assignee is None:
        raise ValidationError(_l("Atanan kişi başvurunun biriminde değil."), field="assignee")
    return lifecycle.assign(ticket, assignee, actor, now=ctx.now)


def _transfer(ctx: ApiContext, ticket: Ticket, actor: Actor, data: dict[str, Any]) -> object:
    code = data["department"].strip().upper()
    target = ctx.session.scalar(sa.select(Department).where(Department.code == code))
    if target is None or not target.is_active:
        raise ValidationError(_l("Bilinmeyen ya da pasif birim."), field="department")
    return lifecycle.transfer(ticket, target, actor, reason=data["reason"], now=ctx.now)


def _route(ctx: ApiContext, ticket: Ticket, actor: Actor, data: dict[str, Any]) -> object:
    return triage.triage_ticket(
        ctx.session,
        ticket,
        data["topic_code"],
        actor,
        district_code=data.get("district_code") or None,
        department_code=data.get("department") or None,
        override_reason=data.get("override_reason") or "",
        now=ctx.now,
    )


def _out_of_scope(ctx: ApiContext, ticket: Ticket, actor: Actor, data: dict[str, Any]) -> object:
    return triage.forward_out_of_scope(
        ticket, actor, reason=data["reason"], institution=data.get("institution", ""), now=ctx.now
    )


def _merge(ctx: ApiContext, ticket: Ticket, actor: Actor, data: dict[str, Any]) -> object:
    return triage.merge_duplicate(ctx.session, ticket, data["merged_into"], actor, now=ctx.now)


ACTIONS: tuple[Action, ...] = (
    Action("assign", _l("Birim personeline ata"), inputs.AssignIn, DEPARTMENT, _assign),
    Action(
        "start",
        _l("Çalışmaya başla"),
        inputs.EmptyIn,
        DEPARTMENT,
        lambda ctx, t, a, d: lifecycle.start(t, a, now=ctx.now),
    ),
    Action(
        "hold",
        _l("Beklemeye al (SLA durur)"),
        inputs.ReasonIn,
        DEPARTMENT,
        lambda ctx, t, a, d: lifecycle.hold(t, a, reason=d["reason"], now=ctx.now),
    ),
    Action(
        "resume",
        _l("Beklemeden çıkar"),
        inputs.EmptyIn,
        DEPARTMENT,
        lambda ctx, t, a, d: lifecycle.resume(t, a, now=ctx.now),
    ),
    Action("transfer", _l("Başka birime aktar"), inputs.TransferIn, DEPARTMENT, _transfer),
    Action(
        "note",
        _l("Not ekle"),
        inputs.NoteIn,
        tuple(dict.fromkeys((*DEPARTMENT, *BACK_OFFICE))),
        lambda ctx, t, a, d: lifecycle.add_note(t, a, d["note"], now=ctx.now),
    ),
    Action("route", _l("Konu kodu ver ve yönlendir"), inputs.RouteIn, BACK_OFFICE, _route),
    Action(
        "out_of_scope",
        _l("Kapsam dışı: ilgili kuruma ilet"),
        inputs.OutOfScopeIn,
        BACK_OFFICE,
        _out_of_scope,
    ),
    Action("merge", _l("Mükerrer başvuruyu birleştir"), inputs.MergeIn, BACK_OFFICE, _merge),
)

BY_NAME = {action.name: action for action in ACTIONS}


def perform(ctx: ApiContext, action: Action, number: str, data: dict[str, Any]) -> Ticket:
    """Take ``action`` on the visible ticket ``number``; returns the ticket."""
    require_role(ctx, action.roles)
    ticket = find_ticket(ctx, number)
    action.run(ctx, ticket, Actor(user=ctx.user), data)
    return ticket
