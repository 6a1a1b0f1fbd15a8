"""The landing page: each role goes to where its work is."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    from himcrm.web import HOME_BY_ROLE

    for endpoint in HOME_BY_ROLE.get(current_user.role, ()):
        if endpoint in current_app.view_functions:
            return redirect(url_for(endpoint))
    return render_template("home.html")
