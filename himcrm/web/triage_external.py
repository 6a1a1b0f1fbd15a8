"""Back office: record tickets from other bodies (district municipalities, CİMER,
e-mail) with their reference, one by one or from a CSV file."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from himcrm.channels.other_bodies import (
    CSV_COLUMNS,
    MAX_IMPORT_ROWS,
    SOURCES,
    ExternalInput,
    ImportReport,
    import_csv,
    record_external,
)
from himcrm.errors import DomainError
from himcrm.extensions import db
from himcrm.models import TicketType
from himcrm.web import field_error, labels
from himcrm.web.access import BACK_OFFICE, roles_required
from himcrm.web.triage import bp, triage_choices

FIELDS = ExternalInput.__dataclass_fields__.keys()
#: Intake's field names → this form's inputs.
_ERROR_FIELDS = {
    "channel": "source",
    "external_id": "reference",
    "district_code": "district",
    "citizen.phone": "phone",
    "citizen.email": "email",
    "citizen.full_name": "full_name",
    "citizen.district": "district",
}


@bp.get("/external")
@roles_required(*BACK_OFFICE)
def external_form() -> ResponseReturnValue:
    form = {name: "" for name in FIELDS}
    form["source"] = request.args.get("source", "")
    form["type"] = TicketType.REQUEST.value
    saved = request.args.get("saved", "")[:16]
    return _render(form, {}, saved=saved)


@bp.post("/external")
@roles_required(*BACK_OFFICE)
def external_create() -> ResponseReturnValue:
    form = {name: request.form.get(name, "").strip() for name in FIELDS}
    form["description"] = request.form.get("description", "")  # line breaks as typed
    try:
        result = record_external(
            db.session(), ExternalInput(**form), actor=current_user._get_current_object()
        )
    except DomainError as error:
        db.session.rollback()
        return _render(form, _errors(error)), error.status_code
    db.session.commit()
    number = result.ticket.number
    if result.created:
        flash(_l("%(number)s numarasıyla kaydedildi.", number=number), "success")
    else:
        flash(
            _l(
                "Bu numara daha önce %(number)s olarak kaydedilmiş; yeni kayıt açılmadı.",
                number=number,
            ),
            "warning",
        )
    # Back to an empty form for the next document (the draft is cleared there).
    return redirect(url_for("triage.external_form", source=form["source"], saved=number))


@bp.get("/import")
@roles_required(*BACK_OFFICE)
def import_form() -> ResponseReturnValue:
    return _render_import(None, {})


@bp.post("/import")
@roles_required(*BACK_OFFICE)
def import_upload() -> ResponseReturnValue:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render_import(None, {"file": str(_l("Bir CSV dosyası seçin."))}), 422
    session = db.session()
    try:
        report = import_csv(session, upload.read(), actor=current_user._get_current_object())
    except DomainError as error:
        session.rollback()
        return _render_import(None, field_error(error)), error.status_code
    if not report.ok:
        session.rollback()  # all or nothing: fix the rows and import the file again
        return _render_import(report, {}), 422
    session.commit()
    return _render_import(report, {})


def _errors(error: DomainError) -> dict[str, str]:
    errors = {}
    for key, message in field_error(error).items():
        name = _ERROR_FIELDS.get(key, key)
        errors[name if name in FIELDS else "_form"] = message
    return errors


def _render(form: dict[str, str], errors: dict[str, str], saved: str = "") -> str:
    return render_template(
        "triage/external.html",
        form=form,
        errors=errors,
        saved=saved,
        sources=[(s.value, labels.CHANNEL[s]) for s in SOURCES],
        types=[(t.value, labels.TYPE[t]) for t in TicketType],
        choices=triage_choices(),
    )


def _render_import(report: ImportReport | None, errors: dict[str, str]) -> str:
    return render_template(
        "triage/import.html",
        report=report,
        errors=errors,
        columns=CSV_COLUMNS,
        max_rows=MAX_IMPORT_ROWS,
        sources=[(s.value, labels.CHANNEL[s]) for s in SOURCES],
    )
