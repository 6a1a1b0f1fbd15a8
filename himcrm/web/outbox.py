"""The outbox page: every SMS and e-mail, with its text and delivery status.

The embedded default's console gateway sends nothing off the machine, so this
is where its messages are seen; with Twilio it shows what the provider reported.
Citizen messages and staff reminders are both listed, marked as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session

from himcrm.citizens.identity import mask_phone
from himcrm.config import Settings
from himcrm.errors import DomainError, ValidationError, parse_choice
from himcrm.extensions import db
from himcrm.models import Notification, NotificationChannel, NotificationStatus, Ticket, User
from himcrm.notify.texts import Segments, render, sms_segments, transliterate
from himcrm.privacy.masking import may_see_contact
from himcrm.tickets.queries import visible_tickets
from himcrm.web import field_error
from himcrm.web.access import BACK_OFFICE, roles_required

bp = Blueprint("outbox", __name__, url_prefix="/outbox")

PER_PAGE = 50
MAX_PAGE = 100_000  # keeps OFFSET inside a 64-bit integer whatever the URL says

STATUS = {
    NotificationStatus.PENDING: _l("Bekliyor"),
    NotificationStatus.SENDING: _l("Gönderiliyor"),
    NotificationStatus.SENT: _l("Gönderildi"),
    NotificationStatus.DELIVERED: _l("İletildi"),
    NotificationStatus.FAILED: _l("Başarısız"),
    NotificationStatus.CANCELLED: _l("İptal edildi"),
}

CHANNEL = {
    NotificationChannel.SMS: _l("SMS"),
    NotificationChannel.EMAIL: _l("E-posta"),
    NotificationChannel.SOCIAL_META: _l("Facebook / Messenger"),
    NotificationChannel.SOCIAL_X: _l("X (özel mesaj)"),
}

TEMPLATE = {
    "ticket_created": _l("Başvuru alındı"),
    "ticket_answered": _l("Başvuru yanıtlandı"),
    "survey": _l("Memnuniyet anketi"),
    "reminder_p50": _l("SLA hatırlatması (%50)"),
    "reminder_p80": _l("SLA hatırlatması (%80)"),
    "reminder_due": _l("SLA süresi doldu"),
    "reminder_overdue": _l("SLA gecikme bildirimi"),
    "approval_waiting": _l("Onay bekleyen yanıt"),
    "monthly_overdue": _l("Aylık gecikme raporu"),
    "report_ready": _l("Dönemsel rapor"),
    "sms_status": _l("SMS ile durum sorgusu yanıtı"),
    "sms_status_not_found": _l("SMS durum sorgusu: bulunamadı"),
    "sms_status_help": _l("SMS durum sorgusu: kullanım"),
    "survey_thanks": _l("Anket teşekkürü"),
    "survey_reopened": _l("Anket: başvuru yeniden açıldı"),
    "sms_note_added": _l("SMS notu eklendi"),
}


@dataclass(frozen=True, slots=True)
class OutboxFilters:
    status: NotificationStatus | None = None
    channel: NotificationChannel | None = None
    ticket_number: str = ""

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for the pager's links)."""
        args = {
            "status": self.status.value if self.status else "",
            "channel": self.channel.value if self.channel else "",
            "ticket": self.ticket_number,
        }
        return {key: value for key, value in args.items() if value}


@dataclass(frozen=True, slots=True)
class OutboxRow:
    notification: Notification
    ticket_number: str | None
    staff_name: str | None  # set for staff reminders
    recipient: str  # masked unless the viewer may see contact details
    subject: str
    body: str
    segments: Segments | None  # SMS only

    @property
    def is_staff(self) -> bool:
        return self.notification.user_id is not None


@dataclass(frozen=True, slots=True)
class OutboxPage:
    rows: list[OutboxRow]
    page: int
    has_prev: bool
    has_next: bool


