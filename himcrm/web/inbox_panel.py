"""What the inbox part of the ticket page shows: choices, reply versions, attachments.

``templates/tickets/detail.html`` includes ``inbox/_ticket_actions.html`` with only
the ticket's own variables; the inbox blueprint registers :func:`inject` as a
context processor so the partial can ask for the rest with ``inbox_panel(ticket)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import session as http_session
from flask_login import current_user

from himcrm.extensions import db
from himcrm.models import Attachment, Department, Reply, ReplyStatus, ReplyTemplate, Ticket, User
from himcrm.tickets import attachments, inbox_queries, replies
from himcrm.web.access import APPROVERS, DEPARTMENT

_CLEAR_KEY = "inbox_clear_drafts"


@dataclass(slots=True)
class Panel:
    can_act: bool
    can_take: bool = False
    is_approver: bool = False
    colleagues: list[User] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)
    templates: list[ReplyTemplate] = field(default_factory=list)
    versions: list[Reply] = field(default_factory=list)
    reply_editable: bool = False
    draft_body: str = ""
    needs_approval: bool = True
    attachments: list[Attachment] = field(default_factory=list)
    can_upload: bool = False
    clear_drafts: list[str] = field(default_factory=list)

    @property
    def latest(self) -> Reply | None:
        return self.versions[0] if self.versions else None

    @property
    def submitted(self) -> Reply | None:
        latest = self.latest
        return latest if latest is not None and latest.status == ReplyStatus.SUBMITTED else None


def build_panel(ticket: Ticket) -> Panel:
    session = db.session()
    user = current_user
    panel = Panel(
        can_act=user.role in DEPARTMENT,
        is_approver=user.role in APPROVERS,
        versions=replies.versions(session, ticket),
        attachments=attachments.list_for(session, ticket),
        needs_approval=replies.needs_approval(ticket),
        clear_drafts=pop_clear_drafts(),
    )
    if not panel.can_act:
        return panel
    panel.can_take = ticket.is_open and (
        user.department_id == ticket.department_id and ticket.assignee_id != user.id
    )
    panel.colleagues = inbox_queries.colleagues(session, ticket.department_id)
    panel.departments = inbox_queries.transfer_targets(session, ticket)
    latest = panel.latest
    panel.reply_editable = ticket.status in replies.DRAFTABLE
    if panel.reply_editable:
        panel.templates = replies.templates_for(session, ticket)
        if latest is not None and latest.status in {ReplyStatus.DRAFT, ReplyStatus.RETURNED}:
            panel.draft_body = latest.body
    panel.can_upload = ticket.is_open and len(panel.attachments) < attachments.MAX_PER_TICKET
    return panel


def inject() -> dict[str, object]:
    return {"inbox_panel": build_panel}


def clear_draft_later(key: str) -> None:
    """Ask the next page to forget the browser's saved copy of a form (it was saved)."""
    keys = list(http_session.get(_CLEAR_KEY, []))
    if key not in keys:
        keys.append(key)
    http_session[_CLEAR_KEY] = keys[-10:]


def pop_clear_drafts() -> list[str]:
    return list(http_session.pop(_CLEAR_KEY, []))
