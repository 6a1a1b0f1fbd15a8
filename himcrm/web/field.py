"""Field-team pages (saha ekibi), mobile first: worklist, ticket, new finding.

Thin views over :mod:`himcrm.channels.field`. Field teams act; supervisors and
admins may look at the worklist and the ticket pages. A domain error rolls back
and re-renders the page with the message next to its field and the typed text
kept (files cannot be kept by a browser: the message asks for them again).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from himcrm.channels import field as service
from himcrm.channels.location import parse_decimal
from himcrm.channels.public_media import MAX_PHOTOS, Upload
from himcrm.channels.web_form import new_submission_id, valid_submission_id
from himcrm.errors import DomainError
from himcrm.extensions import db
from himcrm.models import Role, Ticket, TicketStatus, User
from himcrm.tickets import attachments, replies
from himcrm.tickets.inbox_queries import districts
from himcrm.tickets.queries import get_visible_ticket
from himcrm.web import labels
from himcrm.web.access import roles_required

bp = Blueprint("field", __name__, url_prefix="/field")

LOOK = (Role.FIELD_TEAM, Role.SUPERVISOR, Role.ADMIN)
ACT = (Role.FIELD_TEAM,)
FINDING_FIELDS = (
    "submission_id",
    "topic",
    "district",
    "neighbourhood",
    "address",
    "description",
    "latitude",
    "longitude",
)
#: Service error fields → the form field they are shown next to.
_CLOSE_FIELDS = {"body": "note", "status": "_form"}


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


def _uploads(name: str) -> list[Upload]:
    # An empty file input still sends an empty part without a name.
    return [Upload(f.filename, f.stream) for f in request.files.getlist(name) if f.filename]


def _float_arg(args: Mapping[str, str], name: str) -> float | None:
    return parse_decimal((args.get(name) or "").strip()[:32])


def _english() -> bool:
    return str(get_locale()) == "en"


# --------------------------------------------------------------------------- worklist


@bp.get("/")
@roles_required(*LOOK)
def index() -> ResponseReturnValue:
    lat, lon = _float_arg(request.args, "lat"), _float_arg(request.args, "lon")
    page_arg = (request.args.get("page") or "").strip()
    worklist = service.team_worklist(
        db.session(), _user(), lat, lon, page=int(page_arg) if page_arg.isdigit() else 1
    )
    position = {"lat": f"{lat:.6f}", "lon": f"{lon:.6f}"} if worklist.sorted_by_distance else {}
    return render_template(
        "field/index.html",
        worklist=worklist,
        position=position,
        labels=labels,
        english=_english(),
    )


# --------------------------------------------------------------------------- new finding


@bp.get("/new")
@roles_required(*ACT)
def new_finding() -> ResponseReturnValue:
    values = {name: "" for name in FINDING_FIELDS}
    values["submission_id"] = new_submission_id()
    return _render_finding(values, {})


@bp.post("/new")
@roles_required(*ACT)
def create_finding() -> ResponseReturnValue:
    values = {name: request.form.get(name, "") for name in FINDING_FIELDS}
    session = db.session()
    try:
        result = service.record_finding(
            session,
            _user(),
            service.Finding(**values),
            _uploads("photos"),
            upload_root=attachments.upload_root(current_app.instance_path),
        )
    except DomainError as error:
        session.rollback()
        values["submission_id"] = (
            valid_submission_id(values["submission_id"]) or new_submission_id()
        )
        return _render_finding(values, _errors(error)), error.status_code
    session.commit()
    flash(_l("Tespit kaydedildi: %(number)s", number=result.ticket.number), "success")
    return redirect(url_for(".detail", number=result.ticket.number), 303)


def _render_finding(values: dict[str, str], errors: Mapping[str, Any]) -> str:
    session = db.session()
    return render_template(
        "field/new.html",
        form=values,
        errors={key: str(message) for key, message in errors.items()},
        topics=service.finding_topics(session),
        districts=districts(session),
        max_photos=MAX_PHOTOS,
        english=_english(),
    )


# --------------------------------------------------------------------------- one ticket


@bp.get("/t/<number>")
@roles_required(*LOOK)
def detail(number: str) -> ResponseReturnValue:
    ticket = get_visible_ticket(db.session(), _user(), number)
    return _render_detail(ticket, {}, {})


@bp.post("/t/<number>/start")
@roles_required(*ACT)
def start(number: str) -> ResponseReturnValue:
    session = db.session()
    ticket = get_visible_ticket(session, _user(), number)
    try:
        service.start_work(
            session,
            _user(),
            ticket,
            _uploads("before_photos"),
            upload_root=attachments.upload_root(current_app.instance_path),
        )
    except DomainError as error:
        return _failed(number, error, {"before_photos": ""})
    session.commit()
    flash(_l("İşe başlandı."), "success")
    return redirect(url_for(".detail", number=number), 303)


@bp.post("/t/<number>/close")
@roles_required(*ACT)
def close(number: str) -> ResponseReturnValue:
    session = db.session()
    ticket = get_visible_ticket(session, _user(), number)
    note = request.form.get("note", "")
    try:
        service.close_work(
            session,
            _user(),
            ticket,
            note,
            _uploads("before_photos"),
            _uploads("after_photos"),
            upload_root=attachments.upload_root(current_app.instance_path),
        )
    except DomainError as error:
        return _failed(number, error, {"note": note})
    session.commit()
    if ticket.status == TicketStatus.PENDING_APPROVAL:
        flash(_l("İş kapatıldı; yanıt yönetici onayına gönderildi."), "success")
    else:
        flash(_l("İş kapatıldı; vatandaşa yanıt gönderildi."), "success")
    return redirect(url_for(".detail", number=number), 303)


def _failed(number: str, error: DomainError, values: dict[str, str]) -> ResponseReturnValue:
    db.session.rollback()
    ticket = get_visible_ticket(db.session(), _user(), number)
    return _render_detail(ticket, _errors(error, _CLOSE_FIELDS), values), error.status_code


def _errors(error: DomainError, fields: Mapping[str, str] | None = None) -> dict[str, str]:
    if isinstance(error, service.FormInvalid):
        return {key: str(message) for key, message in error.errors.items()}
    field = (fields or {}).get(error.field or "", error.field or "_form")
    return {field: str(error.message)}


def _render_detail(ticket: Ticket, errors: Mapping[str, str], values: Mapping[str, str]) -> str:
    session = db.session()
    files = attachments.list_for(session, ticket)
    reply = replies.latest(session, ticket)
    return render_template(
        "field/detail.html",
        ticket=ticket,
        photos=[a for a in files if a.content_type.startswith("image/")],
        reply=reply,
        can_act=_user().role in ACT and ticket.status in service.WORKABLE,
        can_start=ticket.status in (TicketStatus.ROUTED, TicketStatus.ON_HOLD),
        errors=errors,
        form=values,
        labels=labels,
        max_photos=MAX_PHOTOS,
        english=_english(),
    )


@bp.errorhandler(413)
def too_large(error: HTTPException) -> ResponseReturnValue:
    """The photos were larger than the server accepts; the body was never read."""
    message = _l(
        "Gönderilen fotoğraflar toplamda çok büyük (en fazla %(n)s MB). "
        "Daha az fotoğrafla yeniden deneyin.",
        n=(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024),
    )
    return render_template("errors/error.html", status=413, message=message), 413
