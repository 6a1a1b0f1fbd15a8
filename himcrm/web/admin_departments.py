"""Admin: the department tree."""

from __future__ import annotations

from typing import Any

from flask import flash, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from himcrm.errors import DomainError
from himcrm.extensions import db
from himcrm.models import Department, DepartmentKind
from himcrm.organisation import (
    DepartmentInput,
    create_department,
    department_tree,
    update_department,
)
from himcrm.web.access import ADMINS, roles_required
from himcrm.web.admin_common import (
    bp,
    calendar_choices,
    checked,
    clear_drafts,
    department_choices,
    district_choices,
    form_values,
    get_or_404,
    refused,
    saved,
)

KIND = {
    DepartmentKind.DIRECTORATE: _l("Daire Başkanlığı"),
    DepartmentKind.BRANCH: _l("Şube Müdürlüğü / birim"),
    DepartmentKind.AFFILIATE: _l("Bağlı kuruluş / şirket"),
    DepartmentKind.DISTRICT_MUNICIPALITY: _l("İlçe belediyesi"),
    DepartmentKind.EXTERNAL: _l("Dış kurum"),
}


@bp.get("/departments")
@roles_required(*ADMINS)
def departments() -> ResponseReturnValue:
    return render_template(
        "admin/departments.html",
        rows=department_tree(db.session()),
        kinds=KIND,
        clear=clear_drafts(),
    )


def _input() -> DepartmentInput:
    form = request.form
    return DepartmentInput(
        code=form.get("code", ""),
        name=form.get("name", ""),
        kind=form.get("kind", ""),
        parent_code=form.get("parent", ""),
        calendar_code=form.get("calendar", ""),
        district_code=form.get("district", ""),
        email=form.get("email", ""),
        is_active=checked("is_active"),
    )


def _values(department: Department) -> dict[str, Any]:
    return {
        "code": department.code,
        "name": department.name,
        "kind": department.kind.value,
        "parent": department.parent.code if department.parent else "",
        "calendar": department.calendar.code if department.calendar else "",
        "district": department.district.code if department.district else "",
        "email": department.email or "",
        "is_active": department.is_active,
    }


def _context(department: Department | None) -> dict[str, Any]:
    return {
        "department": department,
        "kinds": [(k.value, label) for k, label in KIND.items()],
        "parents": [
            (code, name)
            for code, name in department_choices()
            if department is None or code != department.code
        ],
        "calendars": calendar_choices(),
        "districts": district_choices(),
    }


@bp.route("/departments/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def department_new() -> ResponseReturnValue:
    if request.method == "POST":
        try:
            created = create_department(db.session(), _input())
        except DomainError as error:
            return refused(
                "admin/department_form.html", error, form_values(), lambda: _context(None)
            )
        db.session.commit()
        flash(_l("Birim eklendi: %(name)s", name=created.name), "success")
        return saved("admin.departments", "admin-department-new")
    values = {"is_active": True, "kind": DepartmentKind.BRANCH.value}
    values["parent"] = request.args.get("parent", "")
    return render_template("admin/department_form.html", values=values, errors={}, **_context(None))


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def department_edit(department_id: int) -> ResponseReturnValue:
    department = get_or_404(Department, department_id)
    if request.method == "POST":
        try:
            update_department(db.session(), department, _input())
        except DomainError as error:
            return refused(
                "admin/department_form.html",
                error,
                form_values(),
                lambda: _context(get_or_404(Department, department_id)),
            )
        db.session.commit()
        flash(_l("Birim kaydedildi: %(name)s", name=department.name), "success")
        return saved("admin.departments", f"admin-department-{department_id}")
    return render_template(
        "admin/department_form.html",
        values=_values(department),
        errors={},
        **_context(department),
    )
