"""Back-office triage: the queue of unrouted tickets, and routing, merging and
forwarding a ticket (from the queue, the triage page or the ticket page)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from himcrm.errors import DomainError
from himcrm.extensions import db
from himcrm.models import Department, District, Ticket, TopicCode, utcnow
from himcrm.tickets.lifecycle import Actor, allowed_actions
from himcrm.tickets.queries import get_visible_ticket
from himcrm.tickets.triage import (
    RoutePlan,
    forward_out_of_scope,
    merge_duplicate,
    plan_route,
    reopened_ids,
    triage_queue,
    triage_ticket,
)
from himcrm.web import field_error, labels
from himcrm.web.access import BACK_OFFICE, roles_required

bp = Blueprint("triage", __name__, url_prefix="/triage")

#: Fields of each form on the triage page; an error on any other field goes on top.
FORM_FIELDS = {
    "route": ("topic_code", "district_code", "department", "override_reason"),
    "merge": ("merged_into",),
    "out_of_scope": ("institution", "reason"),
}

#: Where an out-of-scope matter usually goes (suggestions; free text is allowed).
INSTITUTIONS = (
    "Karayolları 2. Bölge Müdürlüğü",
    "Gediz Elektrik Dağıtım A.Ş. (TEDAŞ)",
    "İzmirgaz",
    "Devlet Su İşleri (DSİ) 2. Bölge Müdürlüğü",
    "İzmir Valiliği",
    "İl Sağlık Müdürlüğü",
    "İl Emniyet Müdürlüğü",
    "İl Jandarma Komutanlığı",
    "Türk Telekom",
    "TCDD / İZBAN",
)


def age_text(age: timedelta) -> str:
    """How long a ticket has waited, short: "45 dk", "5 sa", "3 gün"."""
    minutes = max(int(age.total_seconds() // 60), 0)
    if minutes < 60:
        return str(_l("%(n)s dk", n=minutes))
    if minutes < 48 * 60:
        return str(_l("%(n)s sa", n=minutes // 60))
    return str(_l("%(n)s gün", n=minutes // (24 * 60)))


def _topic_search_url() -> str | None:
    """The operator console's topic search, if that screen is installed."""
    if "console.topics" in current_app.view_functions:
        return url_for("console.topics")
    return None


def triage_choices() -> dict[str, Any]:
    """Lists the triage forms offer; computed once per request, on first use."""
    if "triage_choices" not in g:
        session = db.session()
        parents = sa.select(TopicCode.parent_id).where(TopicCode.parent_id.is_not(None))
        leaves = session.execute(
            sa.select(TopicCode.code, TopicCode.name_tr)
            .where(TopicCode.is_active.is_(True), TopicCode.id.not_in(parents))
            .order_by(TopicCode.code)
        ).all()
        g.triage_choices = {
            "topics": leaves,
            "districts": session.execute(
                sa.select(District.code, District.name).order_by(District.name)
            ).all(),
            "departments": session.execute(
                sa.select(Department.code, Department.name)
                .where(Department.is_active.is_(True))
                .order_by(Department.name)
            ).all(),
            "institutions": INSTITUTIONS,
            "topic_search_url": _topic_search_url(),
        }
    return dict(g.triage_choices)


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    # templates/triage/_ticket_actions.html is included by the ticket page, whose
    # view does not know about triage: give it a way to fetch its lists.
    return {"triage_choices": triage_choices}


def _actor() -> Actor:
    return Actor(user=current_user._get_current_object())


@bp.get("/")
@roles_required(*BACK_OFFICE)
def queue() -> ResponseReturnValue:
    session = db.session()
    tickets, total = triage_queue(session, current_user)
    now = utcnow()
    return render_template(
        "triage/queue.html",
        tickets=tickets,
        total=total,
        reopened=reopened_ids(session, [t.id for t in tickets]),
        ages={t.id: age_text(now - t.created_at) for t in tickets},
        labels=labels,
    )


@bp.get("/<number>")
@roles_required(*BACK_OFFICE)
def ticket(number: str) -> ResponseReturnValue:
    found = get_visible_ticket(db.session(), current_user, number)
    return _workspace(found)


