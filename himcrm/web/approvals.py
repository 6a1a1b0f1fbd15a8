"""The manager's approval queue: submitted replies, oldest first; approve or return.

Replies are reached only through tickets the manager may see (their department
subtree): another department's reply answers 404, exactly like a missing one.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from himcrm.errors import DomainError
from himcrm.extensions import db
from himcrm.models import Reply, utcnow
from himcrm.privacy.masking import may_see_contact
from himcrm.tickets import inbox_queries, replies
from himcrm.tickets.lifecycle import Actor
from himcrm.web import labels
from himcrm.web.access import APPROVERS, roles_required
from himcrm.web.inbox_panel import clear_draft_later, pop_clear_drafts

bp = Blueprint("approvals", __name__, url_prefix="/approvals")

#: Work waiting this long in approval is flagged (DESIGN.md §1: the 3-day SMS).
LONG_WAIT = timedelta(days=3)


def waited_text(waited: timedelta) -> str:
    """How long a reply has waited, in days/hours/minutes."""
    minutes = max(0, int(waited.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return str(_l("%(d)s gün %(h)s sa", d=days, h=hours))
    if hours:
        return str(_l("%(h)s sa %(m)s dk", h=hours, m=minutes))
    return str(_l("%(m)s dk", m=minutes))


@bp.get("/")
@roles_required(*APPROVERS)
def queue() -> ResponseReturnValue:
    waiting = inbox_queries.approval_queue(db.session(), current_user, now=utcnow())
    return render_template(
        "approvals/queue.html",
        waiting=waiting,
        waited_text=waited_text,
        long_wait=LONG_WAIT,
        clear_drafts=pop_clear_drafts(),
    )


def _render_review(reply: Reply, errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    session = db.session()
    ticket = reply.ticket
    return (
        render_template(
            "approvals/review.html",
            reply=reply,
            ticket=ticket,
            versions=replies.versions(session, ticket),
            show_contact=may_see_contact(current_user),
            labels=labels,
            errors=errors,
            form=request.form,
        ),
        status,
    )


@bp.get("/<int:reply_id>")
@roles_required(*APPROVERS)
def review(reply_id: int) -> ResponseReturnValue:
    reply = replies.get_visible_reply(db.session(), current_user, reply_id)
    return _render_review(reply, {})


@bp.post("/<int:reply_id>/approve")
@roles_required(*APPROVERS)
def approve(reply_id: int) -> ResponseReturnValue:
    session = db.session()
    reply = replies.get_visible_reply(session, current_user, reply_id)
    number = reply.ticket.number
    try:
        replies.approve(
            session, reply, Actor(user=current_user._get_current_object()), now=utcnow()
        )
    except DomainError as error:
        session.rollback()
        reply = replies.get_visible_reply(db.session(), current_user, reply_id)
        return _render_review(reply, {"_form": str(error.message)}, error.status_code)
    db.session.commit()
    flash(
        str(_l("%(number)s numaralı başvurunun yanıtı onaylandı ve gönderildi.", number=number)),
        "success",
    )
    return redirect(url_for("approvals.queue"))


@bp.post("/<int:reply_id>/return")
@roles_required(*APPROVERS)
def return_reply(reply_id: int) -> ResponseReturnValue:
    session = db.session()
    reply = replies.get_visible_reply(session, current_user, reply_id)
    number = reply.ticket.number
    try:
        replies.return_reply(
            session,
            reply,
            Actor(user=current_user._get_current_object()),
            reason=request.form.get("reason", ""),
            now=utcnow(),
        )
    except DomainError as error:
        session.rollback()
        reply = replies.get_visible_reply(db.session(), current_user, reply_id)
        field = "reason" if error.field == "reason" else "_form"
        return _render_review(reply, {field: str(error.message)}, error.status_code)
    db.session.commit()
    clear_draft_later(f"approval-return-{reply_id}")
    flash(str(_l("%(number)s numaralı başvurunun yanıtı iade edildi.", number=number)), "success")
    return redirect(url_for("approvals.queue"))
