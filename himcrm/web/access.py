"""Deny by default: every endpoint needs a logged-in user unless listed here.

One ``before_request`` enforces login and the session timeouts; views then
declare the roles that may use them with :func:`roles_required`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import abort, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from himcrm.auth_totp import totp_required
from himcrm.models import Role, User, utcnow

#: Endpoints anyone may reach without logging in. Everything else is closed.
PUBLIC_ENDPOINTS = frozenset(
    {"auth.login", "auth.login_code", "auth.set_locale", "static", "healthz"}
)
#: Blueprints whose endpoints are public by design (citizen pages, webhooks, Open311).
#: ``api`` authenticates every call with a client key in its own before_request.
PUBLIC_BLUEPRINTS: frozenset[str] = frozenset(
    {"webhooks", "public", "open311", "api", "phone", "social"}
)

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
#: Between the password and the two-factor code: not logged in, and not for long.
SECOND_STEP_TIMEOUT = timedelta(minutes=5)
#: What an admin or supervisor who has not enrolled yet may reach (public ones aside).
ENROLMENT_ENDPOINTS = frozenset({"auth.totp_setup", "auth.logout"})

F = TypeVar("F", bound=Callable[..., Any])


def _is_public(endpoint: str | None) -> bool:
    if endpoint is None:
        return True  # 404s: let Flask answer them
    blueprint = endpoint.rpartition(".")[0]
    return endpoint in PUBLIC_ENDPOINTS or blueprint in PUBLIC_BLUEPRINTS


def start_session(user: User, now: datetime, *, two_factor: bool = False) -> None:
    """Log in with a brand-new session: nothing of the anonymous one survives.

    ``two_factor`` records that the login passed the second factor; a user with
    two-factor login on whose session lacks it is logged out by the gate.
    """
    locale = session.get("locale")
    session.clear()
    login_user(user, remember=False, fresh=True)
    session["sid"] = secrets.token_urlsafe(16)  # a new cookie value at every login
    session["login_at"] = now.timestamp()
    session["seen_at"] = now.timestamp()
    session["two_factor"] = two_factor
    if locale:
        session["locale"] = locale
    session.permanent = False


def start_second_step(user: User, now: datetime, next_url: str | None) -> None:
    """The password was right: wait for the code without logging anybody in."""
    end_session()
    session["second_step"] = {"user_id": user.id, "at": now.timestamp(), "next": next_url}
    session.permanent = False


def second_step(now: datetime) -> tuple[int, str | None] | None:
    """The user id and ``next`` of a half-finished login, unless expired (then cleared)."""
    state = session.get("second_step")
    if not isinstance(state, dict):
        return None
    if now.timestamp() - float(state.get("at", 0)) > SECOND_STEP_TIMEOUT.total_seconds():
        session.pop("second_step", None)
        return None
    return int(state["user_id"]), state.get("next")


def end_second_step() -> None:
    session.pop("second_step", None)


def end_session() -> None:
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale


def enforce_login() -> ResponseReturnValue | None:
    """``before_request``: the one gate in front of every non-public endpoint."""
    if _is_public(request.endpoint):
        return None
    if not current_user.is_authenticated:
        return _to_login()
    now = utcnow().timestamp()
    login_at = session.get("login_at", 0)
    seen_at = session.get("seen_at", 0)
    if (
        now - login_at > ABSOLUTE_TIMEOUT.total_seconds()
        or now - seen_at > IDLE_TIMEOUT.total_seconds()
    ):
        end_session()
        flash(_l("Oturumunuz zaman aşımına uğradı; lütfen yeniden giriş yapın."), "warning")
        return _to_login()
    session["seen_at"] = now
    return _two_factor_gate()


def _two_factor_gate() -> ResponseReturnValue | None:
    """Two-factor users must have passed it; admins and supervisors must enrol first."""
    user = current_user
    if user.totp_enabled and not session.get("two_factor"):
        end_session()
        return _to_login()
    if totp_required(user) and not user.totp_enabled:
        if request.endpoint in ENROLMENT_ENDPOINTS:
            return None
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            message = str(_l("Önce iki adımlı doğrulamayı kurmalısınız."))
            return {"error": "two_factor_required", "message": message}, 403
        return redirect(url_for("auth.totp_setup"))
    return None


def _to_login() -> ResponseReturnValue:
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return {"error": "unauthorized", "message": str(_l("Giriş yapmalısınız."))}, 401
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Allow a view only to the given roles (403 for the rest)."""
    allowed = frozenset(roles)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return _to_login()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


STAFF = tuple(Role)
CALL_CENTRE = (Role.OPERATOR, Role.BACK_OFFICE, Role.SUPERVISOR, Role.ADMIN)
BACK_OFFICE = (Role.BACK_OFFICE, Role.SUPERVISOR, Role.ADMIN)
DEPARTMENT = (Role.DEPT_STAFF, Role.DEPT_MANAGER, Role.FIELD_TEAM, Role.SUPERVISOR, Role.ADMIN)
APPROVERS = (Role.DEPT_MANAGER, Role.SUPERVISOR, Role.ADMIN)
ADMINS = (Role.ADMIN,)
