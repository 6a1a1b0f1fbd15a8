"""Login (password, then the two-factor code where it is on), logout, the account
page with two-factor enrolment, and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from himcrm.auth_totp import (
    RECOVERY_CODE_COUNT,
    begin_enrolment,
    complete_login,
    confirm_enrolment,
    remaining_recovery_codes,
    totp_required,
)
from himcrm.errors import ValidationError
from himcrm.extensions import db, limiter
from himcrm.i18n import SUPPORTED_LOCALES
from himcrm.models import User, utcnow
from himcrm.users import LoginFailed, authenticate
from himcrm.web.access import (
    end_second_step,
    end_session,
    second_step,
    start_second_step,
    start_session,
)

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
            next_url = _safe_next(request.args.get("next"))
            if user.totp_enabled:
                start_second_step(user, utcnow(), next_url)
                return redirect(url_for("auth.login_code"))
            start_session(user, utcnow())
            if totp_required(user):
                return redirect(url_for("auth.totp_setup"))
            return redirect(next_url or url_for("home.index"))
    status = 401 if errors else 200
    return render_template("auth/login.html", errors=errors, username=username), status


def _app_secret() -> str:
    return str(current_app.config["SECRET_KEY"])


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login_code() -> ResponseReturnValue:
    """The second step: a code from the authenticator app or a recovery code."""
    pending = second_step(utcnow())
    user = db.session.get(User, pending[0]) if pending else None
    if pending is None or user is None or not user.totp_enabled:
        end_second_step()
        flash(_l("Doğrulama süresi doldu; lütfen yeniden giriş yapın."), "warning")
        return redirect(url_for("auth.login"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        now = utcnow()
        try:
            complete_login(
                db.session(), user, request.form.get("code", ""), app_secret=_app_secret(), now=now
            )
        except LoginFailed as error:
            db.session.commit()  # keep the failure count
            if error.field != "code":  # locked or deactivated: start again from the password
                end_second_step()
                flash(str(error.message), "error")
                return redirect(url_for("auth.login"))
            errors["code"] = str(error.message)
        else:
            db.session.commit()
            start_session(user, now, two_factor=True)
            return redirect(pending[1] or url_for("home.index"))
    status = 401 if errors else 200
    return render_template("auth/login_code.html", errors=errors), status


@bp.get("/account")
def account() -> ResponseReturnValue:
    user = current_user._get_current_object()
    remaining = remaining_recovery_codes(db.session(), user) if user.totp_enabled else 0
    return render_template("auth/account.html", required=totp_required(user), remaining=remaining)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def totp_setup() -> ResponseReturnValue:
    """Enrolment: scan the QR code (or type the key), confirm with a first code."""
    user = current_user._get_current_object()
    if user.totp_enabled:
        flash(_l("İki adımlı doğrulama zaten açık."), "info")
        return redirect(url_for("auth.account"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            codes = confirm_enrolment(
                db.session(),
                user,
                request.form.get("code", ""),
                app_secret=_app_secret(),
                now=utcnow(),
            )
        except ValidationError as error:
            db.session.rollback()
            user = current_user._get_current_object()
            errors["code"] = str(error.message)
        else:
            db.session.commit()
            session["two_factor"] = True
            # Shown in this response only: never stored in clear, never shown again.
            return render_template("auth/recovery_codes.html", codes=codes)
    enrolment = begin_enrolment(db.session(), user, app_secret=_app_secret())
    db.session.commit()
    return render_template(
        "auth/totp_setup.html",
        enrolment=enrolment,
        errors=errors,
        required=totp_required(user),
        count=RECOVERY_CODE_COUNT,
    ), (422 if errors else 200)


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
