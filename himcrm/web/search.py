"""Staff search: one box for a ticket number, a phone number, a name or words."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from himcrm.errors import DomainError
from himcrm.extensions import db
from himcrm.models import utcnow
from himcrm.privacy.masking import may_see_contact
from himcrm.tickets.search import search_tickets
from himcrm.web import field_error, labels
from himcrm.web.access import STAFF, roles_required

bp = Blueprint("search", __name__, url_prefix="/search")


@bp.get("/")
@roles_required(*STAFF)
def index() -> ResponseReturnValue:
    query = request.args.get("q", "")
    page = request.args.get("page", "1")
    session = db.session()
    context = {
        "query": query,
        "labels": labels,
        "show_contact": may_see_contact(current_user),
        "now": utcnow(),
        "errors": {},
        "result": None,
    }
    try:
        context["result"] = search_tickets(
            session,
            current_user,
            query,
            dialect=session.get_bind().dialect.name,
            page=int(page) if page.isdigit() else 1,
        )
    except DomainError as error:
        return render_template("search/index.html", **{**context, "errors": field_error(error)}), (
            error.status_code
        )
    return render_template("search/index.html", **context)
