"""KVKK office screens: data-subject requests (export, anonymise), the audited
reveal of a full kimlik no, the access-audit search and the destruction records."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from himcrm.citizens.identity import normalise_phone
from himcrm.errors import DomainError, NotFound, ValidationError
from himcrm.extensions import db
from himcrm.models import Citizen, DestructionRecord, Ticket, User, utcnow
from himcrm.privacy.anonymise import anonymise_on_request
from himcrm.privacy.audit import AuditAction, AuditQuery, check_reason, record_access, search_audit
from himcrm.privacy.subject_access import citizen_dossier, dossier_json, dossier_pdf
from himcrm.reports.period import LOCAL
from himcrm.web import field_error
from himcrm.web.access import ADMINS, BACK_OFFICE, roles_required

bp = Blueprint("privacy", __name__, url_prefix="/privacy")

#: The data-protection office: admins (KVKK contact person's role).
DPO = ADMINS
#: Who may reveal a full kimlik no / phone, with a reason (identity checks on the phone).
REVEALERS = BACK_OFFICE


def _citizen(citizen_id: int) -> Citizen:
    citizen = db.session.get(Citizen, citizen_id)
    if citizen is None:
        raise NotFound(_l("Vatandaş bulunamadı."))
    return citizen


@bp.route("/", methods=["GET", "POST"])
@roles_required(*DPO)
def index() -> ResponseReturnValue:
    """Find the person a request is about: phone, kimlik no or a ticket number.

    POSTed, so a kimlik no or phone never lands in a URL (history, proxy logs).
    """
    term = request.form.get("q", "").strip()[:40]
    found: list[Citizen] = []
    error = ""
    if term:
        try:
            found = _find(term)
        except ValidationError as refused:
            error = str(refused.message)
    return render_template("privacy/index.html", term=term, found=found, error=error)


def _find(term: str) -> list[Citizen]:
    session = db.session()
    if term.isdigit() and len(term) == 11 and not term.startswith("0"):
        return list(session.scalars(sa.select(Citizen).where(Citizen.kimlik_no == term)))
    if "-" in term and term.replace("-", "").isdigit():
        citizen_id = session.scalar(sa.select(Ticket.citizen_id).where(Ticket.number == term))
        return (
            [c for c in [session.get(Citizen, citizen_id)] if c is not None] if citizen_id else []
        )
    phone = normalise_phone(term, field="q")
    return list(session.scalars(sa.select(Citizen).where(Citizen.phone == phone).limit(50)))


@bp.get("/citizens/<int:citizen_id>")
@roles_required(*DPO)
def citizen(citizen_id: int) -> ResponseReturnValue:
    person = _citizen(citizen_id)
    return _page(person, {})


def _page(person: Citizen, errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    session = db.session()
    tickets = session.scalar(
        sa.select(sa.func.count()).select_from(Ticket).where(Ticket.citizen_id == person.id)
    )
    return (
        render_template(
            "privacy/citizen.html",
            person=person,
            tickets=tickets or 0,
            errors=errors,
            reason=request.form.get("reason", ""),
        ),
        status,
    )


@bp.post("/citizens/<int:citizen_id>/export.<fmt>")
@roles_required(*DPO)
def export(citizen_id: int, fmt: str) -> ResponseReturnValue:
    """Everything held on the person, for the person (JSON or PDF); audited with the reason."""
    if fmt not in ("json", "pdf"):
        raise NotFound(_l("Bilinmeyen biçim."))
    person = _citizen(citizen_id)
    session = db.session()
    try:
        reason = check_reason(request.form.get("reason", ""))
    except ValidationError as error:
        return _page(person, field_error(error), 422)
    now = utcnow()
    dossier = citizen_dossier(session, person, now=now)
    settings = current_app.config["HIMCRM_SETTINGS"]
    data = (
        dossier_json(dossier) if fmt == "json" else dossier_pdf(dossier, timezone=settings.timezone)
    )
    record_access(
        session,
        user=current_user._get_current_object(),
        action=AuditAction.DSR_EXPORT,
        subject_type="citizen",
        subject_id=person.id,
        reason=reason,
        ip=request.remote_addr or "",
        detail={"format": fmt},
        now=now,
    )
    session.commit()
    return send_file(
        io.BytesIO(data),
        mimetype="application/json" if fmt == "json" else "application/pdf",
        as_attachment=True,
        download_name=f"kisisel-veri-{person.id}.{fmt}",
        max_age=0,
    )


@bp.post("/citizens/<int:citizen_id>/anonymise")
@roles_required(*DPO)
def anonymise(citizen_id: int) -> ResponseReturnValue:
    person = _citizen(citizen_id)
    session = db.session()
    if not request.form.get("confirm"):
        error = {"confirm": str(_l("Geri alınamaz: onay kutusunu işaretleyin."))}
        return _page(person, error, 422)
    try:
        anonymise_on_request(
            session,
            person,
            actor=current_user._get_current_object(),
            reason=request.form.get("reason", ""),
            now=utcnow(),
            instance_path=current_app.config["HIMCRM_SETTINGS"].instance_path,
            ip=request.remote_addr or "",
        )
    except DomainError as error:
        session.rollback()
        return _page(person, field_error(error), error.status_code)
    session.commit()
    flash(_l("Kişisel veriler anonimleştirildi; başvurular ve istatistikler korundu."), "success")
    return redirect(url_for("privacy.citizen", citizen_id=person.id))


@bp.post("/citizens/<int:citizen_id>/reveal")
@roles_required(*REVEALERS)
def reveal(citizen_id: int) -> ResponseReturnValue:
    """Show the full kimlik no and phone once, for a stated reason (audited).

    JSON for scripts; for the form on the ticket page, a page that is never cached.
    """
    person = _citizen(citizen_id)
    session = db.session()
    wants_json = request.accept_mimetypes.best == "application/json"
    ticket = request.form.get("ticket", "")[:16]
    try:
        reason = check_reason(request.form.get("reason", ""))
    except ValidationError as error:
        if wants_json:
            return error.to_dict(), 422
        flash(error.message, "error")
        return redirect(
            url_for("tickets.detail", number=ticket) if ticket else url_for("home.index")
        )
    record_access(
        session,
        user=current_user._get_current_object(),
        action=AuditAction.REVEAL,
        subject_type="citizen",
        subject_id=person.id,
        reason=reason,
        ip=request.remote_addr or "",
        detail={"ticket": ticket} if ticket else {},
    )
    session.commit()
    values = {"kimlik_no": person.kimlik_no or "", "phone": person.phone or ""}
    if wants_json:
        return values
    return render_template("privacy/revealed.html", person=person, values=values, ticket=ticket)


@bp.get("/audit")
@roles_required(*DPO)
def audit() -> ResponseReturnValue:
    """Search the access audit: by user, action, subject and dates; newest first."""
    args = request.args
    errors: dict[str, str] = {}
    query = AuditQuery()
    try:
        query = _audit_query(args)
    except ValidationError as error:
        errors = field_error(error)
    session = db.session()
    entries = search_audit(session, query) if not errors else []
    users = session.execute(sa.select(User.id, User.username).order_by(User.username)).all()
    return render_template(
        "privacy/audit.html",
        entries=entries,
        users=users,
        actions=[a.value for a in AuditAction],
        args=args,
        errors=errors,
        older_url=_older_url(args, entries[-1].id) if len(entries) == query.limit else None,
    ), (422 if errors else 200)


def _older_url(args: Mapping[str, str], before: int) -> str:
    values: dict[str, Any] = {**args, "before": before}
    return url_for("privacy.audit", **values)


def _day(text: str, field: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(_l("Tarihi YYYY-AA-GG biçiminde girin."), field=field) from None
    return datetime.combine(day, time(0, 0), LOCAL)


def _audit_query(args: Mapping[str, str]) -> AuditQuery:
    def number(name: str) -> int | None:
        value = args.get(name, "").strip()
        if not value:
            return None
        if not value.isdigit():
            raise ValidationError(_l("Geçersiz değer."), field=name)
        return int(value)

    action = args.get("action", "").strip() or None
    if action and action not in {a.value for a in AuditAction}:
        raise ValidationError(_l("Geçersiz değer."), field="action")
    end = _day(args.get("to", ""), "to")
    return AuditQuery(
        user_id=number("user"),
        action=action,
        subject_type=args.get("subject_type", "").strip()[:32] or None,
        subject_id=args.get("subject_id", "").strip()[:64] or None,
        start=_day(args.get("from", ""), "from"),
        end=end + timedelta(days=1) if end else None,
        before_id=number("before"),
    )


@bp.get("/destruction")
@roles_required(*DPO)
def destruction() -> ResponseReturnValue:
    records = db.session.scalars(
        sa.select(DestructionRecord).order_by(DestructionRecord.run_at.desc()).limit(200)
    ).all()
    return render_template("privacy/destruction.html", records=records)
