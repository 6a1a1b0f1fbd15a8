"""The anonymised open-data export as downloads (supervisors and admins)."""

from __future__ import annotations

import io
import tempfile

from flask import abort, current_app, jsonify, request, send_file
from flask.typing import ResponseReturnValue
from flask_login import current_user

from himcrm.errors import DomainError
from himcrm.extensions import db
from himcrm.models import Role, utcnow
from himcrm.privacy.audit import AuditAction, record_access
from himcrm.privacy.open_data import (
    DEFAULT_K,
    OpenDataStats,
    data_dictionary,
    write_csv,
    write_json,
)
from himcrm.reports.period import LOCAL
from himcrm.web.access import roles_required
from himcrm.web.reports import bp, parse_query

OPEN_DATA_ROLES = (Role.SUPERVISOR, Role.ADMIN)
MIME = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@bp.get("/open-data.<fmt>")
@roles_required(*OPEN_DATA_ROLES)
def open_data(fmt: str) -> ResponseReturnValue:
    """The period's tickets, anonymised, as CSV or JSON (``?period=month&year=&month=``)."""
    if fmt not in MIME:
        abort(404)
    try:
        query = parse_query(request.args, utcnow().astimezone(LOCAL).date())
    except DomainError as error:
        return jsonify(error.to_dict()), error.status_code
    tz = current_app.config["HIMCRM_SETTINGS"].timezone
    record_access(
        db.session(),
        user=current_user._get_current_object(),
        action=AuditAction.EXPORT_OPEN_DATA,
        subject_type="open_data",
        subject_id=query.period.label,
        ip=request.remote_addr or "",
        detail={"format": fmt},
    )
    db.session.commit()
    # A month of Istanbul is ~1M rows: spool to disk past 16 MB instead of holding it.
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024, mode="w+b")  # noqa: SIM115
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    writer = write_csv if fmt == "csv" else write_json
    writer(db.session(), query.period, text, k=DEFAULT_K, timezone=tz)
    text.flush()
    text.detach()
    spool.seek(0)
    return send_file(
        spool,
        mimetype=MIME[fmt],
        as_attachment=True,
        download_name=f"himcrm-acik-veri-{query.period.label}.{fmt}",
        max_age=0,
    )


@bp.get("/open-data/dictionary.json")
@roles_required(*OPEN_DATA_ROLES)
def open_data_dictionary() -> ResponseReturnValue:
    """The columns and the anonymisation rule (without the period's counts)."""
    try:
        query = parse_query(request.args, utcnow().astimezone(LOCAL).date())
    except DomainError as error:
        return jsonify(error.to_dict()), error.status_code
    return jsonify(data_dictionary(query.period, OpenDataStats()))
