"""Citizen pages without an account: the web form, the tracking page, the status query.

Public by design (``access.PUBLIC_BLUEPRINTS``): nothing here needs a login, so
every POST is rate limited per address and CSRF protected, and no page shows
personal data. The tracking page renders a :class:`TrackingView`, never a
ticket. Bots that fill the form's honeypot get the same redirect as people and
record nothing (see :mod:`himcrm.channels.web_form`).
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from himcrm.channels.field import find_public_photo, public_photos
from himcrm.channels.public_media import MAX_PHOTOS, PHOTO_TYPES, Upload
from himcrm.channels.public_status import (
    PublicEvent,
    find_by_number_and_phone,
    find_by_token,
    tracking_view,
)
from himcrm.channels.web_form import (
    WebForm,
    new_submission_id,
    public_topics,
    submit_web_form,
    valid_submission_id,
)
from himcrm.errors import DomainError, FormInvalid, NotFound
from himcrm.extensions import db, limiter
from himcrm.models import District, EventKind, Ticket, TicketStatus, TicketType, utcnow
from himcrm.text import tr_sort_key
from himcrm.tickets.attachments import MAX_SIZE, stored_path, upload_root
from himcrm.tickets.survey import record_survey
from himcrm.web import field_error, labels

bp = Blueprint("public", __name__)

# Per client address. Mobile carriers put many people behind one address
# (CGNAT), so the limits stop floods, not a family filing three requests.
FORM_LIMIT = "10 per minute;60 per hour"
TRACK_LIMIT = "60 per minute"
NOT_FOUND_LIMIT = "10 per minute"  # counted only for 404s: guessing tokens
QUERY_LIMIT = "20 per minute"
FAILED_QUERY_LIMIT = "10 per hour"  # counted only for misses: guessing the four digits
SURVEY_LIMIT = "10 per minute;30 per hour"

TEXT_FIELDS = (
    "submission_id",
    "topic",
    "type",
    "description",
    "district",
    "neighbourhood",
    "address",
    "latitude",
    "longitude",
    "full_name",
    "phone",
    "email",
)
RECEIPT = "public_receipt"  # session key: what the confirmation page shows

#: Timeline wording for citizens (staff wording where it fits).
_IN_WORK = _l("İşleme alındı")
_IN_APPROVAL = _l("Yanıt hazırlandı, onay aşamasında")
_RATED = _l("Değerlendirildi")


@bp.after_request
def _not_cached(response: Response) -> Response:
    """Tracking pages and receipts are one citizen's: no shared cache keeps a copy."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _is_not_found(response: Any) -> bool:
    return bool(response.status_code == 404)


# --------------------------------------------------------------------------- the form


@bp.get("/basvuru")
def form() -> ResponseReturnValue:
    values = {name: "" for name in TEXT_FIELDS}
    values["type"] = TicketType.REQUEST.value
    values["submission_id"] = new_submission_id()
    return _render_form(values, {})


@bp.post("/basvuru")
@limiter.limit(FORM_LIMIT)
def submit() -> ResponseReturnValue:
    values = _typed_values()
    data = WebForm(
        **{name: values[name] for name in TEXT_FIELDS},
        kvkk_consent=bool(values["kvkk_consent"]),
        website=request.form.get("website", ""),
    )
    uploads = [
        Upload(file.filename, file.stream)
        for file in request.files.getlist("photos")
        if file.filename  # an empty file input still sends an empty part
    ]
    session_ = db.session()
    try:
        result = submit_web_form(
            session_, data, uploads, upload_root=upload_root(current_app.instance_path)
        )
    except FormInvalid as error:
        session_.rollback()
        # A missing or mangled id would fail again: the next try gets a fresh one.
        values["submission_id"] = (
            valid_submission_id(values["submission_id"]) or new_submission_id()
        )
        return _render_form(values, error.errors), error.status_code
    session_.commit()
    ticket = result.ticket
    session[RECEIPT] = {
        "number": ticket.number if ticket else "",
        "ack": result.acknowledgement.value if result.acknowledgement else "",
    }
    return redirect(url_for(".submitted"), 303)