@bp.get("/<number>/preview")
@roles_required(*BACK_OFFICE)
def preview(number: str) -> ResponseReturnValue:
    """JSON: the department a topic (and district) would route this ticket to."""
    session = db.session()
    found = get_visible_ticket(session, current_user, number)
    try:
        plan = plan_route(
            session,
            found,
            request.args.get("topic_code", ""),
            district_code=request.args.get("district_code") or None,
        )
    except DomainError as error:
        return jsonify(error.to_dict()), error.status_code
    return jsonify(
        {
            "topic": {"code": plan.topic.code, "name": plan.topic.name_tr},
            "department": {"code": plan.resolved.code, "name": plan.resolved.name},
            "district": plan.district.name if plan.district else None,
        }
    )


@bp.post("/<number>/route")
@roles_required(*BACK_OFFICE)
def route(number: str) -> ResponseReturnValue:
    session = db.session()
    found = get_visible_ticket(session, current_user, number)
    values = _values("route")
    district_code = values["district_code"] or None
    department_code = values["department"] or None
    try:
        if request.form.get("action") == "preview":  # the no-JS "which department?" button
            plan = plan_route(
                session,
                found,
                values["topic_code"],
                district_code=district_code,
                department_code=department_code,
                override_reason=values["override_reason"],
            )
            return _workspace(found, form="route", values=values, plan=plan)
        plan = triage_ticket(
            session,
            found,
            values["topic_code"],
            _actor(),
            district_code=district_code,
            department_code=department_code,
            override_reason=values["override_reason"],
        )
    except DomainError as error:
        return _refused(number, "route", values, error)
    db.session.commit()
    flash(
        _l(
            "%(number)s numaralı başvuru yönlendirildi: %(department)s",
            number=number,
            department=plan.target.name,
        ),
        "success",
    )
    return _next(number)


@bp.post("/<number>/merge")
@roles_required(*BACK_OFFICE)
def merge(number: str) -> ResponseReturnValue:
    session = db.session()
    found = get_visible_ticket(session, current_user, number)
    values = _values("merge")
    try:
        original = merge_duplicate(session, found, values["merged_into"], _actor())
    except DomainError as error:
        return _refused(number, "merge", values, error)
    original_number = original.number
    db.session.commit()
    flash(
        _l(
            "%(number)s, %(original)s numaralı başvuruyla birleştirildi.",
            number=number,
            original=original_number,
        ),
        "success",
    )
    return _next(number)


@bp.post("/<number>/out-of-scope")
@roles_required(*BACK_OFFICE)
def out_of_scope(number: str) -> ResponseReturnValue:
    found = get_visible_ticket(db.session(), current_user, number)
    values = _values("out_of_scope")
    try:
        forward_out_of_scope(
            found, _actor(), reason=values["reason"], institution=values["institution"]
        )
    except DomainError as error:
        return _refused(number, "out_of_scope", values, error)
    db.session.commit()
    flash(_l("%(number)s kapsam dışı olarak kapatıldı.", number=number), "success")
    return _next(number)


def _values(form: str) -> dict[str, str]:
    return {name: request.form.get(name, "") for name in FORM_FIELDS[form]}


def _next(number: str) -> ResponseReturnValue:
    """Back to where the action was started: the queue, or the ticket page."""
    if request.form.get("next") == "queue":
        return redirect(url_for("triage.queue"))
    return redirect(url_for("tickets.detail", number=number))


def _refused(
    number: str, form: str, values: dict[str, str], error: DomainError
) -> ResponseReturnValue:
    """Nothing is kept of a refused action; show the form again with the message."""
    db.session.rollback()
    found = get_visible_ticket(db.session(), current_user, number)
    errors = field_error(error)
    if next(iter(errors)) not in FORM_FIELDS[form]:
        errors = {"_form": next(iter(errors.values()))}
    return _workspace(found, form=form, values=values, errors=errors, status=error.status_code)


def _workspace(
    found: Ticket,
    *,
    form: str = "",
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    plan: RoutePlan | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    session = db.session()
    html = render_template(
        "triage/ticket.html",
        ticket=found,
        actions=set(allowed_actions(found)),
        labels=labels,
        form=form,
        values=values or {},
        errors=errors or {},
        plan=plan,
        reopened=bool(reopened_ids(session, [found.id])),
        next_target=request.form.get("next", "queue") if form else "queue",
    )
    return html, status


# Importing the screen module registers its routes on ``bp``.
from himcrm.web import triage_external  # noqa: E402, F401
