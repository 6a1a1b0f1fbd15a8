"""The staff web interface: blueprints, the access gate, template helpers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user

from himcrm.citizens.identity import mask_kimlik_no, mask_phone
from himcrm.errors import DomainError
from himcrm.extensions import db, login_manager
from himcrm.models import Role, User
from himcrm.web import access

#: Where each role lands after login (the first endpoint that exists wins).
HOME_BY_ROLE: dict[Role, tuple[str, ...]] = {
    Role.OPERATOR: ("console.new_call",),
    Role.BACK_OFFICE: ("triage.queue", "console.new_call"),
    Role.DEPT_STAFF: ("inbox.index",),
    Role.DEPT_MANAGER: ("approvals.queue", "inbox.index"),
    Role.FIELD_TEAM: ("field.index", "inbox.index"),
    Role.SUPERVISOR: ("reports.dashboard", "search.index"),
    Role.ADMIN: ("admin.index", "search.index"),
}


def init_app(app: Flask) -> None:
    from himcrm.web import auth, home, tickets

    for module in (auth, home, tickets):
        app.register_blueprint(module.bp)
    _register_optional_blueprints(app)

    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.active else None

    app.before_request(_reject_nul_bytes)
    app.before_request(access.enforce_login)
    app.before_request(_start_embedded_scheduler(app))

    @app.errorhandler(403)
    def forbidden(_error: Exception) -> ResponseReturnValue:
        return _error_page(403)

    @app.errorhandler(404)
    def not_found(_error: Exception) -> ResponseReturnValue:
        return _error_page(404)

    @app.errorhandler(429)
    def too_many(_error: Exception) -> ResponseReturnValue:
        return _error_page(429)

    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.filters["mask_kimlik"] = mask_kimlik_no
    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions
    app.jinja_env.globals["get_locale"] = get_locale

    @app.context_processor
    def inject() -> dict[str, object]:
        return {"Role": Role, "current_user": current_user}


def _reject_nul_bytes() -> None:
    """A NUL byte in the URL is never something a person typed.

    PostgreSQL refuses it in any text value; refuse it up front as a 400, which
    each blueprint answers in its own format (page, API JSON, Open311 error
    list). Form fields are the services' to check, naming the field; one that
    slips through is a DataError, answered 400 by the app (himcrm/__init__.py).
    """
    values = [v for _, v in request.args.items(multi=True)]
    values += (request.view_args or {}).values()
    if any("\x00" in str(value) for value in values):
        abort(400, description="NUL byte in the URL")


def _start_embedded_scheduler(app: Flask) -> Callable[[], None]:
    """The embedded default has no worker process: the web process runs the ticker.

    Started on the first request (not at import, so ``flask db upgrade`` and the
    tests start nothing); with Redis, workers schedule and this does nothing.
    """
    from himcrm.jobs_runtime import InProcessRunner, SlotClaims, run_ticker

    started = False

    def hook() -> None:
        nonlocal started
        if started:
            return
        started = True
        runner = app.extensions.get("himcrm_runner")
        if isinstance(runner, InProcessRunner) and not app.testing:
            run_ticker(runner, SlotClaims())

    return hook


#: Citizen pages, Open311 GeoReport v2 and the REST API: no login (each proves itself).
PUBLIC_SCREENS = ("public", "open311", "api", "phone", "social")
STAFF_SCREENS = (
    "calls",
    "privacy",
    "console",
    "search",
    "triage",
    "inbox",
    "approvals",
    "admin",
    "reports",
    "field",
)


def _register_optional_blueprints(app: Flask) -> None:
    """Blueprints of the staff screens, each in its own module."""
    import importlib

    for name in (*STAFF_SCREENS, *PUBLIC_SCREENS, "outbox", "webhooks"):
        try:
            module = importlib.import_module(f"himcrm.web.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"himcrm.web.{name}":
                raise
            continue
        app.register_blueprint(module.bp)


def _error_page(status: int) -> ResponseReturnValue:
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return {"error": status}, status
    return render_template("errors/error.html", status=status), status


def localtime(value: datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    if value is None:
        return ""
    from flask import current_app

    tz = ZoneInfo(current_app.config["HIMCRM_SETTINGS"].timezone)
    return value.astimezone(tz).strftime(fmt)


def field_error(error: DomainError) -> dict[str, str]:
    """A domain error as the ``errors`` mapping forms render next to fields."""
    return {error.field or "_form": str(error.message)}


__all__ = ["field_error", "init_app", "localtime"]
