"""The ticket page: details, SLA badges, the timeline; actions come from other screens."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from himcrm.extensions import db
from himcrm.models import utcnow
from himcrm.privacy.audit import AuditAction, record_access
from himcrm.privacy.masking import may_see_contact
from himcrm.sla.status import sla_badges
from himcrm.tickets.lifecycle import allowed_actions
from himcrm.tickets.queries import get_visible_ticket
from himcrm.web import labels

bp = Blueprint("tickets", __name__, url_prefix="/tickets")


@bp.get("/<number>")
def detail(number: str) -> ResponseReturnValue:
    session = db.session()
    ticket = get_visible_ticket(session, current_user, number)
    show_contact = may_see_contact(current_user)
    if show_contact and ticket.citizen is not None and ticket.citizen.anonymised_at is None:
        # The page shows the citizen's phone and e-mail in full: KVKK access audit.
        record_access(
            session,
            user=current_user._get_current_object(),
            action=AuditAction.VIEW_TICKET,
            subject_type="citizen",
            subject_id=ticket.citizen.id,
            ip=request.remote_addr or "",
            detail={"ticket": ticket.number},
        )
        session.commit()
    return render_template(
        "tickets/detail.html",
        ticket=ticket,
        badges=sla_badges(session, ticket, utcnow()),
        show_contact=show_contact,
        actions=set(allowed_actions(ticket)),
        labels=labels,
    )