@bp.get("/basvuru/alindi")
def submitted() -> ResponseReturnValue:
    """The number, and how the tracking link reaches the citizen."""
    receipt = session.get(RECEIPT)
    if not isinstance(receipt, dict):
        return redirect(url_for(".form"))
    number = str(receipt.get("number", ""))
    token = (
        db.session.scalar(sa.select(Ticket.tracking_token).where(Ticket.number == number))
        if number
        else None
    )
    return render_template(
        "public/submitted.html", number=number, token=token, ack=receipt.get("ack", "")
    )


def _typed_values() -> dict[str, str]:
    values = {name: request.form.get(name, "").strip() for name in TEXT_FIELDS}
    values["description"] = request.form.get("description", "")  # keep the line breaks
    values["kvkk_consent"] = "1" if request.form.get("kvkk_consent") else ""
    return values


def _render_form(values: dict[str, str], errors: dict[str, Any]) -> str:
    english = str(get_locale()) == "en"
    groups: dict[str, list[tuple[str, str]]] = {}
    for option in public_topics(db.session()):
        group = option.group_en if english else option.group_tr
        groups.setdefault(group, []).append(
            (option.code, option.name_en if english else option.name_tr)
        )
    districts = sorted(
        db.session.execute(sa.select(District.code, District.name)).tuples(),
        key=lambda row: tr_sort_key(row[1]),
    )
    return render_template(
        "public/form.html",
        form=values,
        errors={key: str(message) for key, message in errors.items()},
        topic_groups=groups,
        districts=districts,
        types=[(t.value, labels.TYPE[t]) for t in TicketType],
        max_photos=MAX_PHOTOS,
        max_photo_bytes=MAX_SIZE,
        max_request_bytes=current_app.config.get("MAX_CONTENT_LENGTH") or 0,
        photo_types=",".join(PHOTO_TYPES),
    )


# --------------------------------------------------------------------------- tracking


@bp.get("/t/<token>")
@limiter.limit(TRACK_LIMIT)
@limiter.limit(NOT_FOUND_LIMIT, deduct_when=_is_not_found)
def track(token: str) -> ResponseReturnValue:
    return _render_tracking(token, {}, {})


@bp.post("/t/<token>/degerlendirme")
@limiter.limit(SURVEY_LIMIT)
@limiter.limit(NOT_FOUND_LIMIT, deduct_when=_is_not_found)
def rate(token: str) -> ResponseReturnValue:
    """The satisfaction survey on the tracking page (1–5 and an optional comment)."""
    session_ = db.session()
    ticket = _ticket_or_404(token)
    values = {
        "score": request.form.get("score", "").strip(),
        "comment": request.form.get("comment", "").replace("\x00", ""),
    }
    if not re.fullmatch(r"[1-5]", values["score"]):
        errors = {"score": str(_l("1 ile 5 arasında bir puan seçin."))}
        return _render_tracking(token, errors, values), 422
    try:
        outcome = record_survey(
            session_,
            ticket,
            score=int(values["score"]),
            comment=values["comment"],
            via="web",
            now=utcnow(),
        )
    except DomainError as error:
        session_.rollback()
        return _render_tracking(token, field_error(error), values), error.status_code
    session_.commit()
    if outcome.reopened:
        flash(_l("Değerlendirmeniz için teşekkürler. Başvurunuz yeniden incelenmek üzere açıldı."))
    else:
        flash(_l("Değerlendirmeniz için teşekkürler."))
    return redirect(url_for(".track", token=token), 303)


@bp.get("/t/<token>/photo/<int:attachment_id>")
@limiter.limit(TRACK_LIMIT)
@limiter.limit(NOT_FOUND_LIMIT, deduct_when=_is_not_found)
def photo(token: str, attachment_id: int) -> ResponseReturnValue:
    """A public photo of the ticket (a field team's after photo, stored without EXIF/GPS)."""
    ticket = _ticket_or_404(token)
    try:
        attachment = find_public_photo(db.session(), ticket, attachment_id)
    except NotFound:
        abort(404)
    path = stored_path(upload_root(current_app.instance_path), attachment)
    if not path.is_file():
        abort(404)
    # No download name: staff file names stay private.
    return send_file(path, mimetype=attachment.content_type, max_age=0)


