"""The admin blueprint object and what its screens share.

The routes live in ``admin_*.py`` modules, one per screen, that register on this
blueprint; :mod:`himcrm.web.admin` imports them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from himcrm.errors import DomainError
from himcrm.extensions import db
from himcrm.models import BusinessCalendar, District
from himcrm.organisation import department_tree
from himcrm.web import field_error

bp = Blueprint("admin", __name__, url_prefix="/admin")

_DRAFT_KEY = re.compile(r"^admin-[a-z0-9-]{1,60}$")


def checked(name: str) -> bool:
    """A checkbox of the submitted form."""
    return request.form.get(name) in {"on", "1", "true", "yes"}


def form_values() -> dict[str, Any]:
    """The submitted form as typed, for re-rendering it after an error."""
    return request.form.to_dict()


def refused(
    template: str,
    error: DomainError,
    values: dict[str, Any],
    context: Callable[[], dict[str, Any]],
) -> ResponseReturnValue:
    """Undo everything of a refused write and show the form again with the message.

    ``context`` is called after the rollback, so the page is built from the
    database as it was, not from half-applied changes.
    """
    db.session.rollback()
    html = render_template(template, errors=field_error(error), values=values, **context())
    return html, error.status_code


def saved(endpoint: str, draft_key: str, **values: Any) -> ResponseReturnValue:
    """After a successful save: go on, telling the next page which draft to forget."""
    return redirect(url_for(endpoint, saved=draft_key, **values))


def clear_drafts() -> str:
    key = request.args.get("saved", "")
    return key if _DRAFT_KEY.match(key) else ""


def department_choices(*, active_only: bool = False) -> list[tuple[str, str]]:
    """Departments as (code, indented name) in tree order."""
    return [
        (d.code, "\u2003" * depth + d.name)
        for d, depth in department_tree(db.session())
        if d.is_active or not active_only
    ]


def district_choices() -> list[tuple[str, str]]:
    rows = db.session().execute(sa.select(District.code, District.name).order_by(District.name))
    return [(code, name) for code, name in rows]


def calendar_choices() -> list[tuple[str, str]]:
    rows = db.session().execute(
        sa.select(BusinessCalendar.code, BusinessCalendar.name).order_by(BusinessCalendar.code)
    )
    return [(code, f"{code} · {name}") for code, name in rows]


def get_or_404(model: Any, row_id: int) -> Any:
    row = db.session.get(model, row_id)
    if row is None:
        abort(404)
    return row


__all__ = [
    "bp",
    "calendar_choices",
    "checked",
    "clear_drafts",
    "department_choices",
    "district_choices",
    "form_values",
    "get_or_404",
    "refused",
    "saved",
]
