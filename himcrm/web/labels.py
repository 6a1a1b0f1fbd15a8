"""Display names of the domain's codes, Turkish first (English via the catalog)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from himcrm.models import (
    Channel,
    EventKind,
    Priority,
    ReplyChannel,
    Role,
    TicketType,
)
from himcrm.tickets import status_labels

STATUS = status_labels.STATUS

EVENT = {
    EventKind.CREATED: _l("Başvuru alındı"),
    EventKind.ROUTED: _l("Birime yönlendirildi"),
    EventKind.TRANSFERRED: _l("Başka birime aktarıldı"),
    EventKind.ASSIGNED: _l("Personele atandı"),
    EventKind.STATUS_CHANGED: _l("Durum değişti"),
    EventKind.ON_HOLD: _l("Beklemeye alındı"),
    EventKind.RESUMED: _l("Beklemeden çıktı"),
    EventKind.RETURNED: _l("Yanıt taslağı iade edildi"),
    EventKind.APPROVED: _l("Yanıt onaylandı"),
    EventKind.ANSWERED: _l("Yanıtlandı"),
    EventKind.CLOSED: _l("Kapatıldı"),
    EventKind.REOPENED: _l("Yeniden açıldı"),
    EventKind.MERGED: _l("Mükerrer başvuru birleştirildi"),
    EventKind.OUT_OF_SCOPE: _l("Kapsam dışı: ilgili kuruma iletildi"),
    EventKind.NOTE: _l("Not"),
    EventKind.FIRST_RESPONSE: _l("İlk yanıt"),
    EventKind.NOTIFICATION: _l("Bildirim"),
}

CHANNEL = {
    Channel.PHONE: _l("Telefon"),
    Channel.WEB: _l("Web formu"),
    Channel.EMAIL: _l("E-posta"),
    Channel.SMS: _l("SMS"),
    Channel.SOCIAL_X: _l("X (Twitter)"),
    Channel.SOCIAL_META: _l("Facebook / Messenger"),
    Channel.MOBILE_APP: _l("Mobil uygulama"),
    Channel.FIELD: _l("Saha ekibi tespiti"),
    Channel.WALK_IN: _l("Yüz yüze"),
    Channel.RADIO: _l("Telsiz merkezi"),
    Channel.DISTRICT_MUNICIPALITY: _l("İlçe belediyesi"),
    Channel.CIMER: _l("CİMER"),
    Channel.OPEN311: _l("Open311"),
}

TYPE = {
    TicketType.REQUEST: _l("İstek"),
    TicketType.COMPLAINT: _l("Şikâyet"),
    TicketType.SUGGESTION: _l("Öneri"),
    TicketType.INFORMATION: _l("Bilgi edinme"),
    TicketType.THANKS: _l("Teşekkür"),
}

PRIORITY = {
    Priority.LOW: _l("Düşük"),
    Priority.NORMAL: _l("Normal"),
    Priority.HIGH: _l("Yüksek"),
    Priority.URGENT: _l("Acil"),
}

ROLE = {
    Role.OPERATOR: _l("Çağrı merkezi operatörü"),
    Role.BACK_OFFICE: _l("HİM personeli"),
    Role.DEPT_STAFF: _l("Birim personeli"),
    Role.DEPT_MANAGER: _l("Birim yöneticisi"),
    Role.FIELD_TEAM: _l("Saha ekibi"),
    Role.SUPERVISOR: _l("Yönetici"),
    Role.ADMIN: _l("Sistem yöneticisi"),
}

REPLY_CHANNEL = {
    ReplyChannel.SMS: _l("SMS"),
    ReplyChannel.PHONE: _l("Telefonla aranarak"),
    ReplyChannel.EMAIL: _l("E-posta"),
    ReplyChannel.POST: _l("Posta"),
    ReplyChannel.IN_PERSON: _l("Yüz yüze"),
    ReplyChannel.SOCIAL: _l("Sosyal medya (özel mesaj)"),
}