def parse_filters(args: Mapping[str, str]) -> OutboxFilters:
    """The filter form's values; an unknown status or channel names its field."""
    status_text = args.get("status", "").strip()
    channel_text = args.get("channel", "").strip()
    status = (
        parse_choice(NotificationStatus, status_text, field="status", message=_l("Geçersiz durum."))
        if status_text
        else None
    )
    channel = (
        parse_choice(
            NotificationChannel, channel_text, field="channel", message=_l("Geçersiz kanal.")
        )
        if channel_text
        else None
    )
    number = args.get("ticket", "").strip()
    if len(number) > 16:
        raise ValidationError(_l("Geçersiz başvuru numarası."), field="ticket")
    return OutboxFilters(status=status, channel=channel, ticket_number=number)


def mask_email(address: str) -> str:
    """``ayse@example.org`` → ``a***@example.org``."""
    local, _, domain = address.partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain}"


def _shown_recipient(row: Notification, show_contact: bool) -> str:
    if show_contact:
        return row.recipient
    if row.channel == NotificationChannel.SMS:
        return mask_phone(row.recipient)
    return mask_email(row.recipient)


def _rendered(row: Notification, settings: Settings) -> tuple[str, str, Segments | None]:
    """The text as the sender builds it (same template, same transliteration setting)."""
    try:
        subject, body = render(
            row.template, row.context, base_url=settings.public_base_url, tz=settings.timezone
        )
    except (ValueError, KeyError, TypeError):
        return "", str(_l("(şablon gösterilemiyor: %(name)s)", name=row.template)), None
    if row.channel != NotificationChannel.SMS:
        return subject, body, None
    if settings.sms_transliterate:
        body = transliterate(body)
    return subject, body, sms_segments(body)


def list_outbox(
    session: Session,
    user: User,
    filters: OutboxFilters,
    *,
    settings: Settings,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> OutboxPage:
    """One page of the outbox, newest first, limited to tickets the user may see.

    Newest first is by id: rows are written with ``created_at = now`` in id
    order, and the primary key orders a big table without a sort.
    """
    page = min(max(page, 1), MAX_PAGE)
    visible = visible_tickets(session, user).with_only_columns(Ticket.id, Ticket.number).subquery()
    stmt = (
        sa.select(Notification, visible.c.number, User.full_name)
        .outerjoin(visible, visible.c.id == Notification.ticket_id)
        .outerjoin(User, User.id == Notification.user_id)
        .where(sa.or_(Notification.ticket_id.is_(None), visible.c.id.is_not(None)))
    )
    if filters.status is not None:
        stmt = stmt.where(Notification.status == filters.status)
    if filters.channel is not None:
        stmt = stmt.where(Notification.channel == filters.channel)
    if filters.ticket_number:
        stmt = stmt.where(visible.c.number == filters.ticket_number)
    found = session.execute(
        stmt.order_by(Notification.id.desc()).offset((page - 1) * per_page).limit(per_page + 1)
    ).all()
    show_contact = may_see_contact(user)
    rows = []
    for notification, number, staff_name in found[:per_page]:
        subject, body, segments = _rendered(notification, settings)
        rows.append(
            OutboxRow(
                notification=notification,
                ticket_number=number,
                staff_name=staff_name,
                recipient=_shown_recipient(notification, show_contact),
                subject=subject,
                body=body,
                segments=segments,
            )
        )
    return OutboxPage(rows=rows, page=page, has_prev=page > 1, has_next=len(found) > per_page)


@bp.get("/")
@roles_required(*BACK_OFFICE)
def index() -> ResponseReturnValue:
    args = request.args
    page_text = args.get("page", "1")
    context: dict[str, Any] = {
        "values": {key: args.get(key, "") for key in ("status", "channel", "ticket")},
        "statuses": list(NotificationStatus),
        "channels": list(NotificationChannel),
        "STATUS": STATUS,
        "CHANNEL": CHANNEL,
        "TEMPLATE": TEMPLATE,
        "errors": {},
        "result": None,
        "filter_args": {},
    }
    try:
        filters = parse_filters(args)
        context["filter_args"] = filters.as_args()
        context["result"] = list_outbox(
            db.session(),
            current_user,
            filters,
            settings=current_app.config["HIMCRM_SETTINGS"],
            page=int(page_text) if page_text.isdigit() else 1,
        )
    except DomainError as error:
        context["errors"] = field_error(error)
        return render_template("outbox/index.html", **context), error.status_code
    return render_template("outbox/index.html", **context)
