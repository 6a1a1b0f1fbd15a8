"""Login, logout and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from himcrm.extensions import db, limiter
from himcrm.i18n import SUPPORTED_LOCALES
from himcrm.models import utcnow
from himcrm.users import LoginFailed, authenticate
from himcrm.web.access import end_session, start_session

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only local paths: ``next`` must not become an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("home.index"))
    errors: dict[str, str] = {}
    username = request.form.get("username", "")
    if request.method == "POST":
        try:
            user = authenticate(
                db.session(), username, request.form.get("password", ""), now=utcnow()
            )
        except LoginFailed as error:
            db.session.commit()  # keep the failure count
            errors[error.field or "password"] = str(error.message)
        else:
            db.session.commit()
            start_session(user, utcnow())
            return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
    status = 401 if errors else 200
    return render_template("auth/login.html", errors=errors, username=username), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    end_session()
    flash(_l("Çıkış yapıldı."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/locale/<code>")
def set_locale(code: str) -> ResponseReturnValue:
    if code in SUPPORTED_LOCALES:
        session["locale"] = code
    return redirect(_safe_next(request.form.get("next")) or url_for("home.index"))
