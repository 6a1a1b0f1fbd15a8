"""HİM-CRM: citizen request and complaint CRM for a metropolitan municipality."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from himcrm.config import Settings
from himcrm.errors import DomainError, ValidationError

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Settings | dict[str, Any] | None = None) -> Flask:
    """Build the application.

    ``config`` may be a :class:`Settings`, a dict of overrides applied to the
    environment's settings (handy in tests), or None for the environment alone.
    """
    if isinstance(config, Settings):
        settings = config
    else:
        settings = Settings.from_env()
        if config:
            settings = settings.with_overrides(**config)

    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder=str(ROOT / "templates"),
    )
    app.config.from_mapping(settings.flask_config())
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind a load balancer: trust exactly this many X-Forwarded-* hops, so
        # request.url (webhook signatures, links) is the public one.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)  # type: ignore[method-assign]
    settings.instance_path.mkdir(parents=True, exist_ok=True)

    from himcrm import db_setup, i18n, logging_setup

    logging_setup.install()
    from himcrm.extensions import babel, csrf, db, limiter, login_manager, migrate

    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.redis_url or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    db.init_app(app)
    db_setup.configure_engine_events(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    from himcrm import jobs_runtime

    jobs_runtime.init_app(app, settings)

    from himcrm.cli import register_cli

    register_cli(app)

    from himcrm import web
    from himcrm.web import security_headers

    web.init_app(app)
    security_headers.init_app(app, settings)

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError) -> ResponseReturnValue:
        """Domain errors that a view did not turn into a form message."""
        from himcrm.extensions import db

        db.session.rollback()  # nothing half-written
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return jsonify(error.to_dict()), error.status_code
        return (
            render_template("errors/error.html", status=error.status_code, message=error.message),
            error.status_code,
        )

    from sqlalchemy.orm.exc import StaleDataError

    @app.errorhandler(StaleDataError)
    def _stale(_error: StaleDataError) -> ResponseReturnValue:
        """A lost optimistic-lock race surfacing in an autoflush: the same 409 as
        :class:`ConcurrentUpdate`, never a 500."""
        from himcrm.errors import ConcurrentUpdate

        message = _l("Başvuru bu arada başka biri tarafından değiştirildi; sayfayı yenileyin.")
        return _domain_error(ConcurrentUpdate(message))

    from sqlalchemy.exc import DataError, DBAPIError, OperationalError

    @app.errorhandler(DBAPIError)
    def _database_error(error: DBAPIError) -> ResponseReturnValue:
        """The database is down, restarting or locked: a clear, retryable 503.

        Any other database error is a bug and stays a 500 (logged by Flask).
        """
        from himcrm.extensions import db

        with contextlib.suppress(DBAPIError):  # the connection is gone; the pool replaces it
            db.session.rollback()
        if isinstance(error, DataError):
            # A value the column cannot hold (a NUL byte, a number out of range):
            # bad input that no check named, still not a server error.
            logging.getLogger(__name__).warning(
                "refused value on %s (%s)", request.endpoint, type(error.orig).__name__
            )
            return _domain_error(ValidationError(_l("Geçersiz karakter veya değer.")))
        if not (isinstance(error, OperationalError) or error.connection_invalidated):
            raise error
        logging.getLogger(__name__).warning(
            "database unavailable on %s (%s)", request.endpoint, type(error.orig).__name__
        )
        headers = {"Retry-After": "5"}
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            body = {
                "error": "unavailable",
                "message": str(
                    _l("Hizmet geçici olarak kullanılamıyor; biraz sonra yeniden deneyin.")
                ),
            }
            return jsonify(body), 503, headers
        message = _l("Hizmet geçici olarak kullanılamıyor; biraz sonra yeniden deneyin.")
        return render_template("errors/unavailable.html", message=message), 503, headers

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        return {"status": "ok"}

    logging.getLogger(__name__).debug("HİM-CRM app created (postgres=%s)", settings.is_postgres)
    return app
