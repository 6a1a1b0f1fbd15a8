"""Message texts (Turkish) and SMS segment counting.

Turkish letters outside GSM 03.38 (ç is in the basic set only as Ç; ğ, ı, ş, İ,
Ğ, Ş are not) force the whole SMS into UCS-2: 70 characters a segment instead
of 160. Operators pay per segment, so transliteration is a setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

# GSM 03.38 basic character set and the extension table (which costs two septets).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")
_TRANSLITERATION = str.maketrans(
    {
        "ç": "c",
        "ğ": "g",
        "ı": "i",
        "ş": "s",
        "İ": "I",
        "Ğ": "G",
        "Ş": "S",
        "â": "a",
        "î": "i",
        "û": "u",
    }
)


@dataclass(frozen=True, slots=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    count: int
    length: int  # septets for GSM-7, UTF-16 code units for UCS-2


def sms_segments(text: str) -> Segments:
    if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text):
        septets = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        count = 1 if septets <= 160 else -(-septets // 153)
        return Segments("GSM-7", count, septets)
    units = len(text.encode("utf-16-le")) // 2
    count = 1 if units <= 70 else -(-units // 67)
    return Segments("UCS-2", count, units)


def transliterate(text: str) -> str:
    """Keep the message GSM-7: Turkish letters outside the set become ASCII ones.

    Ö, ö, Ü, ü and Ç are in GSM-7 and stay; ç, ğ, ı, ş and the capitals İ, Ğ, Ş go.
    """
    return text.translate(_TRANSLITERATION)


def _local(iso: str | None, tz: str, fmt: str = "%d.%m.%Y %H:%M") -> str:
    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(tz)).strftime(fmt)


STAGE_TEXT = {
    "p50": "SLA süresinin yarısı doldu",
    "p80": "SLA süresinin %80'i doldu",
    "due": "SLA süresi doldu",
    "overdue": "SLA süresi geçti, yanıt bekleniyor",
}


#: Ticket statuses as a citizen reads them in an SMS (keys: TicketStatus values).
STATUS_TEXT = {
    "new": "Alındı, inceleniyor",
    "routed": "Birime iletildi",
    "in_progress": "İşlemde",
    "on_hold": "Beklemede",
    "pending_approval": "Yanıt onayda",
    "answered": "Yanıtlandı",
    "closed": "Sonuçlandı",
    "merged": "Başka bir başvuruyla birleştirildi",
    "out_of_scope": "Yetkili kuruma iletildi",
}

#: The inbound-SMS status query, as the citizen should type it.
STATUS_QUERY_EXAMPLE = "DURUM 2026-000123"


def _status_body(context: dict[str, object], link: str, tz: str) -> str:
    """Status, department and the expected (or actual) date, in one short SMS."""
    status = str(context.get("status", ""))
    parts = [
        f"İzmir BB HİM: {context.get('number', '')} durumu: {STATUS_TEXT.get(status, status)}."
    ]
    department = str(context.get("department") or "")
    parts.append(f"Birim: {department}." if department else "Birim: henüz belirlenmedi.")
    answered = _local(str(context.get("answered") or ""), tz, "%d.%m.%Y")
    due = _local(str(context.get("due") or ""), tz, "%d.%m.%Y")
    if status in ("answered", "closed") and answered:
        parts.append(f"Yanıt tarihi: {answered}.")
    elif status == "on_hold":
        parts.append("Süre, beklenen bilgi gelince devam eder.")
    elif due:
        parts.append(f"Tahmini sonuç: {due}.")
    if link:
        parts.append(f"Takip: {link}")
    return " ".join(parts)


def _inbound_reply(template: str, number: str, link: str) -> tuple[str, str] | None:
    """Answers to a citizen's SMS (himcrm.channels.inbound_sms); None: not one of them."""
    follow = f" Takip: {link}" if link else ""
    if template == "sms_status_not_found":
        return (
            "Başvuru bulunamadı",
            f"İzmir BB HİM: Bu telefona kayıtlı {number} numaralı başvuru bulunamadı.",
        )
    if template == "sms_status_help":
        return (
            "Başvuru sorgulama",
            f"İzmir BB HİM: Başvurunuzu sorgulamak için {STATUS_QUERY_EXAMPLE} biçiminde yazın.",
        )
    if template == "survey_thanks":
        return (
            f"Değerlendirmeniz için teşekkürler: {number}",
            f"İzmir BB HİM: {number} için değerlendirmeniz alındı. Teşekkür ederiz.",
        )
    if template == "survey_reopened":
        return (
            f"Başvurunuz yeniden açıldı: {number}",
            f"İzmir BB HİM: {number} numaralı başvurunuz yeniden incelenecek.{follow}",
        )
    if template == "sms_note_added":
        return (
            f"Mesajınız eklendi: {number}",
            f"İzmir BB HİM: Mesajınız {number} numaralı başvurunuza eklendi.{follow}",
        )
    return None


