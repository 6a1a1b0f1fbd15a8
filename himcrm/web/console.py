"""The operator's "new call" screen: the caller on the left, the ticket form on the right."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from himcrm.citizens.identity import mask_phone
from himcrm.citizens.lookup import CitizenCard, lookup_by_phone
from himcrm.citizens.service import CitizenInput
from himcrm.errors import DomainError
from himcrm.extensions import db
from himcrm.models import District, ReplyChannel, TicketType
from himcrm.privacy.audit import AuditAction, record_access
from himcrm.privacy.masking import may_see_contact
from himcrm.text import tr_sort_key
from himcrm.tickets.intake import TicketInput, create_ticket
from himcrm.tickets.queries import get_visible_ticket
from himcrm.tickets.topic_search import TopicHit, search_topics
from himcrm.web import field_error, labels, localtime
from himcrm.web.access import CALL_CENTRE, roles_required

bp = Blueprint("console", __name__, url_prefix="/console")

#: localStorage key of the form's draft (app.js); cleared by the confirmation page.
DRAFT_KEY = "console-new-call"

FIELDS = (
    "phone",
    "full_name",
    "email",
    "kimlik_no",
    "preferred_channel",
    "type",
    "topic_code",
    "district",
    "neighbourhood",
    "address",
    "description",
)

#: Service error fields → the form input they belong next to.
_ERROR_FIELDS = {
    "citizen.phone": "phone",
    "citizen.email": "email",
    "citizen.kimlik_no": "kimlik_no",
    "citizen.full_name": "full_name",
    "citizen.preferred_channel": "preferred_channel",
    "citizen.district": "district",
    "latitude": "address",
    "longitude": "address",
}


@bp.get("/")
@roles_required(*CALL_CENTRE)
def new_call() -> ResponseReturnValue:
    form = {name: "" for name in FIELDS}
    form["type"] = TicketType.REQUEST.value
    form["phone"] = request.args.get("phone", "")[:40]  # a screen pop opens the caller's card
    return _render_form(form, {})


@bp.post("/")
@roles_required(*CALL_CENTRE)
def create() -> ResponseReturnValue:
    form = {name: request.form.get(name, "").strip() for name in FIELDS}
    form["description"] = request.form.get("description", "")  # keep the line breaks as typed
    form["kvkk_consent"] = "1" if request.form.get("kvkk_consent") else ""
    data = TicketInput(
        channel="phone",
        type=form["type"] or TicketType.REQUEST.value,
        description=form["description"],
        topic_code=form["topic_code"] or None,
        district_code=form["district"] or None,
        neighbourhood=form["neighbourhood"],
        address=form["address"],
        citizen=CitizenInput(
            full_name=form["full_name"],
            phone=form["phone"] or None,
            email=form["email"] or None,
            kimlik_no=form["kimlik_no"] or None,
            # The caller's own district and neighbourhood fill only blanks of their record.
            district_code=form["district"] or None,
            neighbourhood=form["neighbourhood"],
            preferred_channel=form["preferred_channel"] or None,
            kvkk_consent=bool(form["kvkk_consent"]),
        ),
    )
    try:
        result = create_ticket(db.session(), data, actor=current_user._get_current_object())
    except DomainError as error:
        db.session.rollback()
        return _render_form(form, _form_errors(error)), error.status_code
    db.session.commit()
    return redirect(url_for("console.created", number=result.ticket.number))


@bp.get("/created/<number>")
@roles_required(*CALL_CENTRE)
def created(number: str) -> ResponseReturnValue:
    """Read the number back to the caller: large, with where it went and by when."""
    ticket = get_visible_ticket(db.session(), current_user, number)
    return render_template(
        "console/created.html", ticket=ticket, labels=labels, draft_key=DRAFT_KEY
    )


@bp.get("/citizen")
@roles_required(*CALL_CENTRE)
def citizen() -> ResponseReturnValue:
    """JSON for the caller's card: the citizens on a phone number and their tickets."""
    try:
        found = lookup_by_phone(db.session(), current_user, request.args.get("phone", ""))
    except DomainError as error:
        return jsonify(error.to_dict()), error.status_code
    show_contact = may_see_contact(current_user)
    if show_contact and found.citizens:
        # The card shows names, phones and e-mails in full: KVKK access audit.
        for card in found.citizens:
            record_access(
                db.session(),
                user=current_user._get_current_object(),
                action=AuditAction.VIEW_CITIZEN,
                subject_type="citizen",
                subject_id=card.id,
                ip=request.remote_addr or "",
                detail={"via": "console"},
            )
        db.session.commit()
    return jsonify(
        {
            "phone": found.phone,
            "citizens": [_card_json(card, show_contact) for card in found.citizens],
        }
    )


@bp.get("/topics")
@roles_required(*CALL_CENTRE)
def topics() -> ResponseReturnValue:
    """JSON for the topic picker: search-as-you-type over codes, names and keywords."""
    hits = search_topics(db.session(), request.args.get("q", ""))
    return jsonify(
        {
            "results": [
                {
                    "code": h.code,
                    "name": h.name,
                    "group": h.group,
                    "department": h.department,
                    "match": h.match,
                }
                for h in hits
            ]
        }
    )


def _form_errors(error: DomainError) -> dict[str, str]:
    """The service's field names mapped onto this form's inputs (the rest go on top)."""
    errors = {}
    for key, message in field_error(error).items():
        name = _ERROR_FIELDS.get(key, key)
        errors[name if name in FIELDS else "_form"] = message
    return errors


def _topic_hit(code: str) -> TopicHit | None:
    """The chosen topic's name for the label next to the code, when the code is valid."""
    if not code:
        return None
    return next((h for h in search_topics(db.session(), code, limit=1) if h.code == code), None)


def _card_json(card: CitizenCard, show_contact: bool) -> dict[str, Any]:
    return {
        "full_name": card.full_name,
        "phone": card.phone if show_contact else mask_phone(card.phone),
        "email": card.email if show_contact else ("***" if card.email else None),
        "district": card.district_code,
        "district_name": card.district_name,
        "neighbourhood": card.neighbourhood,
        "address": card.address,
        "preferred_channel": card.preferred_channel,
        "ticket_count": card.ticket_count,
        "tickets": [
            {
                "number": t.number,
                "url": url_for("tickets.detail", number=t.number),
                "status": t.status.value,
                "status_label": str(labels.STATUS[t.status]),
                "is_open": t.is_open,
                "topic": t.topic_name or "",
                "topic_code": t.topic_code or "",
                "created": localtime(t.created_at, "%d.%m.%Y"),
            }
            for t in card.tickets
        ],
    }


def _districts() -> list[tuple[str, str]]:
    rows = db.session.execute(sa.select(District.code, District.name)).all()
    return sorted(((code, name) for code, name in rows), key=lambda row: tr_sort_key(row[1]))


def _render_form(form: dict[str, str], errors: dict[str, str]) -> str:
    return render_template(
        "console/new_call.html",
        form=form,
        errors=errors,
        districts=_districts(),
        types=[(t.value, labels.TYPE[t]) for t in TicketType],
        reply_channels=[
            (c.value, text)
            for c, text in labels.REPLY_CHANNEL.items()
            if c is not ReplyChannel.SOCIAL  # set by the channel, not chosen
        ],
        topic=_topic_hit(form.get("topic_code", "")),
        draft_key=DRAFT_KEY,
    )
