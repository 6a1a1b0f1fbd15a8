"""Admin: the topic-code tree with each leaf's department and SLA."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from himcrm.errors import DomainError
from himcrm.extensions import db
from himcrm.models import Priority, TopicCode
from himcrm.organisation import (
    LEGAL_CEILING_HOURS,
    TopicInput,
    create_topic,
    delete_topic,
    is_group,
    ticket_count,
    topic_tree,
    update_topic,
)
from himcrm.sla.due import SlaUnit
from himcrm.web import labels
from himcrm.web.access import ADMINS, roles_required
from himcrm.web.admin_common import (
    bp,
    checked,
    clear_drafts,
    department_choices,
    form_values,
    get_or_404,
    refused,
    saved,
)

UNIT = {SlaUnit.BUSINESS: _l("iş saati"), SlaUnit.CALENDAR: _l("takvim saati (7/24)")}
FLAGS = ("needs_approval", "requires_location", "is_public", "is_active")


@bp.get("/topics")
@roles_required(*ADMINS)
def topics() -> ResponseReturnValue:
    query = request.args.get("q", "").strip()
    return render_template(
        "admin/topics.html",
        rows=topic_tree(db.session(), query),
        q=query,
        units=UNIT,
        labels=labels,
        clear=clear_drafts(),
    )


def _hours(minutes: int | None) -> str:
    if minutes is None:
        return ""
    hours = minutes / 60
    return f"{hours:g}".replace(".", ",")


def _input() -> TopicInput:
    form = request.form
    return TopicInput(
        code=form.get("code", ""),
        name_tr=form.get("name_tr", ""),
        name_en=form.get("name_en", ""),
        parent_code=form.get("parent", ""),
        is_group=form.get("node") == "group",
        department_code=form.get("department", ""),
        first_response_hours=form.get("first_response_hours", ""),
        resolution_hours=form.get("resolution_hours", ""),
        sla_unit=form.get("sla_unit", ""),
        priority=form.get("priority", ""),
        keywords=form.get("keywords", ""),
        **{flag: checked(flag) for flag in FLAGS},
    )


def _values(topic: TopicCode) -> dict[str, Any]:
    return {
        "code": topic.code,
        "name_tr": topic.name_tr,
        "name_en": topic.name_en,
        "parent": topic.parent.code if topic.parent else "",
        "node": "group" if is_group(topic) else "leaf",
        "department": topic.department.code if topic.department else "",
        "first_response_hours": _hours(topic.first_response_minutes),
        "resolution_hours": _hours(topic.resolution_minutes),
        "sla_unit": topic.sla_unit.value,
        "priority": topic.priority.value,
        "keywords": topic.keywords,
        **{flag: getattr(topic, flag) for flag in FLAGS},
    }


def _context(topic: TopicCode | None) -> dict[str, Any]:
    session = db.session()
    groups = [
        (row.topic.code, "\u2003" * row.depth + f"{row.topic.code} {row.topic.name_tr}")
        for row in topic_tree(session)
        if row.is_group and (topic is None or row.topic.id != topic.id)
    ]
    return {
        "topic": topic,
        "tickets": ticket_count(session, topic) if topic is not None else 0,
        "groups": groups,
        "departments": department_choices(active_only=True),
        "units": [(u.value, label) for u, label in UNIT.items()],
        "priorities": [(p.value, labels.PRIORITY[p]) for p in Priority],
        "ceiling": {u.value: int(h) for u, h in LEGAL_CEILING_HOURS.items()},
    }


@bp.route("/topics/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def topic_new() -> ResponseReturnValue:
    if request.method == "POST":
        try:
            created = create_topic(db.session(), _input())
        except DomainError as error:
            return refused("admin/topic_form.html", error, form_values(), lambda: _context(None))
        db.session.commit()
        flash(_l("Konu eklendi: %(code)s", code=created.code), "success")
        return saved("admin.topics", "admin-topic-new", q=created.code)
    parent = request.args.get("parent", "").strip().upper()
    values: dict[str, Any] = {
        "parent": parent,
        "code": f"{parent}." if parent else "",
        "node": "leaf",
        "sla_unit": SlaUnit.BUSINESS.value,
        "priority": Priority.NORMAL.value,
        "needs_approval": True,
        "is_public": True,
        "is_active": True,
    }
    return render_template("admin/topic_form.html", values=values, errors={}, **_context(None))


@bp.route("/topics/<int:topic_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def topic_edit(topic_id: int) -> ResponseReturnValue:
    topic = get_or_404(TopicCode, topic_id)
    if request.method == "POST":
        try:
            update_topic(db.session(), topic, _input())
        except DomainError as error:
            return refused(
                "admin/topic_form.html",
                error,
                form_values(),
                lambda: _context(get_or_404(TopicCode, topic_id)),
            )
        db.session.commit()
        flash(_l("Konu kaydedildi: %(code)s", code=topic.code), "success")
        return saved("admin.topics", f"admin-topic-{topic_id}", q=topic.code)
    return render_template(
        "admin/topic_form.html", values=_values(topic), errors={}, **_context(topic)
    )


@bp.post("/topics/<int:topic_id>/delete")
@roles_required(*ADMINS)
def topic_delete(topic_id: int) -> ResponseReturnValue:
    topic = get_or_404(TopicCode, topic_id)
    code = topic.code
    try:
        delete_topic(db.session(), topic)
    except DomainError as error:
        db.session.rollback()
        fresh = get_or_404(TopicCode, topic_id)
        html = render_template(
            "admin/topic_form.html",
            values=_values(fresh),
            errors={"delete": str(error.message)},
            **_context(fresh),
        )
        return html, error.status_code
    db.session.commit()
    flash(_l("Konu silindi: %(code)s", code=code), "success")
    return redirect(url_for("admin.topics"))


def topic_codes() -> list[str]:
    """Every topic code, for the routing screen's suggestions."""
    return list(db.session().scalars(sa.select(TopicCode.code).order_by(TopicCode.code)))