def render(
    template: str, context: dict[str, object], *, base_url: str, tz: str = "Europe/Istanbul"
) -> tuple[str, str]:
    """(subject, body) of a message. Citizen texts carry the tracking link."""
    number = str(context.get("number", ""))
    link = f"{base_url}/t/{context['token']}" if context.get("token") else ""
    if template == "sms_status":
        return (f"Başvuru durumu: {number}", _status_body(context, link, tz))
    inbound = _inbound_reply(template, number, link)
    if inbound is not None:
        return inbound
    if template == "ticket_created":
        return (
            f"Başvurunuz alındı: {number}",
            f"İzmir BB HİM: Başvurunuz {number} numarasıyla alındı. Takip: {link}",
        )
    if template == "ticket_answered":
        body = str(context.get("body", "")).strip()
        return (
            f"Başvurunuz yanıtlandı: {number}",
            f"İzmir BB HİM: {number} numaralı başvurunuz yanıtlandı. {body} Ayrıntı: {link}",
        )
    if template == "survey":
        return (
            f"Memnuniyet anketi: {number}",
            f"İzmir BB HİM: {number} numaralı başvurunuzun yanıtından memnun musunuz? "
            "1 (hiç) ile 5 (çok) arası bir rakamla yanıtlayın.",
        )
    if template.startswith("reminder_"):
        stage = template.removeprefix("reminder_")
        due = _local(str(context.get("due") or ""), tz)
        text = STAGE_TEXT.get(stage, stage)
        return (f"HİM hatırlatma: {number}", f"HİM: {number} — {text}. Son tarih: {due}.")
    if template == "approval_waiting":
        return (
            f"Onay bekleyen yanıt: {number}",
            f"HİM: {number} numaralı başvurunun yanıtı 3 iş günüdür onayınızı bekliyor.",
        )
    if template == "monthly_overdue":
        count = context.get("count", 0)
        lines = "\n".join(str(x) for x in context.get("numbers", []))  # type: ignore[attr-defined]
        return (
            f"Süresinde sonuçlanmayan başvurular ({context.get('month')})",
            f"{context.get('department')}: {context.get('month')} ayında süresinde sonuçlanmayan "
            f"{count} başvuru:\n{lines}",
        )
    if template == "report_ready":
        kind = "haftalık" if context.get("kind") == "weekly" else "aylık"
        download = f"{base_url}/reports/stored/{context.get('report_id')}/xlsx"
        return (
            f"HİM raporu: {context.get('label')}",
            f"HİM {kind} raporu, {context.get('first_day')} – {context.get('last_day')}:\n"
            f"Gelen başvuru: {context.get('received')}\n"
            f"Sonuçlanan: {context.get('concluded')} (%{context.get('concluded_pct')})\n"
            f"Süresinde sonuçlanan: %{context.get('sla_met_pct')}\n"
            f"Süresi geçmiş açık başvuru: {context.get('overdue_now')}\n"
            f"Gelen çağrı: {context.get('calls_received')} "
            f"(cevaplanma %{context.get('calls_answered_pct')})\n"
            f"Raporu indirin (Excel): {download}",
        )
    raise ValueError(f"unknown message template {template!r}")