def _ticket_or_404(token: str) -> Ticket:
    try:
        return find_by_token(db.session(), token)
    except NotFound:
        abort(404)


def _render_tracking(token: str, errors: dict[str, str], values: dict[str, str]) -> str:
    ticket = _ticket_or_404(token)
    view = tracking_view(db.session(), ticket)
    return render_template(
        "public/track.html",
        view=view,
        photos=public_photos(db.session(), ticket),
        status_label=labels.STATUS[view.status],
        event_label=event_label,
        errors=errors,
        values=values,
        english=str(get_locale()) == "en",
    )


def event_label(event: PublicEvent) -> str:
    """What the citizen's timeline says for one event."""
    if event.kind == EventKind.STATUS_CHANGED:
        if event.to_status == TicketStatus.IN_PROGRESS:
            return str(_IN_WORK)
        if event.to_status == TicketStatus.PENDING_APPROVAL:
            return str(_IN_APPROVAL)
        return str(labels.STATUS[event.to_status]) if event.to_status else ""
    if event.kind == EventKind.APPROVED:
        return str(labels.STATUS[TicketStatus.ANSWERED])  # approval is internal
    if event.kind == EventKind.SURVEY:
        return str(_RATED)
    return str(labels.EVENT.get(event.kind, ""))


# --------------------------------------------------------------------------- status query


@bp.get("/sorgula")
def query_form() -> ResponseReturnValue:
    return render_template("public/query.html", form={}, errors={})


@bp.post("/sorgula")
@limiter.limit(QUERY_LIMIT)
@limiter.limit(FAILED_QUERY_LIMIT, deduct_when=_is_not_found)
def query() -> ResponseReturnValue:
    """Ticket number + the phone's last four digits → the tracking page."""
    values = {
        "number": request.form.get("number", "").strip()[:32],
        "phone_last4": request.form.get("phone_last4", "").strip()[:16],
    }
    try:
        ticket = find_by_number_and_phone(db.session(), values["number"], values["phone_last4"])
    except DomainError as error:
        errors = {k: str(v) for k, v in field_error(error).items()}
        return render_template("public/query.html", form=values, errors=errors), error.status_code
    return redirect(url_for(".track", token=ticket.tracking_token), 303)


# --------------------------------------------------------------------------- errors


@bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError) -> ResponseReturnValue:
    """An expired or missing form token: nothing is recorded; the form keeps what was typed."""
    message = _l("Formun süresi doldu. Yazdıklarınız korundu; lütfen yeniden gönderin.")
    if request.endpoint == "public.submit":
        values = _typed_values()
        values["submission_id"] = (
            valid_submission_id(values["submission_id"]) or new_submission_id()
        )
        return _render_form(values, {"_form": message}), 400
    return render_template("public/error.html", status=400, message=message), 400


@bp.errorhandler(413)
def too_large(error: HTTPException) -> ResponseReturnValue:
    """The body was larger than the server accepts; it was never parsed."""
    message = _l(
        "Gönderilen dosyalar toplamda çok büyük (en fazla %(n)s MB). "
        "Daha az veya daha küçük fotoğrafla yeniden deneyin.",
        n=(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024),
    )
    if request.endpoint == "public.submit":
        values = {name: "" for name in TEXT_FIELDS}
        values["type"] = TicketType.REQUEST.value
        values["submission_id"] = new_submission_id()
        return _render_form(values, {"_form": message, "photos": message}), 413
    return render_template("public/error.html", status=413, message=message), 413


@bp.errorhandler(404)
@bp.errorhandler(429)
def plain_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 400
    return render_template("public/error.html", status=status, message=None), status
