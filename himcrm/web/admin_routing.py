"""Admin: routing rules, and the "test routing" box."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from himcrm.errors import DomainError
from himcrm.extensions import db
from himcrm.models import RoutingRule
from himcrm.organisation import (
    RouteTrial,
    RuleInput,
    create_rule,
    delete_rule,
    list_rules,
    set_rule_active,
    try_route,
)
from himcrm.web import field_error
from himcrm.web.access import ADMINS, roles_required
from himcrm.web.admin_common import (
    bp,
    clear_drafts,
    department_choices,
    district_choices,
    form_values,
    get_or_404,
    saved,
)
from himcrm.web.admin_topics import topic_codes


def _page(
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    trial: RouteTrial | None = None,
    test_values: dict[str, str] | None = None,
    test_errors: dict[str, str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    html = render_template(
        "admin/routing.html",
        rules=list_rules(db.session()),
        topics=topic_codes(),
        districts=district_choices(),
        departments=department_choices(active_only=True),
        values=values or {},
        errors=errors or {},
        trial=trial,
        test_values=test_values or {},
        test_errors=test_errors or {},
        clear=clear_drafts(),
    )
    return html, status


@bp.get("/routing")
@roles_required(*ADMINS)
def routing() -> ResponseReturnValue:
    """The rules; with ``test_topic`` in the query, also where such a ticket would go."""
    test_values = {
        "test_topic": request.args.get("test_topic", ""),
        "test_district": request.args.get("test_district", ""),
    }
    if not test_values["test_topic"] and "test_topic" not in request.args:
        return _page()
    try:
        trial = try_route(db.session(), test_values["test_topic"], test_values["test_district"])
    except DomainError as error:
        wrong = field_error(error)
        field, message = next(iter(wrong.items()))
        test_errors = {"test_district" if field == "district" else "test_topic": message}
        return _page(test_values=test_values, test_errors=test_errors, status=error.status_code)
    return _page(trial=trial, test_values=test_values)


@bp.post("/routing")
@roles_required(*ADMINS)
def routing_create() -> ResponseReturnValue:
    form = request.form
    try:
        rule = create_rule(
            db.session(),
            RuleInput(
                topic_code=form.get("topic_code", ""),
                district_code=form.get("district", ""),
                department_code=form.get("department", ""),
                note=form.get("note", ""),
            ),
        )
    except DomainError as error:
        db.session.rollback()
        return _page(values=form_values(), errors=field_error(error), status=error.status_code)
    db.session.commit()
    flash(
        _l(
            "Kural eklendi: %(topic)s → %(department)s",
            topic=rule.topic_code.code,
            department=rule.department.name,
        ),
        "success",
    )
    return saved("admin.routing", "admin-routing-new")


@bp.post("/routing/<int:rule_id>/active")
@roles_required(*ADMINS)
def routing_toggle(rule_id: int) -> ResponseReturnValue:
    rule = get_or_404(RoutingRule, rule_id)
    try:
        set_rule_active(db.session(), rule, request.form.get("active") == "1")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.routing"))
    db.session.commit()
    return redirect(url_for("admin.routing", _anchor=f"rule-{rule_id}"))


@bp.post("/routing/<int:rule_id>/delete")
@roles_required(*ADMINS)
def routing_delete(rule_id: int) -> ResponseReturnValue:
    delete_rule(db.session(), get_or_404(RoutingRule, rule_id))
    db.session.commit()
    flash(_l("Kural silindi."), "success")
    return redirect(url_for("admin.routing"))
