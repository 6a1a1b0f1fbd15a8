"""The display names of ticket statuses, shared by screens, the IVR and Open311."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from himcrm.models import TicketStatus

STATUS = {
    TicketStatus.NEW: _l("Yeni"),
    TicketStatus.ROUTED: _l("Birime yönlendirildi"),
    TicketStatus.IN_PROGRESS: _l("İşlemde"),
    TicketStatus.ON_HOLD: _l("Beklemede"),
    TicketStatus.PENDING_APPROVAL: _l("Onay bekliyor"),
    TicketStatus.ANSWERED: _l("Yanıtlandı"),
    TicketStatus.CLOSED: _l("Kapandı"),
    TicketStatus.MERGED: _l("Birleştirildi"),
    TicketStatus.OUT_OF_SCOPE: _l("Kapsam dışı"),
}
