"""Admin: client applications of the public APIs (Open311 and the REST API) and their keys.

A key is shown once, on the page that answers its creation (never flashed: the
flash would carry it in the session cookie), and is stored only hashed.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from himcrm.api_keys import create_client, revoke
from himcrm.errors import DomainError, ValidationError
from himcrm.extensions import db
from himcrm.models import SCOPE_API, SCOPE_OPEN311, ApiClient, User
from himcrm.web import labels
from himcrm.web.access import ADMINS, roles_required
from himcrm.web.admin_common import bp, form_values, get_or_404, refused, saved

SCOPE_LABELS = {
    SCOPE_OPEN311: _l("Open311 GeoReport v2 (başvuru gönderen uygulamalar)"),
    SCOPE_API: _l("REST API (seçilen kullanıcının yetkileriyle)"),
}


@bp.get("/api-clients")
@roles_required(*ADMINS)
def api_clients() -> ResponseReturnValue:
    rows = db.session().scalars(
        sa.select(ApiClient)
        .options(selectinload(ApiClient.user))
        .order_by(ApiClient.active.desc(), ApiClient.name)
    )
    return render_template(
        "admin/api_clients.html", clients=list(rows), scope_labels=SCOPE_LABELS, labels=labels
    )


def _context() -> dict[str, Any]:
    users = db.session().scalars(
        sa.select(User).where(User.active.is_(True)).order_by(User.username)
    )
    return {
        "scope_labels": SCOPE_LABELS,
        "users": [
            (u.username, f"{u.username} · {u.full_name} · {labels.ROLE[u.role]}") for u in users
        ],
    }


@bp.route("/api-clients/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def api_client_new() -> ResponseReturnValue:
    if request.method == "GET":
        values = {"scopes": [SCOPE_API]}
        return render_template(
            "admin/api_clients_form.html", values=values, errors={}, **_context()
        )
    session = db.session()
    scopes = request.form.getlist("scopes")
    values = {**form_values(), "scopes": scopes}
    try:
        username = request.form.get("user", "").strip()
        user = None
        if username:
            user = session.scalar(
                sa.select(User).where(User.username == username, User.active.is_(True))
            )
            if user is None:
                raise ValidationError(_l("Bilinmeyen ya da pasif kullanıcı."), field="user")
        client, key = create_client(
            session,
            name=request.form.get("name", "")[:120],
            scopes=scopes,
            user=user,
            contact=request.form.get("contact", "")[:254],
        )
    except DomainError as error:
        return refused("admin/api_clients_form.html", error, values, _context)
    db.session.commit()
    html = render_template(
        "admin/api_clients_key.html", client=client, key=key, scope_labels=SCOPE_LABELS
    )
    # The key is on this page only: no cache may keep it.
    return html, 201, {"Cache-Control": "no-store"}


@bp.post("/api-clients/revoke")
@roles_required(*ADMINS)
def api_client_revoke() -> ResponseReturnValue:
    raw = request.form.get("client_id", "")
    client: ApiClient = get_or_404(ApiClient, int(raw) if raw.isdigit() and len(raw) < 10 else 0)
    revoke(client)
    db.session.commit()
    flash(_l("API istemcisinin anahtarı iptal edildi: %(name)s", name=client.name), "success")
    return saved("admin.api_clients", f"admin-api-client-{client.id}")
