"""The department inbox and the actions on a ticket's page (assign, start, transfer,
hold, notes, attachments, replies).

Every action loads the ticket through :func:`get_visible_ticket` (another
department's ticket answers 404), calls the life cycle or a ticket service,
commits once and redirects to the ticket page. A domain error rolls back and
re-renders the ticket page with the message next to its field and the typed
text kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import (
    Blueprint,
    abort,
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
from sqlalchemy.orm import Session

from himcrm.errors import DomainError, ValidationError
from himcrm.extensions import db
from himcrm.models import OPEN_STATUSES, Department, Ticket, TicketStatus, User, utcnow
from himcrm.privacy.masking import may_see_contact
from himcrm.sla.status import sla_badges
from himcrm.text import tr_upper
from himcrm.tickets import attachments, inbox_queries, lifecycle, replies
from himcrm.tickets.lifecycle import Actor
from himcrm.tickets.queries import get_visible_ticket
from himcrm.web import labels
from himcrm.web.access import DEPARTMENT, STAFF, roles_required
from himcrm.web.inbox_panel import clear_draft_later, inject

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
bp.app_context_processor(inject)

Action = Callable[[Session, Ticket, Actor], Any]


def _actor() -> Actor:
    return Actor(user=current_user._get_current_object())


# --------------------------------------------------------------------------- the list


def _int_arg(args: Mapping[str, str], name: str) -> int | None:
    value = (args.get(name) or "").strip()
    return int(value) if value.isdigit() else None


def parse_filters(args: Mapping[str, str]) -> inbox_queries.InboxFilter:
    status_value = args.get("status") or ""
    status = next((s for s in OPEN_STATUSES if s.value == status_value), None)
    assignee = (args.get("assignee") or "").strip()
    if assignee not in {"", "me", "none"} and not assignee.isdigit():
        assignee = ""
    return inbox_queries.InboxFilter(
        department_id=_int_arg(args, "department"),
        status=status,
        overdue=args.get("overdue") == "1",
        due_soon=args.get("due_soon") == "1",
        topic_prefix=tr_upper((args.get("topic") or "").strip())[:64],
        district_id=_int_arg(args, "district"),
        assignee=assignee,
    )


@bp.get("/")
@roles_required(*DEPARTMENT)
def index() -> ResponseReturnValue:
    session = db.session()
    user: User = current_user._get_current_object()
    now = utcnow()
    filters = parse_filters(request.args)
    departments = inbox_queries.choosable_departments(session, user)
    must_choose = inbox_queries.needs_department_choice(user) and filters.department_id is None
    page = None
    if not must_choose:
        page = inbox_queries.inbox_page(
            session, user, filters, now=now, page=_int_arg(request.args, "page") or 1
        )
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "inbox/index.html",
        page=page,
        filters=filters,
        query=query,
        must_choose=must_choose,
        departments=departments,
        colleagues=inbox_queries.colleagues(session, filters.department_id or user.department_id),
        districts=inbox_queries.districts(session),
        statuses=[s for s in TicketStatus if s in OPEN_STATUSES],
        due_state=lambda ticket: inbox_queries.due_state(ticket, now),
        labels=labels,
    )


# --------------------------------------------------------------------------- actions


def _render_ticket(ticket: Ticket, errors: dict[str, str], status: int) -> ResponseReturnValue:
    """The ticket page again, with the error and what the user typed."""
    session = db.session()
    return (
        render_template(
            "tickets/detail.html",
            ticket=ticket,
            badges=sla_badges(session, ticket, utcnow()),
            show_contact=may_see_contact(current_user),
            actions=set(lifecycle.allowed_actions(ticket)),
            labels=labels,
            errors=errors,
            form=request.form,
        ),
        status,
    )


def _act(
    number: str,
    action: Action,
    *,
    fields: Mapping[str, str] | None = None,
    draft_key: str | None = None,
) -> ResponseReturnValue:
    """Run one action on a visible ticket: commit and redirect, or re-render with the error.

    ``fields`` maps a service's error field to the form field it belongs to; other
    errors show at the top of the actions.
    """
    session = db.session()
    ticket = get_visible_ticket(session, current_user, number)  # 404 outside the scope
    try:
        message = action(session, ticket, _actor())
    except DomainError as error:
        db.session.rollback()
        mapped = (fields or {}).get(error.field or "", "_form")
        errors = {mapped: str(error.message)}
        ticket = get_visible_ticket(db.session(), current_user, number)
        return _render_ticket(ticket, errors, error.status_code)
    db.session.commit()
    if draft_key:
        clear_draft_later(f"{draft_key}-{number}")
    flash(str(message), "success")
    return redirect(url_for("tickets.detail", number=number))


def _form(name: str) -> str:
    return request.form.get(name, "")


@bp.post("/<number>/assign")
@roles_required(*DEPARTMENT)
def assign(number: str) -> ResponseReturnValue:
    def run(session: Session, ticket: Ticket, actor: Actor) -> Any:
        choice = _form("assign_to").strip()
        user_id = current_user.id if choice == "me" else int(choice) if choice.isdigit() else None
        assignee = session.get(User, user_id) if user_id is not None else None
        if assignee is None:
            raise ValidationError(_l("Atanacak kişiyi seçin."), field="assignee")
        lifecycle.assign(ticket, assignee, actor, now=utcnow())
        return _l("Başvuru %(name)s adlı personele atandı.", name=assignee.full_name)

    return _act(number, run, fields={"assignee": "assign_to"})


@bp.post("/<number>/start")
@roles_required(*DEPARTMENT)
def start(number: str) -> ResponseReturnValue:
    def run(session: Session, ticket: Ticket, actor: Actor) -> Any:
        lifecycle.start(ticket, actor, now=utcnow())
        return _l("Başvuru üzerinde çalışılmaya başlandı.")

    return _act(number, run)


@bp.post("/<number>/transfer")
@roles_required(*DEPARTMENT)
def transfer(number: str) -> ResponseReturnValue:
    def run(session: Session, ticket: Ticket, actor: Actor) -> Any:
        department_id = _form("transfer_department").strip()
        target = session.get(Department, int(department_id)) if department_id.isdigit() else None
        if target is None or not target.is_active:
            raise ValidationError(_l("Aktarılacak birimi seçin."), field="department")
        lifecycle.transfer(ticket, target, actor, reason=_form("transfer_reason"), now=utcnow())
        return _l("Başvuru %(name)s birimine aktarıldı.", name=target.name)

    fields = {"reason": "transfer_reason", "department": "transfer_department"}
    return _act(number, run, fields=fields, draft_key="inbox-transfer")


@bp.post("/<number>/hold")
@roles_required(*DEPARTMENT)
def hold(number: str) -> ResponseReturnValue:
    def run(session: Session, ticket: Ticket, actor: Actor) -> Any:
        lifecycle.hold(ticket, actor, reason=_form("hold_reason"), now=utcnow())
        return _l("Başvuru beklemeye alındı; SLA süresi durdu.")

    return _act(number, run, fields={"reason": "hold_reason"}, draft_key="inbox-hold")


@bp.post("/<number>/resume")
@roles_required(*DEPARTMENT)
def resume(number: str) -> ResponseReturnValue:
    def run(session: Session, ticket: Ticket, actor: Actor) -> Any:
        lifecycle.resume(ticket, actor, now=utcnow())
        return _l("Başvuru beklemeden çıktı; SLA süresi yeniden işliyor.")

    return _act(number, run)


@bp.post("/<number>/note")
@roles_required(*DEPARTMENT)
def note(number: str) -> ResponseReturnValue:
    def run(session: Session, ticket: Ticket, actor: Actor) -> Any:
        lifecycle.add_note(ticket, actor, _form("note_text"), now=utcnow())
        return _l("Not eklendi.")

    return _act(number, run, fields={"note": "note_text"}, draft_key="inbox-note")


# --------------------------------------------------------------------------- replies

_REPLY_FIELDS = {"body": "reply_body", "template": "reply_template"}


@bp.post("/<number>/reply")
@roles_required(*DEPARTMENT)
def save_reply(number: str) -> ResponseReturnValue:
    def run(session: Session, ticket: Ticket, actor: Actor) -> Any:
        reply = replies.save_draft(session, ticket, actor, _form("reply_body"), now=utcnow())
        return _l("Yanıt taslağı kaydedildi (sürüm %(n)s).", n=reply.version)

    return _act(number, run, fields=_REPLY_FIELDS, draft_key="inbox-reply")


@bp.post("/<number>/reply/template")
@roles_required(*DEPARTMENT)
def reply_from_template(number: str) -> ResponseReturnValue:
    def run(session: Session, ticket: Ticket, actor: Actor) -> Any:
        choice = _form("reply_template").strip()
        template_id = int(choice) if choice.isdigit() else None
        reply = replies.draft_from_template(session, ticket, actor, template_id, now=utcnow())
        return _l("Şablondan yanıt taslağı oluşturuldu (sürüm %(n)s).", n=reply.version)

    return _act(number, run, fields=_REPLY_FIELDS, draft_key="inbox-reply")


@bp.post("/<number>/reply/submit")
@roles_required(*DEPARTMENT)
def submit_reply(number: str) -> ResponseReturnValue:
    def run(session: Session, ticket: Ticket, actor: Actor) -> Any:
        body = request.form.get("reply_body")
        replies.submit(session, ticket, actor, now=utcnow(), body=body)
        if ticket.status == TicketStatus.PENDING_APPROVAL:
            return _l("Yanıt yönetici onayına gönderildi.")
        return _l("Yanıt vatandaşa gönderildi; başvuru yanıtlandı.")

    return _act(number, run, fields=_REPLY_FIELDS, draft_key="inbox-reply")


# --------------------------------------------------------------------------- attachments


@bp.post("/<number>/attachments")
@roles_required(*DEPARTMENT)
def upload(number: str) -> ResponseReturnValue:
    def run(session: Session, ticket: Ticket, actor: Actor) -> Any:
        if not ticket.is_open:
            raise ValidationError(_l("Kapanmış başvuruya dosya eklenemez."), field="attachment")
        upload = request.files.get("attachment")
        if upload is None or not upload.filename:
            raise ValidationError(_l("Eklenecek dosyayı seçin."), field="attachment")
        saved = attachments.save_attachment(
            session,
            ticket,
            actor,
            filename=upload.filename,
            stream=upload.stream,
            root=attachments.upload_root(current_app.instance_path),
            now=utcnow(),
        )
        return _l("Dosya eklendi: %(name)s", name=saved.filename)

    return _act(number, run, fields={"attachment": "attachment"})


@bp.get("/attachments/<int:attachment_id>")
@roles_required(*STAFF)
def download(attachment_id: int) -> ResponseReturnValue:
    """The file, only through a ticket the user may see; never rendered inline."""
    attachment = attachments.get_visible_attachment(db.session(), current_user, attachment_id)
    root = attachments.upload_root(current_app.instance_path)
    path = attachments.stored_path(root, attachment)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
