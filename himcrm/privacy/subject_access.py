"""A data subject's request for everything held on them (KVKK art. 11): JSON and PDF.

The dossier is the citizen's own data in full (it goes to the citizen, after
the office checked who is asking) with their tickets, history visible to them,
answers, messages sent to them, calls and inbound messages. Staff names are
left out: they are other people's personal data.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from sqlalchemy.orm import Session

from himcrm.channels.public_status import PUBLIC_EVENTS  # what the citizen's tracking page shows
from himcrm.models import (
    Call,
    Citizen,
    InboundMessage,
    Notification,
    Reply,
    ReplyStatus,
    Ticket,
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _value(member: Any) -> Any:
    return getattr(member, "value", member)


def citizen_dossier(session: Session, citizen: Citizen, *, now: datetime) -> dict[str, Any]:
    tickets = list(
        session.scalars(
            sa.select(Ticket).where(Ticket.citizen_id == citizen.id).order_by(Ticket.created_at)
        )
    )
    ids = [t.id for t in tickets]
    answers: dict[int, list[Reply]] = {}
    if ids:
        for reply in session.scalars(
            sa.select(Reply)
            .where(Reply.ticket_id.in_(ids), Reply.status == ReplyStatus.APPROVED)
            .order_by(Reply.id)
        ):
            answers.setdefault(reply.ticket_id, []).append(reply)
    messages = session.scalars(
        sa.select(Notification)
        .where(
            sa.or_(
                Notification.citizen_id == citizen.id,
                sa.and_(Notification.ticket_id.in_(ids), Notification.user_id.is_(None)),
            )
        )
        .order_by(Notification.id)
    ).all()
    calls = session.scalars(
        sa.select(Call).where(Call.citizen_id == citizen.id).order_by(Call.started_at)
    ).all()
    inbound = session.scalars(
        sa.select(InboundMessage)
        .where(sa.or_(InboundMessage.citizen_id == citizen.id, InboundMessage.ticket_id.in_(ids)))
        .order_by(InboundMessage.id)
    ).all()
    return {
        "generated_at": now.isoformat(),
        "citizen": {
            "id": citizen.id,
            "full_name": citizen.full_name,
            "phone": citizen.phone,
            "email": citizen.email,
            "kimlik_no": citizen.kimlik_no,
            "address": citizen.address,
            "district": citizen.district.name if citizen.district else None,
            "neighbourhood": citizen.neighbourhood,
            "preferred_channel": _value(citizen.preferred_channel),
            "kvkk_consent_at": _iso(citizen.kvkk_consent_at),
            "created_at": _iso(citizen.created_at),
            "anonymised_at": _iso(citizen.anonymised_at),
        },
        "tickets": [
            {
                "number": t.number,
                "channel": _value(t.channel),
                "type": _value(t.type),
                "status": _value(t.status),
                "topic": t.topic_code.name_tr if t.topic_code else None,
                "department": t.department.name if t.department else None,
                "description": t.description,
                "address": t.address,
                "district": t.district.name if t.district else None,
                "neighbourhood": t.neighbourhood,
                "latitude": t.latitude,
                "longitude": t.longitude,
                "created_at": _iso(t.created_at),
                "answered_at": _iso(t.answered_at),
                "closed_at": _iso(t.closed_at),
                "satisfaction": t.satisfaction,
                "history": [
                    {
                        "kind": _value(e.kind),
                        "status": _value(e.to_status),
                        "department": e.department.name if e.department else None,
                        "at": _iso(e.created_at),
                    }
                    for e in t.events
                    if e.kind in PUBLIC_EVENTS
                ],
                "answers": [
                    {"text": r.body, "at": _iso(r.decided_at)} for r in answers.get(t.id, [])
                ],
            }
            for t in tickets
        ],
        "messages_sent": [
            {
                "channel": _value(m.channel),
                "recipient": m.recipient,
                "template": m.template,
                "status": _value(m.status),
                "at": _iso(m.sent_at or m.created_at),
            }
            for m in messages
        ],
        "calls": [
            {
                "from": c.from_number,
                "status": _value(c.status),
                "started_at": _iso(c.started_at),
                "voice_mail": bool(c.recording_url),
            }
            for c in calls
        ],
        "messages_received": [
            {"channel": m.channel, "text": m.body, "at": _iso(m.received_at)} for m in inbound
        ],
    }


def dossier_json(dossier: dict[str, Any]) -> bytes:
    return json.dumps(dossier, ensure_ascii=False, indent=2).encode("utf-8")


def dossier_pdf(dossier: dict[str, Any], *, timezone: str = "Europe/Istanbul") -> bytes:
    """The same dossier as a printable A4 PDF (DejaVu fonts: Turkish letters)."""
    from himcrm.reports.exports_pdf import BOLD, REGULAR, register_fonts

    register_fonts()
    tz = ZoneInfo(timezone)
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=9, leading=12)
    head = ParagraphStyle("head", fontName=BOLD, fontSize=13, leading=16, spaceAfter=6)
    sub = ParagraphStyle("sub", fontName=BOLD, fontSize=10, leading=13, spaceBefore=8)

    def when(value: str | None) -> str:
        if not value:
            return "—"
        return datetime.fromisoformat(value).astimezone(tz).strftime("%d.%m.%Y %H:%M")

    def para(text: object, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(str(text if text not in (None, "") else "—")), style)

    person = dossier["citizen"]
    story: list[Any] = [
        para("Kişisel veri dökümü / Personal data held", head),
        para(f"Oluşturma / Generated: {when(dossier['generated_at'])}"),
        Spacer(1, 0.3 * cm),
        para("Kişi / Person", sub),
    ]
    labels = {
        "full_name": "Ad soyad",
        "phone": "Telefon",
        "email": "E-posta",
        "kimlik_no": "T.C. kimlik no",
        "address": "Adres",
        "district": "İlçe",
        "neighbourhood": "Mahalle",
        "preferred_channel": "Yanıt kanalı",
        "kvkk_consent_at": "KVKK onayı",
    }
    for key, label in labels.items():
        value = person.get(key)
        story.append(para(f"{label}: {when(value) if key.endswith('_at') else (value or '—')}"))
    for ticket in dossier["tickets"]:
        story.append(para(f"Başvuru {ticket['number']} — {ticket['topic'] or ''}", sub))
        story.append(para(f"Kanal: {ticket['channel']} · Durum: {ticket['status']}"))
        story.append(para(f"Tarih: {when(ticket['created_at'])} · Birim: {ticket['department']}"))
        story.append(para(f"Metin: {ticket['description']}"))
        if ticket["address"]:
            story.append(para(f"Adres: {ticket['address']}"))
        for answer in ticket["answers"]:
            story.append(para(f"Yanıt ({when(answer['at'])}): {answer['text']}"))
        for entry in ticket["history"]:
            story.append(para(f"· {when(entry['at'])} {entry['kind']} {entry['department'] or ''}"))
    story.append(para("Gönderilen mesajlar / Messages sent", sub))
    for message in dossier["messages_sent"] or [{}]:
        if message:
            story.append(para(f"{when(message['at'])} {message['channel']} {message['template']}"))
    story.append(para("Çağrılar / Calls", sub))
    for call in dossier["calls"]:
        story.append(para(f"{when(call['started_at'])} {call['status']}"))
    story.append(para("Gelen mesajlar / Messages received", sub))
    for received in dossier["messages_received"]:
        story.append(para(f"{when(received['at'])} {received['channel']}: {received['text']}"))
    out = io.BytesIO()
    SimpleDocTemplate(
        out, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, title="Kişisel veri dökümü"
    ).build(story)
    return out.getvalue()
