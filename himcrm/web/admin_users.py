"""Admin: staff accounts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from himcrm.auth_totp import reset_totp
from himcrm.errors import DomainError
from himcrm.extensions import db
from himcrm.models import Role, User
from himcrm.users import (
    MIN_PASSWORD_LENGTH,
    UserInput,
    UserUpdate,
    create_user,
    set_password,
    update_user,
)
from himcrm.web import field_error, labels
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


@bp.get("/users")
@roles_required(*ADMINS)
def users() -> ResponseReturnValue:
    rows = db.session().scalars(
        sa.select(User).options(selectinload(User.department)).order_by(User.username)
    )
    return render_template(
        "admin/users.html", users=list(rows), labels=labels, clear=clear_drafts()
    )


def _context(user: User | None) -> dict[str, Any]:
    return {
        "user": user,
        "roles": [(r.value, labels.ROLE[r]) for r in Role],
        "scoped_roles": [r.value for r in Role if r.is_department_scoped],
        "departments": department_choices(),
        "min_password": MIN_PASSWORD_LENGTH,
        "password_errors": {},
    }


def _values(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role.value,
        "department": user.department.code if user.department else "",
        "email": user.email or "",
        "phone": user.phone or "",
        "is_department_head": user.is_department_head,
        "active": user.active,
    }


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def user_new() -> ResponseReturnValue:
    if request.method == "POST":
        form = request.form
        try:
            created = create_user(
                db.session(),
                UserInput(
                    username=form.get("username", ""),
                    full_name=form.get("full_name", ""),
                    role=form.get("role", ""),
                    password=form.get("password", ""),
                    department_code=form.get("department") or None,
                    email=form.get("email") or None,
                    phone=form.get("phone") or None,
                    is_department_head=checked("is_department_head"),
                ),
            )
        except DomainError as error:
            return refused("admin/user_form.html", error, form_values(), lambda: _context(None))
        db.session.commit()
        flash(_l("Kullanıcı eklendi: %(name)s", name=created.username), "success")
        return saved("admin.users", "admin-user-new")
    values = {"active": True, "role": Role.DEPT_STAFF.value}
    return render_template("admin/user_form.html", values=values, errors={}, **_context(None))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def user_edit(user_id: int) -> ResponseReturnValue:
    user = get_or_404(User, user_id)
    if request.method == "POST":
        form = request.form
        try:
            update_user(
                db.session(),
                user,
                UserUpdate(
                    full_name=form.get("full_name", ""),
                    role=form.get("role", ""),
                    department_code=form.get("department") or None,
                    email=form.get("email") or None,
                    phone=form.get("phone") or None,
                    is_department_head=checked("is_department_head"),
                    active=checked("active"),
                ),
                actor=current_user._get_current_object(),
            )
        except DomainError as error:
            values = {**form_values(), "username": user.username}
            return refused(
                "admin/user_form.html",
                error,
                values,
                lambda: _context(get_or_404(User, user_id)),
            )
        db.session.commit()
        flash(_l("Kullanıcı kaydedildi: %(name)s", name=user.username), "success")
        return saved("admin.users", f"admin-user-{user_id}")
    return render_template(
        "admin/user_form.html", values=_values(user), errors={}, **_context(user)
    )


@bp.post("/users/<int:user_id>/password")
@roles_required(*ADMINS)
def user_password(user_id: int) -> ResponseReturnValue:
    user = get_or_404(User, user_id)
    password = request.form.get("password", "")
    problem = None
    if password != request.form.get("password_again", ""):
        problem = {"password_again": str(_l("Parolalar aynı değil."))}
    else:
        try:
            set_password(db.session(), user, password)
        except DomainError as error:
            problem = field_error(error)
    if problem is not None:
        db.session.rollback()
        user = get_or_404(User, user_id)
        context = {**_context(user), "password_errors": problem}
        html = render_template("admin/user_form.html", values=_values(user), errors={}, **context)
        return html, 422
    db.session.commit()
    flash(_l("%(name)s için yeni parola kaydedildi.", name=user.username), "success")
    return saved("admin.users", f"admin-user-{user_id}")


@bp.post("/users/<int:user_id>/two-factor/reset")
@roles_required(*ADMINS)
def user_totp_reset(user_id: int) -> ResponseReturnValue:
    """Turn a user's two-factor login off (lost phone); they enrol again."""
    user = get_or_404(User, user_id)
    try:
        reset_totp(db.session(), user, actor=current_user._get_current_object())
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    db.session.commit()
    flash(_l("%(name)s için iki adımlı doğrulama sıfırlandı.", name=user.username), "success")
    return saved("admin.user_edit", f"admin-user-{user_id}", user_id=user_id)
